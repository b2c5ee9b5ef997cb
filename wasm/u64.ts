/**
 * u64: exact primality and factoring for unsigned 64-bit integers.
 *
 * Exports (JS sees u64 parameters and results as BigInt):
 *   reserve(bytes)        -> pointer to a scratch area of at least `bytes` (grows memory; 0 if
 *                            it cannot). The area is the same for every call: one user at a time.
 *   checkBatch(ptr, n)    reads n u64 at ptr, writes n bytes (1 = prime) at ptr + 8n.
 *   isPrime(n)            1 if n is prime, else 0.
 *   factor(n)             writes the prime factors of n (ascending, with multiplicity) at
 *                          factorsPtr() as u64 and returns their count (0 for n < 2).
 */
import { gcd64, isqrt64, montMul64, montSetup64, addMod64 } from './lib/u64-arith';
import { initTrialTable, isPrime64, divisibleAt, primeAt, tdCount, TD_BOUND, TD_INV } from './lib/u64-prime';

initTrialTable();

export function reserve(bytes: i32): usize {
  const base = (__heap_base + 15) & ~(<usize>15);
  const need = base + <usize>bytes;
  const have = <usize>memory.size() << 16;
  if (need > have) {
    const pages = <i32>((need - have + 0xffff) >> 16);
    if (memory.grow(pages) < 0) return 0;
  }
  return base;
}

export function checkBatch(ptr: usize, count: i32): void {
  const out = ptr + (<usize>count << 3);
  for (let i = 0; i < count; i++) {
    store<u8>(out + <usize>i, isPrime64(load<u64>(ptr + (<usize>i << 3))) ? 1 : 0);
  }
}

export function isPrime(n: u64): bool {
  return isPrime64(n);
}

// ---- factoring ---------------------------------------------------------------------------

const FACTORS: usize = memory.data(64 * 8, 16);
const STACK: usize = memory.data(64 * 8, 16);
let factorCount = 0;

export function factorsPtr(): usize {
  return FACTORS;
}

// @ts-ignore: decorator
@inline
function pushFactor(p: u64): void {
  store<u64>(FACTORS + (<usize>factorCount << 3), p);
  factorCount++;
}

/** Brent's batch size: one gcd per this many products. */
const BATCH: u32 = 128;

/**
 * Pollard's rho with Brent's cycle detection on an odd composite n that is not a perfect
 * square. Iterates y -> y*y/R + c mod n (Montgomery squaring plus a constant is still a
 * quadratic polynomial map, so the rho argument holds). Products of |x - y| are accumulated
 * in Montgomery form and their gcd with n is taken once per batch; multiplying by R does not
 * change the gcd because R = 2^64 is coprime to odd n. If a batch overshoots (gcd = n), the
 * batch is replayed one step at a time from its saved start; if that also gives n, the
 * constant c changes.
 */
function rho64(n: u64): u64 {
  montSetup64(n);
  for (let c: u64 = 1; ; c++) {
    let y: u64 = c + 1;
    let x: u64 = y;
    let ys: u64 = y;
    let q: u64 = 1;
    let g: u64 = 1;
    let r: u32 = 1;
    do {
      x = y;
      for (let i: u32 = 0; i < r; i++) y = addMod64(montMul64(y, y), c);
      let k: u32 = 0;
      do {
        ys = y;
        const steps = r - k < BATCH ? r - k : BATCH;
        for (let i: u32 = 0; i < steps; i++) {
          y = addMod64(montMul64(y, y), c);
          q = montMul64(q, x > y ? x - y : y - x);
        }
        g = gcd64(q, n);
        k += BATCH;
      } while (k < r && g == 1);
      r <<= 1;
    } while (g == 1);
    if (g == n) {
      do {
        ys = addMod64(montMul64(ys, ys), c);
        g = gcd64(x > ys ? x - ys : ys - x, n);
      } while (g == 1);
    }
    if (g != n) return g;
  }
  return unreachable();
}

/** Splits the odd composite-or-prime cofactors pushed on the stack until all are prime. */
function splitAll(n: u64): void {
  let top = 0;
  store<u64>(STACK, n);
  top = 1;
  while (top > 0) {
    top--;
    const m = load<u64>(STACK + (<usize>top << 3));
    if (isPrime64(m)) {
      pushFactor(m);
      continue;
    }
    const s = isqrt64(m);
    let d: u64;
    if (s * s == m) {
      d = s;
    } else {
      d = rho64(m);
    }
    store<u64>(STACK + (<usize>top << 3), d);
    store<u64>(STACK + (<usize>(top + 1) << 3), m / d);
    top += 2;
  }
}

export function factor(n: u64): i32 {
  factorCount = 0;
  if (n < 2) return 0;
  const twos = <i32>ctz<u64>(n);
  for (let i = 0; i < twos; i++) pushFactor(2);
  n >>= <u64>twos;
  // Trial division; exact division by p is multiplication by p^-1 mod 2^64.
  let proven = false;
  const count = tdCount;
  for (let i = 0; i < count; i++) {
    const p = primeAt(i);
    if (p * p > n) {
      proven = true;
      break;
    }
    if (divisibleAt(n, i)) {
      const inv = load<u64>(TD_INV + (<usize>i << 3));
      do {
        pushFactor(p);
        n *= inv;
      } while (divisibleAt(n, i));
    }
  }
  if (n > 1) {
    // Every prime below TD_BOUND was tried, so n < TD_BOUND^2 is prime as well.
    if (proven || n < <u64>TD_BOUND * <u64>TD_BOUND) pushFactor(n);
    else splitAll(n);
  }
  // Insertion sort: at most 64 entries, and trial division already produced them in order.
  for (let i = 1; i < factorCount; i++) {
    const v = load<u64>(FACTORS + (<usize>i << 3));
    let j = i - 1;
    while (j >= 0 && load<u64>(FACTORS + (<usize>j << 3)) > v) {
      store<u64>(FACTORS + (<usize>(j + 1) << 3), load<u64>(FACTORS + (<usize>j << 3)));
      j--;
    }
    store<u64>(FACTORS + (<usize>(j + 1) << 3), v);
  }
  return factorCount;
}

/** One nontrivial divisor of a composite n (n itself if n is prime or < 4). */
export function rhoSplit(n: u64): u64 {
  if ((n & 1) == 0) return 2;
  if (n < 4 || isPrime64(n)) return n; // nothing to split: rho would never terminate
  const s = isqrt64(n);
  if (s * s == n) return s;
  return rho64(n);
}
