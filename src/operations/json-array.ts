/**
 * Results that are one large JSON array (a page of primes, a batch of verdicts) are encoded
 * piece by piece: a head, `count` items rendered one at a time, a tail. Encoding 10^5 items
 * in one go holds the event loop for tens of milliseconds; sliced, a synchronous response
 * streams one slice per socket drain and a job yields between slices, and the bytes are
 * the same JSON `render` would give.
 */
import { setImmediate as yieldToLoop } from 'node:timers/promises';

export interface JsonArrayEncoding {
  readonly head: string;
  readonly count: number;
  readonly item: (index: number) => string;
  readonly tail: string;
  /** About how many bytes one item takes, rendered and in the value behind it (for the responses budget). */
  readonly itemBytes: number;
}

/** About 2 ms of rendering for the simplest items. */
export const itemsPerSlice = 16_384;

/** The JSON text in slices of at most `itemsPerSlice` items; the first holds the head, the last the tail. */
export function* jsonArraySlices(encoding: JsonArrayEncoding): Generator<string> {
  const { head, count, item, tail } = encoding;
  let text = head;
  for (let start = 0; start < count || start === 0; start += itemsPerSlice) {
    const end = Math.min(count, start + itemsPerSlice);
    for (let index = start; index < end; index += 1) text += index === 0 ? item(index) : `,${item(index)}`;
    if (end >= count) {
      yield text + tail;
      return;
    }
    yield text;
    text = '';
  }
}

/** The whole JSON as UTF-8 bytes, yielding to the event loop between slices. */
export async function encodeJsonArray(encoding: JsonArrayEncoding): Promise<Uint8Array> {
  const parts: Buffer[] = [];
  for (const slice of jsonArraySlices(encoding)) {
    parts.push(Buffer.from(slice));
    await yieldToLoop();
  }
  return parts.length === 1 ? (parts[0] as Buffer) : Buffer.concat(parts);
}

/**
 * Integers as the items of a JSON array of decimal strings, `"2","3","5"` (no brackets), as
 * UTF-8: what a pool thread hands back for a piece of a large array, so the loop joins bytes.
 */
export function encodeDecimalItems(values: Float64Array | BigUint64Array): Uint8Array {
  const items = new Array<string>(values.length);
  for (let index = 0; index < values.length; index += 1) items[index] = `"${values[index]}"`;
  return Buffer.from(items.join(','));
}
