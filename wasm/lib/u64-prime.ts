/**
 * Primality for unsigned 64-bit integers: trial division by the odd primes below 2^8, then
 * Baillie–PSW (strong base 2 + strong Lucas, Selfridge method A; u64-lucas.ts), exact below
 * 2^64 by Feitsma–Galway's list of base-2 pseudoprimes (see u64-lucas.ts); below 2^32 on the
 * cheaper 32-bit Montgomery product.
 * The choices were measured with bench/primes-check-kernel.ts (one core, against the earlier
 * deterministic Miller–Rabin): BPSW runs about 2.2-3x the checks/s of the 7-base Miller–Rabin
 * on 64-bit primes, 1.5x that of the 4-base one on 40-bit primes and 1.2x that of the 3-base
 * 32-bit one on 32-bit primes (BPSW on the 64-bit product would be slower there: 1.2M against
 * 1.8M checks/s). Random inputs gain too (base 2 by modular doubling, no window table).
 * Trial division by fewer primes speeds primes up a little and slows random input down
 * more; 53 primes stay.
 * The earlier deterministic Miller–Rabin stays as `isPrime64MillerRabin`, the baseline of
 * that bench, with base sets proven to have no strong pseudoprime below their bound:
 *   n < 2^32                 {2, 7, 61}                      (Jaeschke 1993)
 *   n < 1 122 004 669 633    {2, 13, 23, 1662803}           (Jaeschke 1993)
 *   n < 2^64                 {2, 325, 9375, 28178, 450775, 9780504, 1795265022} (Sinclair 2011)
 */
import {
  montSetup32, montMul32, montPow32, ONE32, N32, R2_32,
  montSetup64, montMul64, montPow64, ONE64, N64, R2_64,
} from './u64-arith';
import { strongBase2, strongLucasSelfridge, strongBase2_32, strongLucasSelfridge32 } from './u64-lucas';

/** Odd primes 3 .. < TD_BOUND, with their inverses mod 2^64 and floor((2^64-1)/p). */
export const TD_BOUND: u32 = 1 << 14;
export const TD_MAX_COUNT: i32 = 1900; // pi(2^14) = 1900, so 1899 odd primes
export const TD_PRIMES: usize = memory.data(TD_MAX_COUNT * 4, 16);
export const TD_INV: usize = memory.data(TD_MAX_COUNT * 8, 16);
export const TD_LIM: usize = memory.data(TD_MAX_COUNT * 8, 16);
export let tdCount: i32 = 0;

/** How many table primes the check tries before BPSW (those < 2^8; see the bench in the header). */
export let checkTrialCount: i32 = 53;

function inverse(n: u64): u64 {
  let x = n;
  x *= 2 - n * x;
  x *= 2 - n * x;
  x *= 2 - n * x;
  x *= 2 - n * x;
  x *= 2 - n * x;
  return x;
}

export function initTrialTable(): void {
  let count = 0;
  for (let p: u32 = 3; p < TD_BOUND; p += 2) {
    let isP = true;
    for (let i = 0; i < count; i++) {
      const q = load<u32>(TD_PRIMES + (<usize>i << 2));
      if (q * q > p) break;
      if (p % q == 0) {
        isP = false;
        break;
      }
    }
    if (!isP) continue;
    store<u32>(TD_PRIMES + (<usize>count << 2), p);
    store<u64>(TD_INV + (<usize>count << 3), inverse(<u64>p));
    store<u64>(TD_LIM + (<usize>count << 3), u64.MAX_VALUE / <u64>p);
    count++;
  }
  tdCount = count;
  // checkTrialCount: every odd prime below 2^8.
  let c = 0;
  while (c < count && load<u32>(TD_PRIMES + (<usize>c << 2)) < 256) c++;
  checkTrialCount = c;
}

/**
 * p | n for odd p, without dividing: multiplication by p^-1 mod 2^64 maps the multiples of p
 * bijectively onto 0 .. floor((2^64-1)/p), and every other residue above that range.
 */
// @ts-ignore: decorator
@inline
export function divisibleAt(n: u64, i: i32): bool {
  return n * load<u64>(TD_INV + (<usize>i << 3)) <= load<u64>(TD_LIM + (<usize>i << 3));
}

// @ts-ignore: decorator
@inline
export function primeAt(i: i32): u64 {
  return <u64>load<u32>(TD_PRIMES + (<usize>i << 2));
}

/** Strong probable-prime test to base a for odd n < 2^32 (context already set for n). */
function strong32(a: u64, d: u32, s: i32): bool {
  const am = a % N32;
  if (am == 0) return true;
  let x = montPow32(montMul32(am, R2_32), d);
  const one = ONE32;
  const minusOne = N32 - one;
  if (x == one || x == minusOne) return true;
  for (let r = 1; r < s; r++) {
    x = montMul32(x, x);
    if (x == minusOne) return true;
    if (x == one) return false;
  }
  return false;
}

function strong64(a: u64, d: u64, s: i32): bool {
  const am = a % N64;
  if (am == 0) return true;
  let x = montPow64(montMul64(am, R2_64), d);
  const one = ONE64;
  const minusOne = N64 - one;
  if (x == one || x == minusOne) return true;
  for (let r = 1; r < s; r++) {
    x = montMul64(x, x);
    if (x == minusOne) return true;
    if (x == one) return false;
  }
  return false;
}

/** Deterministic Miller–Rabin for odd n > 3 with no prime factor below 2^8 (not checked). */
export function millerRabin(n: u64): bool {
  const nm1 = n - 1;
  const s = <i32>ctz<u64>(nm1);
  const d = nm1 >> <u64>s;
  if (n < (<u64>1 << 32)) {
    montSetup32(<u32>n);
    const d32 = <u32>d;
    return strong32(2, d32, s) && strong32(7, d32, s) && strong32(61, d32, s);
  }
  montSetup64(n);
  if (n < 1122004669633) {
    return strong64(2, d, s) && strong64(13, d, s) && strong64(23, d, s) && strong64(1662803, d, s);
  }
  return strong64(2, d, s) && strong64(325, d, s) && strong64(9375, d, s) &&
    strong64(28178, d, s) && strong64(450775, d, s) && strong64(9780504, d, s) &&
    strong64(1795265022, d, s);
}

/** Baillie–PSW for odd n >= 2^32 with no prime factor below 2^8 (not checked). */
export function bailliePsw(n: u64): bool {
  const nm1 = n - 1;
  const s = <i32>ctz<u64>(nm1);
  montSetup64(n);
  return strongBase2(nm1 >> <u64>s, s) && strongLucasSelfridge(n);
}

/** Baillie–PSW for odd 2^16 < n < 2^32 with no prime factor below 2^8, on 32-bit Montgomery. */
export function bailliePsw32(n: u64): bool {
  const nm1 = <u32>(n - 1);
  const s = <i32>ctz<u32>(nm1);
  montSetup32(<u32>n);
  return strongBase2_32(nm1 >> <u32>s, s) && strongLucasSelfridge32(n);
}

/**
 * Trial division by the first `checkTrialCount` odd primes: 1 or 0 when that decides n,
 * -1 when n is odd, at least 257^2 and free of those factors.
 */
// @ts-ignore: decorator
@inline
function trialDivide(n: u64): i32 {
  if (n < 2) return 0;
  if ((n & 1) == 0) return n == 2 ? 1 : 0;
  const count = checkTrialCount;
  for (let i = 0; i < count; i++) {
    if (divisibleAt(n, i)) return n == primeAt(i) ? 1 : 0;
  }
  // No prime factor below 257: below 257^2 that already proves primality.
  return n < 66049 ? 1 : -1;
}

/** Exact primality of any n < 2^64. */
export function isPrime64(n: u64): bool {
  const verdict = trialDivide(n);
  if (verdict >= 0) return verdict == 1;
  if (n < (<u64>1 << 32)) return bailliePsw32(n);
  return bailliePsw(n);
}

/** Exact primality of any n < 2^64 by the Miller–Rabin tiers alone (the earlier kernel). */
export function isPrime64MillerRabin(n: u64): bool {
  const verdict = trialDivide(n);
  if (verdict >= 0) return verdict == 1;
  return millerRabin(n);
}
