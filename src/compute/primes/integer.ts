/**
 * Exact decimal integers: parsing without precision loss, bit lengths, integer roots, and
 * packing of request batches so that values below 2^64 travel to the WebAssembly kernels in a
 * BigUint64Array without a BigInt per item, while larger values stay bigints.
 */

/** 2^64: values below it take the exact (deterministic) kernel paths. */
export const U64_LIMIT = 1n << 64n;

const CHAR_0 = 48;
const CHAR_9 = 57;
/** Longest decimal that Number holds exactly whatever its digits (10^15 < 2^53). */
const FAST_DIGITS = 15;
const TWO_32 = 4294967296;

// Word order of a u64 seen through a Uint32Array: little-endian hosts (all supported ones)
// keep the low word first; the check keeps the packing right on a big-endian host too.
const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;
const LO = LITTLE_ENDIAN ? 0 : 1;
const HI = LITTLE_ENDIAN ? 1 : 0;

/** True when text is `0` or `[1-9][0-9]*`: no sign, spaces, exponent, hex or leading zeros. */
export function isCanonicalDecimal(text: string): boolean {
  const length = text.length;
  if (length === 0) return false;
  const first = text.charCodeAt(0);
  if (first === CHAR_0) return length === 1;
  if (first < CHAR_0 || first > CHAR_9) return false;
  for (let i = 1; i < length; i++) {
    const c = text.charCodeAt(i);
    if (c < CHAR_0 || c > CHAR_9) return false;
  }
  return true;
}

/** Parses `0` or `[1-9][0-9]*` exactly; undefined for anything else. */
export function parseNonNegativeInteger(text: string): bigint | undefined {
  if (!isCanonicalDecimal(text)) return undefined;
  if (text.length <= FAST_DIGITS) return BigInt(Number(text));
  return BigInt(text);
}

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
 * Writes the value of a canonical decimal below 2^64 into out[2*index] (low 32 bits) and
 * out[2*index + 1] (high 32 bits) as seen by a BigUint64Array over the same buffer, and
 * returns true. Returns false, writing nothing, when text is not canonical (see
 * isCanonicalDecimal) or its value is >= 2^64; parseNonNegativeInteger tells those apart.
 */
export function decimalToU64Halves(text: string, out: Uint32Array, index: number): boolean {
  const length = text.length;
  if (length > 20 || !isCanonicalDecimal(text)) return false;
  const at = 2 * index;
  if (length <= FAST_DIGITS) {
    const value = Number(text);
    out[at + LO] = value >>> 0;
    out[at + HI] = Math.floor(value / TWO_32);
    return true;
  }
  // value = head * 10^k + tail with head < 10^15 exact in a Number and k <= 5 digits left.
  const head = Number(text.slice(0, FAST_DIGITS));
  const k = length - FAST_DIGITS;
  const tail = Number(text.slice(FAST_DIGITS));
  const scale = 10 ** k;
  const headLo = head >>> 0;
  const headHi = Math.floor(head / TWO_32); // < 2^18
  // headLo * scale + tail < 2^32 * 10^5 < 2^49: exact. Its upper part carries into the high word.
  const low = headLo * scale + tail;
  const lowWord = low >>> 0;
  const high = headHi * scale + (low - lowWord) / TWO_32; // < 2^36: exact
  if (high >= TWO_32) return false;
  out[at + LO] = lowWord;
  out[at + HI] = high;
  return true;
}

/** Writes a safe non-negative integer Number as a u64 at index (see decimalToU64Halves). */
export function safeIntegerToU64Halves(value: number, out: Uint32Array, index: number): void {
  const at = 2 * index;
  out[at + LO] = value >>> 0;
  out[at + HI] = Math.floor(value / TWO_32);
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

export type PackResult =
  | { ok: true; batch: IntegerBatch }
  | { ok: false; index: number; reason: 'not-a-safe-integer' | 'negative' | 'not-canonical-decimal' };

/**
 * Packs JSON batch items (safe integer Numbers or canonical decimal strings) into an
 * IntegerBatch; reports the first bad item instead. Strings of any length are accepted:
 * the caller enforces its own size limits before packing.
 */
export function packIntegers(items: readonly (number | string)[]): PackResult {
  const count = items.length;
  const small = new BigUint64Array(count);
  const words = new Uint32Array(small.buffer, small.byteOffset, count * 2);
  const largeIndex: number[] = [];
  const largeValues: bigint[] = [];
  for (let i = 0; i < count; i++) {
    const item = items[i];
    if (typeof item === 'number') {
      if (!Number.isSafeInteger(item)) return { ok: false, index: i, reason: 'not-a-safe-integer' };
      if (item < 0) return { ok: false, index: i, reason: 'negative' };
      safeIntegerToU64Halves(item, words, i);
    } else if (typeof item === 'string') {
      if (decimalToU64Halves(item, words, i)) continue;
      const value = parseNonNegativeInteger(item);
      if (value === undefined) return { ok: false, index: i, reason: 'not-canonical-decimal' };
      largeIndex.push(i);
      largeValues.push(value);
    } else {
      return { ok: false, index: i, reason: 'not-canonical-decimal' };
    }
  }
  return { ok: true, batch: { count, small, largeIndex, largeValues } };
}
