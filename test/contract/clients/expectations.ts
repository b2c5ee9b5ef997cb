/**
 * What the generated-client calls send and what they must get back, worked out here
 * independently of the server (naive sieve, trial division, exact float sum, a plain regex
 * word count), so a client that sends the wrong bytes gets a wrong answer and fails.
 */
import { factorByTrialDivision, makeRandom, sieveFlags } from '../../helpers/reference.js';
import { referenceSum } from '../../compute/reduce/float-reference.js';

const flags = sieveFlags(1_000_000);

export const primesTo100: string[] = [];
for (let n = 0; n <= 100; n += 1) if (flags[n] === 1) primesTo100.push(String(n));

export const primeCountTo1e6 = String(flags.reduce((total, flag) => total + flag, 0));

export const factored = 600851475143n;
/** { prime, exponent } of `factored`, ascending. */
export const factorsOfFactored = [...new Set(factorByTrialDivision(factored))].map((prime) => ({
  prime: String(prime),
  exponent: factorByTrialDivision(factored).filter((factor) => factor === prime).length,
}));

const random = makeRandom(0x5eedn);

/** Doubles of all magnitudes and signs: a naive sum of them is wrong, the exact one is not. */
export const floatValues = Float64Array.from({ length: 4_099 }, (_, index) => {
  const mantissa = Number(random(52)) / 2 ** 52;
  return (index % 2 === 0 ? 1 : -1) * mantissa * 2 ** ((index % 61) - 30);
});
export const floatSum = referenceSum(floatValues);

export const intValues = BigInt64Array.from({ length: 1_001 }, () => BigInt.asIntN(64, random(64)));
export const intSum = String(intValues.reduce((total, value) => total + value, 0n));

/** Little-endian bytes of a typed array, as the binary upload sends them. */
export function littleEndianBytes(values: Float64Array | BigInt64Array): Uint8Array<ArrayBuffer> {
  const bytes = new Uint8Array(values.length * 8);
  const view = new DataView(bytes.buffer);
  values.forEach((value: number | bigint, index: number) => {
    if (typeof value === 'bigint') view.setBigInt64(index * 8, value, true);
    else view.setFloat64(index * 8, value, true);
  });
  return bytes;
}

/**
 * Quotes, backslashes, an apostrophe inside a word, accents, CRLF: a text JSON-encoded by
 * mistake gains words (`n` from `\n`, `u2019` from an escape), so its count differs.
 */
export const text =
  'It was the "best" of times, it was the worst of times;\r\n' +
  'l’été, don\'t \\ stop: c:\\new\\table\n' +
  'Déjà vu — déjà VU, naïve café 42 times.\n';

/** Word counts by the README's definition: runs of letters, marks and digits, an apostrophe between two of them. */
export function wordCounts(source: string): Map<string, number> {
  const counts = new Map<string, number>();
  for (const [word] of source.matchAll(/[\p{L}\p{M}\p{N}]+(?:['’][\p{L}\p{M}\p{N}]+)*/gu)) {
    const folded = word.toLowerCase();
    counts.set(folded, (counts.get(folded) ?? 0) + 1);
  }
  return counts;
}

const counted = wordCounts(text);
export const totalWords = [...counted.values()].reduce((total, count) => total + count, 0);
export const distinctWords = counted.size;
/** The top 5: most frequent first, ties in code-point order. */
export const top5 = [...counted]
  .sort(([a, x], [b, y]) => y - x || (a < b ? -1 : a > b ? 1 : 0))
  .slice(0, 5)
  .map(([word, count]) => ({ word, count }));

/** A count that runs for minutes: something to cancel. */
export const slowCount = { from: '0', to: '9007199254740992', method: 'pi' } as const;

/** Job records as both clients see them in an event stream: checked, not cast. */
export interface StreamedJob {
  readonly id: string;
  readonly status: string;
  readonly operation: string;
}

export function isStreamedJob(value: unknown): value is StreamedJob {
  return (
    typeof value === 'object' &&
    value !== null &&
    'id' in value &&
    typeof value.id === 'string' &&
    'status' in value &&
    typeof value.status === 'string' &&
    'operation' in value &&
    typeof value.operation === 'string'
  );
}

/** The `data:` lines of a Server-Sent Events body, parsed. */
export function sseData(body: string): unknown[] {
  return body
    .split('\n\n')
    .flatMap((frame) => frame.split('\n').filter((line) => line.startsWith('data: ')))
    .map((line): unknown => JSON.parse(line.slice('data: '.length)));
}
