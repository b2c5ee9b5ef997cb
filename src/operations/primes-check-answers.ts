/**
 * The answers of a batch of prime checks, by the media type the client accepts:
 *
 * - `application/json`: `{"count":N,"results":[{"n":"97","prime":true,"test":"deterministic"},…]}`,
 *   the same bytes as the operation's `render`;
 * - `text/plain`: one line per number, in input order, `1` for prime and `0` for not;
 * - `application/octet-stream`: a bitmap, one bit per number: number i is bit (i mod 8) of
 *   byte floor(i / 8), least significant bit first; the unused high bits of the last byte are 0.
 *
 * Pure: a pool thread encodes a large batch's answer and hands the bytes back, so the event
 * loop only copies them to the socket.
 */
import type { IntegerBatch } from '../compute/primes/integer.js';
import { batchItems } from './primes-check.js';

export type CheckAnswer = 'json' | 'text' | 'bitmap';

export const checkAnswerMediaTypes: Readonly<Record<CheckAnswer, string>> = {
  json: 'application/json',
  text: 'text/plain; charset=utf-8',
  bitmap: 'application/octet-stream',
};

const byMediaType: ReadonlyArray<readonly [string, CheckAnswer]> = [
  ['application/json', 'json'],
  ['text/plain', 'text'],
  ['application/octet-stream', 'bitmap'],
];

/**
 * The answer an `Accept` header asks for: the acceptable type of highest quality (the first
 * listed among equals), a wildcard meaning the route's own default. Nothing acceptable
 * among them gets the default too (RFC 9110 lets a server disregard Accept), which a client
 * can tell from Content-Type.
 */
export function checkAnswerFor(accept: string | undefined, fallback: CheckAnswer): CheckAnswer {
  if (accept === undefined || accept === '' || accept === '*/*') return fallback;
  let best: CheckAnswer | undefined;
  let bestQuality = 0;
  for (const range of accept.split(',')) {
    const [rawType = '', ...parameters] = range.split(';');
    const type = rawType.trim().toLowerCase();
    let quality = 1;
    for (const parameter of parameters) {
      const [name, value] = parameter.split('=', 2);
      if (name?.trim().toLowerCase() === 'q' && value !== undefined) quality = Number(value.trim());
    }
    if (!(quality > bestQuality)) continue;
    const answer = type === '*/*' ? fallback : byMediaType.find(([mediaType]) => mediaType === type || (type.endsWith('/*') && mediaType.startsWith(type.slice(0, -1))))?.[1];
    if (answer === undefined) continue;
    best = answer;
    bestQuality = quality;
  }
  return best ?? fallback;
}

/**
 * The answer's bytes. `decimals` are the numbers as the client sent them, when the parser
 * kept them (canonical once parsed): rendering them again from the packed batch costs a
 * BigInt per number.
 */
export function encodeCheckAnswer(answer: CheckAnswer, flags: Uint8Array, batch: IntegerBatch, decimals?: readonly (string | number)[]): Uint8Array {
  const { count } = batch;
  if (answer === 'text') {
    const out = new Uint8Array(2 * count);
    for (let index = 0; index < count; index += 1) {
      out[2 * index] = flags[index] === 1 ? 0x31 : 0x30;
      out[2 * index + 1] = 0x0a;
    }
    return out;
  }
  if (answer === 'bitmap') {
    const out = new Uint8Array(Math.ceil(count / 8));
    for (let index = 0; index < count; index += 1) if (flags[index] === 1) out[index >> 3] = (out[index >> 3] as number) | (1 << (index & 7));
    return out;
  }
  return encodeJsonAnswer(flags, batch, decimals);
}

const itemHead = Buffer.from('{"n":"');
const itemTails = {
  deterministic: [Buffer.from('","prime":false,"test":"deterministic"}'), Buffer.from('","prime":true,"test":"deterministic"}')],
  probable: [Buffer.from('","prime":false,"test":"probable"}'), Buffer.from('","prime":true,"test":"probable"}')],
} as const;
/** The longest item: its head, a tail, and a decimal of up to this many digits (more are measured). */
const itemBytesBeyondDigits = itemHead.length + itemTails.deterministic[0].length + 1;

/**
 * The JSON answer written piece by piece into one buffer: a template string per number,
 * joined and encoded, costs about ten times as much (a rope of 10^5 pieces flattened, then
 * UTF-8 encoded); the decimals are ASCII digits and the rest is constant. The constant
 * pieces are copied with `set` and the digits with a latin1 `write`: 25 ms for the answer to
 * 100 000 random 64-bit numbers, against 41.5 ms copying every byte in a JS loop and 59.5 ms
 * for `JSON.stringify` of the rendered answer (bench/check-answers.ts, one run).
 */
function encodeJsonAnswer(flags: Uint8Array, batch: IntegerBatch, decimals: readonly (string | number)[] | undefined): Uint8Array {
  const { count } = batch;
  const items = batchItems(batch);
  const texts = new Array<string>(count);
  let size = 0;
  for (let index = 0; index < count; index += 1) {
    const given = decimals?.[index];
    const text = given === undefined ? items.decimal(index) : typeof given === 'string' ? given : String(given);
    texts[index] = text;
    size += text.length + itemBytesBeyondDigits;
  }
  const head = `{"count":${count},"results":[`;
  const out = Buffer.allocUnsafe(head.length + size + 2);
  let at = out.write(head, 0, 'latin1');
  for (let index = 0; index < count; index += 1) {
    if (index > 0) out[at++] = 0x2c;
    out.set(itemHead, at);
    at += itemHead.length;
    // Decimal digits only (the parsers let nothing else through): one byte each.
    at += out.write(texts[index] as string, at, 'latin1');
    const tail = itemTails[items.test(index)][flags[index] === 1 ? 1 : 0];
    out.set(tail, at);
    at += tail.length;
  }
  out[at++] = 0x5d;
  out[at++] = 0x7d;
  return out.subarray(0, at);
}
