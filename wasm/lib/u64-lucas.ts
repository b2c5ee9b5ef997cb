/**
 * The two halves of Baillie–PSW for odd n < 2^64, on the 64-bit Montgomery context of
 * u64-arith (the caller runs montSetup64(n) first): a strong probable-prime test to base 2
 * and a strong Lucas probable-prime test with Selfridge's parameters (method A). For n < 2^32
 * the `...32` twins do the same on the cheaper 32-bit context (montSetup32(n) first).
 *
 * Why BPSW is exact below 2^64: Feitsma (with Galway's independent enumeration) listed every
 * base-2 Fermat pseudoprime below 2^64, and running the Lucas test over that list (Gilchrist;
 * separately Greathouse, 2011) found that none passes the strong or the standard Baillie–PSW
 * test. Every base-2 strong pseudoprime is in the list, so a composite n < 2^64 never passes
 * both halves below, provided the Lucas half is exactly the Selfridge-A strong test (the
 * tests check it verdict for verdict against the textbook BigInt version).
 *
 * The Lucas half runs on the Q = 1 companion sequence, which needs no Q^k and no halving.
 * With roots a, b of x^2 - Px + Q (P = 1), let a' = a/b, b' = b/a: their sum is
 * P' = (P^2 - 2Q)/Q = 1/Q - 2, their product is 1, and V'_k = a'^k + b'^k = V_2k / Q^k.
 * Write n + 1 = d*2^s (d odd) and m = (d - 1)/2. From the identities
 *   V_(k+1) - Q V_(k-1) = D U_k   and   V_(k+1) + Q V_(k-1) = P V_k
 * at k = d (so V_(d+1) = Q^(m+1) V'_(m+1) and V_(d-1) = Q^m V'_m):
 *   D U_d = Q^(m+1) (V'_(m+1) - V'_m),   V_d = Q^(m+1) (V'_(m+1) + V'_m),
 * and for r >= 1, V_(d*2^r) = Q^(d*2^(r-1)) V'_(d*2^(r-1)). With D and Q prime to n, the
 * strong test "U_d = 0 or V_(d*2^r) = 0 for some 0 <= r < s" therefore reads
 *   V'_m = V'_(m+1),  or  V'_m + V'_(m+1) = 0,  or  V'_(d*2^j) = 0 for some 0 <= j < s - 1,
 * exactly the same verdict as the textbook U/V ladder, for two Montgomery products per bit
 * of m (V'_2k = V'_k^2 - 2, V'_(2k+1) = V'_k V'_(k+1) - P') instead of three or four, and
 * without the (x + n)/2 halving whose carry overflows u64 once n > 2^63.
 */
import { montMul64, addMod64, subMod64, N64, ONE64, R2_64, isqrt64, montMul32, N32, ONE32, R2_32 } from './u64-arith';

/**
 * Strong probable-prime test to base 2 for odd n > 2^6 with n - 1 = d*2^s. Left-to-right
 * powering where the multiply by the base is a modular doubling (one addition).
 */
export function strongBase2(d: u64, s: i32): bool {
  const n = N64;
  const bits = 64 - <i32>clz<u64>(d);
  // Start from 2^t for the top (up to) six bits t of d: one conversion instead of six steps.
  let shift = bits > 6 ? bits - 6 : 0;
  let x = montMul64((<u64>1 << (d >> <u64>shift)) % n, R2_64);
  while (shift > 0) {
    shift--;
    x = montMul64(x, x);
    if (((d >> <u64>shift) & 1) != 0) x = addMod64(x, x);
  }
  const one = ONE64;
  const minusOne = n - one;
  if (x == one || x == minusOne) return true;
  for (let r = 1; r < s; r++) {
    x = montMul64(x, x);
    if (x == minusOne) return true;
    if (x == one) return false;
  }
  return false;
}

/** Jacobi symbol (x/m) for odd m > 0 (binary algorithm with quadratic reciprocity). */
function jacobi32(x: u32, m: u32): i32 {
  let result = 1;
  while (x != 0) {
    const tz = ctz<u32>(x);
    x >>= tz;
    // (2/m) = -1 exactly when m = 3 or 5 (mod 8).
    if ((tz & 1) != 0 && ((m & 7) == 3 || (m & 7) == 5)) result = -result;
    const t = x;
    x = m;
    m = t;
    if ((x & 3) == 3 && (m & 3) == 3) result = -result;
    x %= m;
  }
  return m == 1 ? result : 0;
}

/**
 * The inverse of q mod n for 1 <= q < 2^32 and n >= q^2, or 0 when gcd(q, n) > 1.
 * Write n = a*q + b and pick t in [0, q) with t*b = -1 (mod q); then 1 + t*n is a multiple of
 * q and (1 + t*n)/q = t*a + (1 + t*b)/q. The first term is at most (q - 1)a = n - b - a, the
 * second below q <= a, so the sum is below n: no overflow and no final reduction.
 */
function inverseSmall(q: u64, n: u64): u64 {
  if (q == 1) return 1;
  const a = n / q;
  const b = n % q;
  // Extended Euclid on (q, b), small numbers: find the inverse of b mod q.
  let r0: i64 = <i64>q;
  let r1: i64 = <i64>b;
  let s0: i64 = 0;
  let s1: i64 = 1;
  while (r1 != 0) {
    const k = r0 / r1;
    let t = r0 - k * r1;
    r0 = r1;
    r1 = t;
    t = s0 - k * s1;
    s0 = s1;
    s1 = t;
  }
  if (r0 != 1) return 0;
  // s0 * b = 1 (mod q); t = -s0 mod q.
  let t = (-s0) % <i64>q;
  if (t < 0) t += <i64>q;
  const tu = <u64>t;
  return tu * a + (1 + tu * b) / q;
}

/**
 * Selfridge's D for odd n > 2^16: |D| in the low 32 bits, bit 32 set when D < 0; 0 when n is
 * composite because (D/n) = 0 or n is a perfect square (a square never finds its D, so it is
 * looked for once the search runs long).
 */
function selfridgeD(n: u64): u64 {
  let dAbs: u32 = 5;
  let negative = false;
  for (let tries = 0; ; tries++) {
    // (D/n) for odd D: reciprocity turns it into (n mod |D| / |D|) on 32-bit numbers.
    let j = jacobi32(<u32>(n % <u64>dAbs), dAbs);
    if ((dAbs & 3) == 3 && (n & 3) == 3) j = -j;
    if (negative && (n & 3) == 3) j = -j; // (-1/n)
    if (j == -1) return negative ? (<u64>1 << 32) | <u64>dAbs : <u64>dAbs;
    if (j == 0) return 0; // gcd(D, n) > 1 and n > |D|
    if (tries == 4) {
      const root = isqrt64(n);
      if (root * root == n) return 0;
    }
    dAbs += 2;
    negative = !negative;
  }
  return unreachable();
}

/**
 * 1/Q mod n for Selfridge's Q = (1 - D)/4, D as selfridgeD gives it. Every odd prime r dividing
 * Q is below |D| and was tried as a D of its own (r = 3 as 9), so (D/n) = 0 would have stopped
 * the search: Q is prime to n and inverseSmall cannot fail.
 */
function selfridgeQInverse(dInfo: u64, n: u64): u64 {
  const dAbs = dInfo & 0xffffffff;
  const negative = (dInfo >> 32) != 0;
  // Q is negative for D > 0 (D = 5 gives Q = -1), positive for D < 0.
  const qAbs: u64 = negative ? (dAbs + 1) >> 2 : (dAbs - 1) >> 2;
  const qInv = inverseSmall(qAbs, n);
  return negative ? qInv : n - qInv;
}

/**
 * Strong Lucas probable-prime test, Selfridge method A (D the first of 5, -7, 9, -11, ...
 * with (D/n) = -1; P = 1, Q = (1 - D)/4), for odd n > 2^16 whose Montgomery context is
 * set. Perfect squares (which have no such D) return false.
 */
export function strongLucasSelfridge(n: u64): bool {
  const dInfo = selfridgeD(n);
  if (dInfo == 0) return false;
  const qInv = selfridgeQInverse(dInfo, n);

  const two = addMod64(ONE64, ONE64);
  const pm = subMod64(montMul64(qInv, R2_64), two); // P' = 1/Q - 2, Montgomery form

  // n + 1 does not wrap: n = 2^64 - 1 is a multiple of 3, rejected by trial division.
  const np1 = n + 1;
  const s = <i32>ctz<u64>(np1);
  const d = np1 >> <u64>s;
  const m = d >> 1;

  // Ladder on (V'_k, V'_(k+1)) from k = 0 up to k = m, one bit of m at a time.
  let v0 = two;
  let v1 = pm;
  for (let i = 63 - <i32>clz<u64>(m); i >= 0; i--) {
    const cross = subMod64(montMul64(v0, v1), pm);
    if (((m >> <u64>i) & 1) != 0) {
      v0 = cross;
      v1 = subMod64(montMul64(v1, v1), two);
    } else {
      v1 = cross;
      v0 = subMod64(montMul64(v0, v0), two);
    }
  }
  if (v0 == v1) return true; // U_d = 0
  if (addMod64(v0, v1) == 0) return true; // V_d = 0
  let v = subMod64(montMul64(v0, v1), pm); // V'_d
  for (let r = 1; r < s; r++) {
    if (v == 0) return true; // V_(d*2^r) = 0
    v = subMod64(montMul64(v, v), two);
  }
  return false;
}

// ---- the same two tests on the 32-bit Montgomery context (odd n < 2^32) ----------------------

// @ts-ignore: decorator
@inline
function addMod32(a: u64, b: u64): u64 {
  const r = a + b; // < 2^33: no overflow in u64
  return r >= N32 ? r - N32 : r;
}

// @ts-ignore: decorator
@inline
function subMod32(a: u64, b: u64): u64 {
  return a >= b ? a - b : a + N32 - b;
}

/** strongBase2 for odd 2^6 < n < 2^32 after montSetup32(n). */
export function strongBase2_32(d: u32, s: i32): bool {
  const n = N32;
  const bits = 32 - <i32>clz<u32>(d);
  let shift = bits > 6 ? bits - 6 : 0;
  let x = montMul32((<u64>1 << <u64>(d >> <u32>shift)) % n, R2_32);
  while (shift > 0) {
    shift--;
    x = montMul32(x, x);
    if (((d >> <u32>shift) & 1) != 0) x = addMod32(x, x);
  }
  const one = ONE32;
  const minusOne = n - one;
  if (x == one || x == minusOne) return true;
  for (let r = 1; r < s; r++) {
    x = montMul32(x, x);
    if (x == minusOne) return true;
    if (x == one) return false;
  }
  return false;
}

/** strongLucasSelfridge for odd 2^16 < n < 2^32 after montSetup32(n). */
export function strongLucasSelfridge32(n: u64): bool {
  const dInfo = selfridgeD(n);
  if (dInfo == 0) return false;
  const qInv = selfridgeQInverse(dInfo, n);
  const two = addMod32(ONE32, ONE32);
  const pm = subMod32(montMul32(qInv, R2_32), two);
  const np1 = n + 1;
  const s = <i32>ctz<u64>(np1);
  const m = (np1 >> <u64>s) >> 1;
  let v0 = two;
  let v1 = pm;
  for (let i = 63 - <i32>clz<u64>(m); i >= 0; i--) {
    const cross = subMod32(montMul32(v0, v1), pm);
    if (((m >> <u64>i) & 1) != 0) {
      v0 = cross;
      v1 = subMod32(montMul32(v1, v1), two);
    } else {
      v1 = cross;
      v0 = subMod32(montMul32(v0, v0), two);
    }
  }
  if (v0 == v1) return true;
  if (addMod32(v0, v1) == 0) return true;
  let v = subMod32(montMul32(v0, v1), pm);
  for (let r = 1; r < s; r++) {
    if (v == 0) return true;
    v = subMod32(montMul32(v, v), two);
  }
  return false;
}
