/**
 * Correct rounding of an exact rational to the nearest double (ties to even), including
 * subnormal results and overflow to ±Infinity. Runs once per reduction, so plain BigInt
 * arithmetic is fast enough and easy to trust.
 */

const TWO_POW_52 = 1n << 52n;
const TWO_POW_53 = 1n << 53n;

function bitLength(x: bigint): number {
  // x > 0; toString(2) is linear and allocation-heavy but this runs a handful of times per call
  return x.toString(2).length;
}

// Exact powers of two 2^-1074 .. 2^1023, built by doubling so no library pow is trusted.
const POW2 = new Float64Array(2098);
POW2[0] = Number.MIN_VALUE;
for (let i = 1; i < POW2.length; i += 1) POW2[i] = POW2[i - 1]! * 2;

/** 2^e for an integer e in [-1074, 1023]. */
export function powerOfTwo(e: number): number {
  return POW2[e + 1074]!;
}

/**
 * The double nearest to (num / den) * 2^exp2, ties to even; den > 0.
 * Magnitudes at or beyond 2^1024 - 2^970 (halfway above the largest double) give ±Infinity.
 */
export function roundRationalToDouble(num: bigint, den: bigint, exp2: number): number {
  if (den <= 0n) throw new RangeError('denominator must be positive');
  if (num === 0n) return 0;
  const negative = num < 0n;
  const a = negative ? -num : num;
  // Pick k so that q = floor(a / (den * 2^k)) has exactly 53 bits.
  let k = bitLength(a) - bitLength(den) - 53;
  let q: bigint;
  let r: bigint;
  let d: bigint;
  for (;;) {
    const n = k < 0 ? a << BigInt(-k) : a;
    d = k > 0 ? den << BigInt(k) : den;
    q = n / d;
    r = n - q * d;
    if (q >= TWO_POW_53) k += 1;
    else if (q < TWO_POW_52) k -= 1;
    else break;
  }
  // Below the normal range the grid is fixed at 2^-1074: fewer significant bits remain.
  if (k + exp2 < -1074) {
    k = -1074 - exp2;
    const n = k < 0 ? a << BigInt(-k) : a;
    d = k > 0 ? den << BigInt(k) : den;
    q = n / d;
    r = n - q * d;
  }
  const twice = 2n * r;
  if (twice > d || (twice === d && (q & 1n) === 1n)) q += 1n;
  // q has at most 53 significant bits, so the product is exact unless it overflows.
  const e = k + exp2;
  const magnitude = e > 1023 ? Infinity : Number(q) * powerOfTwo(e);
  return negative ? -magnitude : magnitude;
}
