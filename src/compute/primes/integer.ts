/**
 * Exact integers for the prime kernels: bit lengths, integer roots, and the packed batch
 * form in which values below 2^64 travel to the WebAssembly kernels in a BigUint64Array
 * while larger values stay bigints (src/http/integer-input.ts parses requests into it).
 */

/** 2^64: values below it take the exact (deterministic) kernel paths. */
export const U64_LIMIT = 1n << 64n;

/** Number of bits in the binary form of n >= 0 (0 for 0). */
export function bitLength(n: bigint): number {
  if (n < 0n) throw new RangeError('bitLength expects a non-negative integer');
  if (n <= 0xffffffffn) return 32 - Math.clz32(Number(n));
  const hex = n.toString(16);
  return (hex.length - 1) * 4 + (32 - Math.clz32(parseInt(hex[0] ?? '0', 16)));
}

/** floor(sqrt(n)) for n >= 0. */
export function integerSqrt(n: bigint): bigint {
  if (n < 0n) throw new RangeError('integerSqrt expects a non-negative integer');
  if (n < 1n << 52n) return BigInt(Math.floor(Math.sqrt(Number(n))));
  // Newton from above: x0 >= sqrt(n), and the iterates decrease until they reach the floor.
  let x = 1n << BigInt((bitLength(n) + 1) >> 1);
  for (;;) {
    const y = (x + n / x) >> 1n;
    if (y >= x) return x;
    x = y;
  }
}

/** floor(n^(1/k)) for n >= 0, k >= 1. */
export function integerRoot(n: bigint, k: number): bigint {
  if (n < 0n || !Number.isInteger(k) || k < 1) throw new RangeError('integerRoot expects n >= 0 and an integer k >= 1');
  if (k === 1 || n < 2n) return n;
  if (k === 2) return integerSqrt(n);
  const bits = bitLength(n);
  if (k >= bits) return 1n;
  const big = BigInt(k);
  const km1 = big - 1n;
  // Newton from above, as for the square root: x0 = 2^ceil(bits/k) > n^(1/k).
  let x = 1n << BigInt(Math.ceil(bits / k));
  for (;;) {
    const y = (km1 * x + n / x ** km1) / big;
    if (y >= x) return x;
    x = y;
  }
}

/**
 * A batch of non-negative integers in request order. Values below 2^64 sit in `small` at
 * their position; the others are listed in `largeIndex` (ascending positions) with their
 * values in `largeValues`, and hold 0 in `small` (which kernels then report as not prime).
 */
export interface IntegerBatch {
  count: number;
  small: BigUint64Array;
  largeIndex: number[];
  largeValues: bigint[];
}
