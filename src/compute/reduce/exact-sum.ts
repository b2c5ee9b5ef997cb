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
 *    2^(b - 40) in the same way; whatever is still left after that (values more than
 *    ~2^26 times smaller than the chunk's largest) goes to the bins one by one. At the
 *    end of a chunk each level holds a - 1.5 * 2^(b+52), an exact double, added to the
 *    bins. Per value that is six flops in two independent dependency chains, and no
 *    memory traffic besides the value itself.
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
  for (let start = 0; start < n; start += CHUNK) {
    const end = Math.min(start + CHUNK, n);
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
    if (largest === 0) continue;
    scratchFloat[0] = largest;
    const exponent = ((scratchWords[1]! >>> 20) & 0x7ff) - 1023;
    if (!(largest < Infinity) || exponent > FAST_MAX_EXPONENT) {
      addWordsToBins(acc, words, start, end);
      continue;
    }
    sumChunkFast(acc, values, start, end, exponent);
  }
}

function sumChunkFast(acc: ExactSum, values: Float64Array, start: number, end: number, exponent: number): void {
  const b1 = Math.max(exponent - 38, -1074);
  const b2 = Math.max(b1 - 40, -1074);
  const c1 = 1.5 * powerOfTwo(b1 + 52);
  const c2 = 1.5 * powerOfTwo(b2 + 52);
  let a1 = c1;
  let a2 = c2;
  for (let i = start; i < end; i += 1) {
    const x = values[i]!;
    const t1 = a1 + x;
    const r1 = x - (t1 - a1);
    a1 = t1;
    const t2 = a2 + r1;
    const r2 = r1 - (t2 - a2);
    a2 = t2;
    if (r2 !== 0) addValue(acc, r2);
  }
  // Both differences are exact: same binade, multiples of the grid.
  addValue(acc, a1 - c1);
  addValue(acc, a2 - c2);
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
