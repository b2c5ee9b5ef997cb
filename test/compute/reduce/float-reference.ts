/**
 * Plain, slow references for the reduce tests: doubles taken apart into exact BigInt
 * multiples of 2^-1074, summed exactly, and rounded back to the nearest double (ties to
 * even) with integer arithmetic only. Shares no code with src/compute/reduce.
 */

/** x as an exact integer count of 2^-1074 (x finite). */
export function toUnits(x: number): bigint {
  const view = new DataView(new ArrayBuffer(8));
  view.setFloat64(0, x);
  const bits = view.getBigUint64(0);
  const negative = bits >> 63n === 1n;
  const exponent = Number((bits >> 52n) & 0x7ffn);
  const fraction = bits & ((1n << 52n) - 1n);
  const mantissa = exponent === 0 ? fraction : fraction | (1n << 52n);
  const units = mantissa << BigInt(Math.max(exponent, 1) - 1);
  return negative ? -units : units;
}

/**
 * The double nearest (n + (sticky ? a tiny positive amount : 0)) * 2^unitExp, ties to
 * even, for n >= 0; the sticky flag marks a remainder below the unit (a rational's tail).
 */
function roundUnsigned(n: bigint, unitExp: number, sticky: boolean): number {
  if (n === 0n) return 0;
  const length = n.toString(2).length;
  const ulpExp = Math.max(length - 53 + unitExp, -1074);
  const shift = ulpExp - unitExp;
  if (shift <= 0) return Number(n) * 2 ** unitExp;
  let q = n >> BigInt(shift);
  const rest = n - (q << BigInt(shift));
  const half = 1n << BigInt(shift - 1);
  if (rest > half || (rest === half && (sticky || (q & 1n) === 1n))) q += 1n;
  return Number(q) * 2 ** ulpExp;
}

function roundSigned(n: bigint, unitExp: number, sticky: boolean): number {
  return n < 0n ? -roundUnsigned(-n, unitExp, sticky) : roundUnsigned(n, unitExp, sticky);
}

function special(values: Iterable<number>): number | undefined {
  let pos = false;
  let neg = false;
  for (const x of values) {
    if (Number.isNaN(x)) return NaN;
    if (x === Infinity) pos = true;
    if (x === -Infinity) neg = true;
  }
  if (pos && neg) return NaN;
  if (pos) return Infinity;
  if (neg) return -Infinity;
  return undefined;
}

/** The correctly rounded sum; overflow gives ±Infinity; an exact zero is +0. */
export function referenceSum(values: Iterable<number>): number {
  const list = [...values];
  const s = special(list);
  if (s !== undefined) return s;
  let total = 0n;
  for (const x of list) total += toUnits(x);
  return roundSigned(total, -1074, false);
}

/** The double nearest the exact mean (exact sum / count as a rational). */
export function referenceMean(values: Iterable<number>): number {
  const list = [...values];
  const s = special(list);
  if (s !== undefined) return s;
  let total = 0n;
  for (const x of list) total += toUnits(x);
  const extra = 1200;
  const scaled = (total < 0n ? -total : total) << BigInt(extra);
  const count = BigInt(list.length);
  const q = scaled / count;
  const sticky = q * count !== scaled;
  const magnitude = roundUnsigned(q, -1074 - extra, sticky);
  return total < 0n ? -magnitude : magnitude;
}

/** The double nearest num / den (den > 0), for the int mean. */
export function referenceRatio(num: bigint, den: bigint): number {
  const extra = 1200 + den.toString(2).length;
  const scaled = (num < 0n ? -num : num) << BigInt(extra);
  const q = scaled / den;
  const magnitude = roundUnsigned(q, -extra, q * den !== scaled);
  return num < 0n ? -magnitude : magnitude;
}
