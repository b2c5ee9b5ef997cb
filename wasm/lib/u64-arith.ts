/**
 * Modular arithmetic on unsigned 64-bit and 32-bit integers for the u64 kernel.
 *
 * WebAssembly has no 64x64 -> 128-bit multiply, so the high half is assembled from four
 * 32x32 -> 64-bit partial products. Montgomery multiplication then avoids division entirely.
 * The Montgomery context (modulus and constants) lives in module globals: one modulus is
 * active at a time, set with `montSetup64` / `montSetup32`.
 */

/**
 * High 64 bits of the 128-bit product a * b.
 *
 * Write a = a1*2^32 + a0 and b = b1*2^32 + b0 with 32-bit digits. Then
 *   a*b = p11*2^64 + (p01 + p10)*2^32 + p00,   pij = ai*bj < 2^64 (each exact in u64).
 * The bits at weight 2^32..2^63 come from the "middle column"
 *   mid = hi32(p00) + lo32(p01) + lo32(p10) <= 3*(2^32 - 1) < 2^34,
 * which cannot overflow a u64; its bits above 32 are the carry into the high word. So
 *   high = p11 + hi32(p01) + hi32(p10) + hi32(mid),
 * and this sum is the exact high word (it is < 2^64 because a*b < 2^128), so no
 * wrap-around can occur in it either.
 */
// @ts-ignore: decorator
@inline
export function mulhi(a: u64, b: u64): u64 {
  const a0 = a & 0xffffffff;
  const a1 = a >> 32;
  const b0 = b & 0xffffffff;
  const b1 = b >> 32;
  const p00 = a0 * b0;
  const p01 = a0 * b1;
  const p10 = a1 * b0;
  const p11 = a1 * b1;
  const mid = (p00 >> 32) + (p01 & 0xffffffff) + (p10 & 0xffffffff);
  return p11 + (p01 >> 32) + (p10 >> 32) + (mid >> 32);
}

/** Inverse of an odd n modulo 2^64 by Newton's iteration (each step doubles the correct bits). */
export function inverse64(n: u64): u64 {
  // n*n == 1 (mod 8) for odd n: 3 correct bits to start; 3 -> 6 -> 12 -> 24 -> 48 -> 96.
  let x = n;
  x *= 2 - n * x;
  x *= 2 - n * x;
  x *= 2 - n * x;
  x *= 2 - n * x;
  x *= 2 - n * x;
  return x;
}

// ---- 64-bit Montgomery context: R = 2^64, values kept in [0, n) --------------------------

export let N64: u64 = 0;
/** n^-1 mod 2^64 (the positive inverse; see montMul64 for why not -n^-1). */
export let NINV64: u64 = 0;
/** R mod n: Montgomery form of 1. */
export let ONE64: u64 = 0;
/** R^2 mod n: converts x to Montgomery form via montMul64(x, R2). */
export let R2_64: u64 = 0;

// @ts-ignore: decorator
@inline
export function addMod64(a: u64, b: u64): u64 {
  // a + b may exceed 2^64 when n > 2^63: compare against n - b instead of adding first.
  const t = N64 - b;
  return a >= t ? a - t : a + b;
}

// @ts-ignore: decorator
@inline
export function subMod64(a: u64, b: u64): u64 {
  return a >= b ? a - b : a - b + N64;
}

/**
 * Montgomery product a*b/R mod n, for a, b < n < 2^64, n odd.
 *
 * With T = a*b and m = lo64(T) * n^-1 mod 2^64, m*n agrees with T in the low 64 bits, so
 * T - m*n is divisible by 2^64 and (T - m*n)/2^64 = hi64(T) - hi64(m*n) exactly (the low
 * words cancel with no borrow). Both high words are < n, so the difference lies in (-n, n):
 * one conditional add of n lands it in [0, n). Subtracting (instead of the textbook
 * T + m'*n with m' = -n^-1) never overflows, even for n close to 2^64.
 */
// @ts-ignore: decorator
@inline
export function montMul64(a: u64, b: u64): u64 {
  const th = mulhi(a, b);
  const m = a * b * NINV64;
  const mh = mulhi(m, N64);
  const r = th - mh;
  return th < mh ? r + N64 : r;
}

export function montSetup64(n: u64): void {
  N64 = n;
  NINV64 = inverse64(n);
  const one = (0 - n) % n; // 2^64 mod n
  ONE64 = one;
  // R^2 = 2^64 * R: start from 2R and square six times in Montgomery form
  // (each montMul64(x, x) maps 2^k R to 2^(2k) R): 2 -> 4 -> 16 -> 256 -> 2^16 -> 2^32 -> 2^64.
  let x = addMod64(one, one);
  x = montMul64(x, x);
  x = montMul64(x, x);
  x = montMul64(x, x);
  x = montMul64(x, x);
  x = montMul64(x, x);
  x = montMul64(x, x);
  R2_64 = x;
}

// @ts-ignore: decorator
@inline
export function toMont64(x: u64): u64 {
  return montMul64(x % N64, R2_64);
}

/** Montgomery-form power: base in Montgomery form, plain exponent. */
export function montPow64(base: u64, e: u64): u64 {
  if (e == 0) return ONE64;
  // Left-to-right binary with a 4-bit fixed window: 64 squarings and at most 16 multiplies.
  const table = TABLE64;
  store<u64>(table, ONE64);
  store<u64>(table + 8, base);
  let p = base;
  for (let i: usize = 2; i < 16; i++) {
    p = montMul64(p, base);
    store<u64>(table + (i << 3), p);
  }
  const bits = 64 - <i32>clz<u64>(e);
  let shift = ((bits + 3) >> 2) * 4 - 4;
  let r = load<u64>(table + (<usize>((e >> <u64>shift) & 15) << 3));
  while (shift > 0) {
    shift -= 4;
    r = montMul64(r, r);
    r = montMul64(r, r);
    r = montMul64(r, r);
    r = montMul64(r, r);
    const digit = <usize>((e >> <u64>shift) & 15);
    if (digit != 0) r = montMul64(r, load<u64>(table + (digit << 3)));
  }
  return r;
}

const TABLE64: usize = memory.data(16 * 8, 16);

// ---- 32-bit Montgomery context: R = 2^32, for odd n < 2^32 ------------------------------

export let N32: u64 = 0;
export let NINV32: u32 = 0;
export let ONE32: u64 = 0;
export let R2_32: u64 = 0;

/** Same subtraction form as montMul64, with the 64-bit product native in u64. */
// @ts-ignore: decorator
@inline
export function montMul32(a: u64, b: u64): u64 {
  const t = a * b;
  const m = <u32>t * NINV32;
  const th = t >> 32;
  const mh = (<u64>m * N32) >> 32;
  const r = th - mh;
  return th < mh ? r + N32 : r;
}

export function montSetup32(n: u32): void {
  N32 = <u64>n;
  NINV32 = <u32>inverse64(<u64>n);
  ONE32 = (<u64>1 << 32) % N32;
  R2_32 = (ONE32 * ONE32) % N32;
}

export function montPow32(base: u64, e: u32): u64 {
  let r = ONE32;
  let b = base;
  while (e != 0) {
    if (e & 1) r = montMul32(r, b);
    b = montMul32(b, b);
    e >>= 1;
  }
  return r;
}

// ---- misc ---------------------------------------------------------------------------------

/** Binary gcd (Stein), using count-trailing-zeros instead of bit-by-bit shifting. */
export function gcd64(a: u64, b: u64): u64 {
  if (a == 0) return b;
  if (b == 0) return a;
  const shift = ctz<u64>(a | b);
  a >>= ctz<u64>(a);
  do {
    b >>= ctz<u64>(b);
    if (a > b) {
      const t = b;
      b = a;
      a = t;
    }
    b -= a;
  } while (b != 0);
  return a << shift;
}

/** floor(sqrt(n)) exactly, from the f64 estimate corrected by at most a few steps. */
export function isqrt64(n: u64): u64 {
  let r = <u64>Math.sqrt(<f64>n);
  // The f64 estimate can be off by one in either direction near 2^64; r*r must not wrap.
  if (r > 0xffffffff) r = 0xffffffff;
  while (r * r > n) r--;
  while (r < 0xffffffff && (r + 1) * (r + 1) <= n) r++;
  return r;
}
