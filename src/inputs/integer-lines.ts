/**
 * A text/plain body of integers, one per line (POST /v1/primes/check/text): the compact
 * request format of a high-volume client. Lines end with `\n` (a `\r` before it is
 * dropped); one final newline is allowed. Each line is a decimal integer as
 * parseIntegerInput takes it; bad lines are reported by their number (`#/line/7`, from 1),
 * at most 20 of them. Pure: runs on the event loop for a small body, on a pool thread for a
 * large one.
 */
import type { IntegerBatch } from '../compute/primes/integer.js';
import { InputError } from './errors.js';
import { parseIntegerBatch } from './integers.js';
import { decodeUtf8Strict } from './json.js';

export interface IntegerLines {
  readonly batch: IntegerBatch;
  /** The decimal of each value as sent, which is canonical once it parsed (no sign, spaces or leading zeros). */
  readonly decimals: readonly string[];
}

export function parseIntegerLines(bytes: Uint8Array, maxItems: number, maxBits: number): IntegerLines {
  const text = decodeUtf8Strict(bytes, 'text');
  if (text.length === 0) throw new InputError([{ pointer: '', message: 'the body is empty: send one integer per line' }]);
  const lines = text.split('\n');
  if (lines.at(-1) === '') lines.pop();
  if (lines.length > maxItems) {
    throw new InputError([{ pointer: '', message: `has ${lines.length} lines, more than the limit of ${maxItems} (MAX_BATCH_ITEMS): split the request` }]);
  }
  for (let index = 0; index < lines.length; index += 1) {
    const line = lines[index] as string;
    if (line.endsWith('\r')) lines[index] = line.slice(0, -1);
  }
  try {
    return { batch: parseIntegerBatch(lines, '#/line', maxBits), decimals: lines };
  } catch (error) {
    if (!(error instanceof InputError)) throw error;
    // Pointers name the line a person sees in an editor: from 1, not from 0.
    throw new InputError(error.errors.map(({ pointer, message }) => ({ pointer: pointer.replace(/\/(\d+)$/, (_, index: string) => `/${Number(index) + 1}`), message })));
  }
}
