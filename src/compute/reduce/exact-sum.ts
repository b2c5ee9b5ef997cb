/**
 * Exact summation of doubles: a superaccumulator whose value is exactly the real sum of
 * everything added, so the final (correctly rounded) result cannot depend on how an array
 * was cut into shards or in which order partial sums were merged.
 *
 * Two layers:
 *
 * 1. Bins (the state, and the slow path). Every finite double is m * 2^(p - 1074) with an
 *    integer m < 2^53 and p = max(biased exponent, 1) - 1. Bin j counts units of
 *    2^(32j - 1074) as an integer held exactly in a double. A value is cut into three
 *    32-bit pieces of m * 2^(p mod 32) added to bins p/32, p/32 + 1 and p/32 + 2 (Radford
 *    Neal's "small superaccumulator", with doubles standing in for 64-bit integers). Each
 *    piece is below 2^32, so a bin stays an exact integer (< 2^53) for 2^20 additions;
 *    then carries are propagated and every bin but the top one is back in [0, 2^32).
 *
 * 2. The fast path, per chunk of 1024 values (Rump, Ogita and Oishi's ExtractScalar,
 *    also the core of Demmel and Nguyen's reproducible sums). With E the exponent of the
 *    largest |x| in the chunk, pick a grid u = 2^b with b = E - 38 and keep an
 *    accumulator a = 1.5 * 2^(b + 52) + (multiple of u). While a stays in the binade
 *    [2^(b+52), 2^(b+53)), every double there is a multiple of u, so
 *        t = a + x;  q = t - a;  r = x - q;  a = t
 *    makes q = x rounded to the grid, exactly, and r = x - q exactly (|r| <= u/2).
 *    1024 values of |q| <= 2^(b+39) + u/2 move a by less than 2^(b+50), a quarter of the
 *    binade, so a never leaves it. The remainders r feed a second level with grid
 *    2^(b - 40) in the same way (and a third, 2^(b - 80), when the chunk needed it); at the
 *    end of a chunk each level holds a - 1.5 * 2^(b+52), an exact double, added to the
 *    bins. Whatever escapes the last level goes to the bins one by one.
 *
 *    E need not be exact, only an upper bound: any E with every |x| < 2^(E+1) works. So a
 *    chunk is first summed in one pass on a guess (the previous chunk's exponent plus one),
 *    two lanes at a time, while measuring its largest |x|; if that breaks the bound (or is
 *    NaN/Inf), or some remainder escaped the second level, the chunk's result is discarded
 *    and the chunk redone from its measured maximum. Typical data pays one pass of about
 *    eight flops per value and no memory traffic besides the value itself.
 *
 * The exact value of the bins is read out as a BigInt (units of 2^-1074) and rounded once.
 */
import { powerOfTwo, roundRationalToDouble } from './round.js';

/** Bins 0..66 cover every double and the carries of up to 2^40 of them; 68 leaves slack. */
export const EXACT_SUM_BINS = 68;
const CHUNK = 1024;
/** Slow-path additions allowed before carries must be propagated (see the module note). */
const PENDING_LIMIT = 1 << 20;
/** Largest chunk exponent whose level-1 accumulator (< 2^(E+15)) stays finite. */
const FAST_MAX_EXPONENT = 1008;
const TWO_POW_32 = 4294967296;

if (new Uint8Array(new Uint32Array([1]).buffer)[0] !== 1) {
  throw new Error('exact-sum reads doubles through 32-bit views and needs a little-endian platform');
}

/** Mutable accumulator. `pending` counts bin additions since the last carry propagation. */
export interface ExactSum {
  bins: Float64Array;
  pending: number;
  nan: boolean;
  posInf: boolean;
  negInf: boolean;
}

/** The serialisable, normalised state shipped between threads and merged by the dispatcher. */
export interface ExactSumState {
  readonly bins: Float64Array;
  readonly nan: boolean;
  readonly posInf: boolean;
  readonly negInf: boolean;
}

export function createExactSum(): ExactSum {
  return { bins: new Float64Array(EXACT_SUM_BINS), pending: 0, nan: false, posInf: false, negInf: false };
}

/** Propagates carries so bins 0..66 lie in [0, 2^32); the top bin keeps the sign. */
export function normalize(acc: ExactSum): void {
  const bins = acc.bins;
  for (let j = 0; j < EXACT_SUM_BINS - 1; j += 1) {
    const v = bins[j]!;
    if (v >= 0 && v < TWO_POW_32) continue;
    const carry = Math.floor(v / TWO_POW_32);
    bins[j] = v - carry * TWO_POW_32;
    bins[j + 1] = bins[j + 1]! + carry;
  }
  acc.pending = 0;
}

/** Adds words[2i], words[2i+1] (the low and high halves of a double) for i in [from, to). */
function addWordsToBins(acc: ExactSum, words: Uint32Array, from: number, to: number): void {
  const bins = acc.bins;
  let pending = acc.pending;
  for (let i = from; i < to; i += 1) {
    const lo = words[2 * i]!;
    const hi = words[2 * i + 1]!;
    const biased = (hi >>> 20) & 0x7ff;
    if (biased === 0x7ff) {
      if ((hi & 0xfffff) !== 0 || lo !== 0) acc.nan = true;
      else if (hi >>> 31 === 0) acc.posInf = true;
      else acc.negInf = true;
      continue;
    }
    let mh: number;
    let p: number;
    if (biased === 0) {
      mh = hi & 0xfffff;
      p = 0;
    } else {
      mh = (hi & 0xfffff) | 0x100000;
      p = biased - 1;
    }
    const j = p >>> 5;
    const s = p & 31;
    let p0: number;
    let p1: number;
    let p2: number;
    if (s === 0) {
      p0 = lo;
      p1 = mh;
      p2 = 0;
    } else {
      p0 = (lo << s) >>> 0;
      p1 = ((mh << s) | (lo >>> (32 - s))) >>> 0;
      p2 = mh >>> (32 - s);
    }
    if (hi >>> 31 === 0) {
      bins[j] = bins[j]! + p0;
      bins[j + 1] = bins[j + 1]! + p1;
      bins[j + 2] = bins[j + 2]! + p2;
    } else {
      bins[j] = bins[j]! - p0;
      bins[j + 1] = bins[j + 1]! - p1;
      bins[j + 2] = bins[j + 2]! - p2;
    }
    pending += 1;
    if (pending >= PENDING_LIMIT) {
      acc.pending = pending;
      normalize(acc);
      pending = 0;
    }
  }
  acc.pending = pending;
}

const scratchFloat = new Float64Array(1);
const scratchWords = new Uint32Array(scratchFloat.buffer);

/** Adds one double exactly (any value, including NaN and infinities). */
export function addValue(acc: ExactSum, x: number): void {
  scratchFloat[0] = x;
  addWordsToBins(acc, scratchWords, 0, 1);
}

/** Adds every element of `values` exactly. */
export function addArray(acc: ExactSum, values: Float64Array): void {
  const words = new Uint32Array(values.buffer, values.byteOffset, values.length * 2);
  const n = values.length;
  // Exponent the next chunk is expected to stay under (one binade of slack over the last
  // chunk's largest value); NaN when there is no guess. A chunk summed on a guess that turns
  // out wrong is thrown away and redone from its measured largest value, so a guess only
  // ever costs time, never exactness.
  let guess = Number.NaN;
  // After a failed guess, the next few chunks skip guessing (data whose chunks need the
  // third level, or whose magnitudes jump around, would fail every time).
  let cooldown = 0;
  for (let start = 0; start < n; start += CHUNK) {
    const end = Math.min(start + CHUNK, n);
    if (cooldown > 0) cooldown -= 1;
    else if (guess <= FAST_MAX_EXPONENT) {
      const largest = sumChunkOnGuess(values, start, end, guess);
      if (largest < 0) cooldown = 16;
      else {
        for (let k = 0; k < 4; k += 1) addValue(acc, chunkParts[k]!);
        guess = largest === 0 ? Number.NaN : exponentOf(largest) + 1;
        continue;
      }
    }
    // Largest magnitude in the chunk; NaN propagates through Math.max and sends the chunk
    // to the slow path, as do infinities and values too large for the level-1 grid.
    let m0 = 0;
    let m1 = 0;
    let i = start;
    for (; i + 1 < end; i += 2) {
      m0 = Math.max(m0, Math.abs(values[i]!));
      m1 = Math.max(m1, Math.abs(values[i + 1]!));
    }
    if (i < end) m0 = Math.max(m0, Math.abs(values[i]!));
    const largest = Math.max(m0, m1);
    guess = Number.NaN;
    if (largest === 0) continue;
    const exponent = exponentOf(largest);
    if (!(largest < Infinity) || exponent > FAST_MAX_EXPONENT) {
      addWordsToBins(acc, words, start, end);
      continue;
    }
    sumChunkFast(acc, values, start, end, exponent);
    guess = exponent + 1;
  }
}

/** Unbiased binary exponent of a positive finite double (subnormals give -1023). */
function exponentOf(x: number): number {
  scratchFloat[0] = x;
  return ((scratchWords[1]! >>> 20) & 0x7ff) - 1023;
}

const chunkParts = new Float64Array(4);

/**
 * The two-level split of sumChunkFast in one pass, on a guessed exponent, committing
 * nothing: leaves four exact partial sums of the chunk in chunkParts and returns the
 * chunk's largest |x|, or -1 when the guess was wrong (a value at or above 2^(guess+1), a
 * NaN or infinity) or some value was too small to be captured by the second level. Two
 * independent lanes (even and odd positions) halve the loop's dependency chains.
 */
function sumChunkOnGuess(values: Float64Array, start: number, end: number, guess: number): number {
  const b1 = Math.max(guess - 38, -1074);
  const b2 = Math.max(b1 - 40, -1074);
  const c1 = 1.5 * powerOfTwo(b1 + 52);
  const c2 = 1.5 * powerOfTwo(b2 + 52);
  const bound = powerOfTwo(guess + 1);
  let a1 = c1;
  let a2 = c2;
  let e1 = c1;
  let e2 = c2;
  let largestA = 0;
  let largestE = 0;
  let lost = 0;
  let i = start;
  for (; i + 1 < end; i += 2) {
    const x = values[i]!;
    const y = values[i + 1]!;
    largestA = Math.max(largestA, Math.abs(x));
    largestE = Math.max(largestE, Math.abs(y));
    const t1 = a1 + x;
    const u1 = e1 + y;
    const r1 = x - (t1 - a1);
    const s1 = y - (u1 - e1);
    a1 = t1;
    e1 = u1;
    const t2 = a2 + r1;
    const u2 = e2 + s1;
    const r2 = r1 - (t2 - a2);
    const s2 = s1 - (u2 - e2);
    a2 = t2;
    e2 = u2;
    if (r2 !== 0 || s2 !== 0) lost = 1;
  }
  if (i < end) {
    const x = values[i]!;
    largestA = Math.max(largestA, Math.abs(x));
    const t1 = a1 + x;
    const r1 = x - (t1 - a1);
    a1 = t1;
    const t2 = a2 + r1;
    if (r1 - (t2 - a2) !== 0) lost = 1;
    a2 = t2;
  }
  const largest = Math.max(largestA, largestE);
  if (!(largest < bound) || lost !== 0) return -1;
  chunkParts[0] = a1 - c1;
  chunkParts[1] = a2 - c2;
  chunkParts[2] = e1 - c1;
  chunkParts[3] = e2 - c2;
  return largest;
}

function sumChunkFast(acc: ExactSum, values: Float64Array, start: number, end: number, exponent: number): void {
  // Three levels, each 2^40 finer than the one above: what escapes all three is more than
  // ~2^-66 times the chunk's largest value, rare outside contrived data.
  const b1 = Math.max(exponent - 38, -1074);
  const b2 = Math.max(b1 - 40, -1074);
  const b3 = Math.max(b2 - 40, -1074);
  const c1 = 1.5 * powerOfTwo(b1 + 52);
  const c2 = 1.5 * powerOfTwo(b2 + 52);
  const c3 = 1.5 * powerOfTwo(b3 + 52);
  let a1 = c1;
  let a2 = c2;
  let a3 = c3;
  for (let i = start; i < end; i += 1) {
    const x = values[i]!;
    const t1 = a1 + x;
    const r1 = x - (t1 - a1);
    a1 = t1;
    const t2 = a2 + r1;
    const r2 = r1 - (t2 - a2);
    a2 = t2;
    const t3 = a3 + r2;
    const r3 = r2 - (t3 - a3);
    a3 = t3;
    if (r3 !== 0) addValue(acc, r3);
  }
  // Each difference is exact: same binade, multiples of the grid.
  addValue(acc, a1 - c1);
  addValue(acc, a2 - c2);
  addValue(acc, a3 - c3);
}

/** Merges `from` into `into` exactly. */
export function mergeExactSum(into: ExactSum, from: ExactSumState): void {
  // Both sides are normalised (bins < 2^32, top bin tiny), so one pass of additions is exact.
  normalize(into);
  const a = into.bins;
  const b = from.bins;
  for (let j = 0; j < EXACT_SUM_BINS; j += 1) a[j] = a[j]! + b[j]!;
  normalize(into);
  into.nan ||= from.nan;
  into.posInf ||= from.posInf;
  into.negInf ||= from.negInf;
}

/** A normalised copy safe to post to another thread. */
export function exactSumState(acc: ExactSum): ExactSumState {
  normalize(acc);
  return { bins: acc.bins.slice(), nan: acc.nan, posInf: acc.posInf, negInf: acc.negInf };
}

export function exactSumFromState(state: ExactSumState): ExactSum {
  if (state.bins.length !== EXACT_SUM_BINS) throw new RangeError(`exact sum state needs ${EXACT_SUM_BINS} bins`);
  const acc = createExactSum();
  acc.bins.set(state.bins);
  acc.pending = 1;
  normalize(acc);
  acc.nan = state.nan;
  acc.posInf = state.posInf;
  acc.negInf = state.negInf;
  return acc;
}

/** The exact finite part of the sum as an integer count of 2^-1074. */
export function exactSumToBigInt(state: ExactSumState): bigint {
  const bins = state.bins;
  let total = 0n;
  for (let j = EXACT_SUM_BINS - 1; j >= 0; j -= 1) {
    total = (total << 32n) + BigInt(bins[j]!);
  }
  return total;
}

/** NaN / ±Infinity when special values were added, otherwise undefined. */
export function specialSum(state: ExactSumState): number | undefined {
  if (state.nan || (state.posInf && state.negInf)) return NaN;
  if (state.posInf) return Infinity;
  if (state.negInf) return -Infinity;
  return undefined;
}

/**
 * The correctly rounded sum (ties to even). An exact zero is +0. A finite exact sum
 * beyond the double range rounds to ±Infinity (where Python's fsum raises OverflowError).
 */
export function roundExactSum(state: ExactSumState): number {
  return specialSum(state) ?? roundRationalToDouble(exactSumToBigInt(state), 1n, -1074);
}

/** The correctly rounded mean: the exact sum divided by `count` as a rational, rounded once. */
export function roundExactMean(state: ExactSumState, count: number): number {
  return specialSum(state) ?? roundRationalToDouble(exactSumToBigInt(state), BigInt(count), -1074);
}

/** Convenience: the correctly rounded sum of one array. */
export function exactSum(values: Float64Array): number {
  const acc = createExactSum();
  addArray(acc, values);
  return roundExactSum(exactSumState(acc));
}
