/**
 * Encoding a batch check's JSON answer (src/operations/primes-check-answers.ts), 100 000
 * random 64-bit numbers, on one thread: the product encoder beside, in the same run, the
 * byte-by-byte loop it replaced and `JSON.stringify` of the rendered answer. All three must
 * give the same bytes; the script fails if one does not.
 *
 *   node --import tsx bench/check-answers.ts
 */
import { checkPrimesBatch } from '../src/compute/primes/is-prime.js';
import { loadConfig } from '../src/config.js';
import { parseCheckBodyBytes } from '../src/inputs/primes.js';
import { encodeCheckAnswer } from '../src/operations/primes-check-answers.js';
import { batchItems, primesCheck } from '../src/operations/primes-check.js';
import type { IntegerBatch } from '../src/compute/primes/integer.js';
import { printTable } from './lib/table.js';

const itemHead = Buffer.from('{"n":"');
const itemTails = {
  deterministic: [Buffer.from('","prime":false,"test":"deterministic"}'), Buffer.from('","prime":true,"test":"deterministic"}')],
  probable: [Buffer.from('","prime":false,"test":"probable"}'), Buffer.from('","prime":true,"test":"probable"}')],
} as const;

/** The encoder before: every byte copied in a JS loop. */
function byteLoop(flags: Uint8Array, batch: IntegerBatch, decimals: readonly (string | number)[]): Uint8Array {
  const items = batchItems(batch);
  const texts = decimals.map(String);
  const head = `{"count":${batch.count},"results":[`;
  const out = Buffer.allocUnsafe(head.length + texts.reduce((sum, text) => sum + text.length + 50, 2));
  let at = out.write(head, 0, 'latin1');
  for (let index = 0; index < batch.count; index += 1) {
    if (index > 0) out[at++] = 0x2c;
    for (let byte = 0; byte < itemHead.length; byte += 1) out[at++] = itemHead[byte] as number;
    const text = texts[index] as string;
    for (let char = 0; char < text.length; char += 1) out[at++] = text.charCodeAt(char);
    const tail = itemTails[items.test(index)][flags[index] === 1 ? 1 : 0];
    for (let byte = 0; byte < tail.length; byte += 1) out[at++] = tail[byte] as number;
  }
  out[at++] = 0x5d;
  out[at++] = 0x7d;
  return out.subarray(0, at);
}

const limits = loadConfig({}).limits;
let seed = 0x9e3779b97f4a7c15n;
const random64 = (): bigint => {
  seed = BigInt.asUintN(64, seed * 6364136223846793005n + 1442695040888963407n);
  return seed;
};
const numbers = Array.from({ length: 100_000 }, () => random64().toString());
const { batch, decimals } = parseCheckBodyBytes('json', Buffer.from(JSON.stringify({ numbers })), limits);
if (decimals === undefined) throw new Error('the parser kept no decimals');
const flags = checkPrimesBatch(batch);
const contenders: Array<[string, () => Uint8Array]> = [
  ['encodeCheckAnswer (product)', () => encodeCheckAnswer('json', flags, batch, decimals)],
  ['byte-by-byte loop (before)', () => byteLoop(flags, batch, decimals)],
  ['JSON.stringify(render) to UTF-8', () => Buffer.from(JSON.stringify(primesCheck.render(flags, { batch })))],
];
const reference = Buffer.from(contenders[2]![1]());
for (const [name, encode] of contenders) {
  if (!Buffer.from(encode()).equals(reference)) throw new Error(`${name} gives other bytes`);
}
const rounds = 7;
const perRound = new Map<string, number[]>(contenders.map(([name]) => [name, []]));
for (let round = 0; round < rounds; round += 1) {
  // In turns, so a slow second of the machine falls on all of them.
  for (const [name, encode] of contenders) {
    const startedAt = performance.now();
    for (let repeat = 0; repeat < 5; repeat += 1) encode();
    perRound.get(name)!.push((performance.now() - startedAt) / 5);
  }
}
const median = (values: number[]): number => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
const product = median(perRound.get(contenders[0]![0])!);
printTable(
  `JSON answer of 100 000 random 64-bit checks (${reference.length.toLocaleString('en-US')} bytes), median of ${rounds} rounds`,
  contenders.map(([name]) => {
    const ms = median(perRound.get(name)!);
    return { encoder: name, 'ms per answer': ms, 'ns per number': (ms * 1e6) / batch.count, 'vs product': `${(ms / product).toFixed(2)}x` };
  }),
);
