/**
 * Integer factorization.
 *
 * Below 2^64 the `u64` WebAssembly kernel does all the work (trial division below 2^14,
 * Pollard–Brent rho in Montgomery arithmetic, deterministic Miller–Rabin), so the factors are
 * proven prime. From 2^64 on: trial division below 2^16, perfect-power detection and
 * Pollard–Brent rho in BigInt, recursing until every piece is below 2^64 (back to the
 * kernel) or passes Baillie–PSW (a 'probable' prime). Rho finds a factor p in about sqrt(p)
 * steps, so large numbers whose two smallest prime factors both exceed ~2^40 are out of reach:
 * the deadline is what bounds the work.
 */
import { U64_LIMIT, bitLength, integerRoot } from './integer.js';
import { isBailliePswProbablePrime, u64Kernel, type PrimalityTest } from './is-prime.js';
import { SMALL_PRIME_BOUND, divideOutSmallPrimes, smallPrimes } from './small-primes.js';

export interface FactorOptions {
  /** Wall-clock deadline, Date.now() milliseconds; unlimited when absent. */
  deadline?: number;
}

export interface FactorResult {
  /**
   * Prime factors in ascending order, with multiplicity. When `complete` is false, the last
   * entry is instead the product of every part still unfactored (composite, > 1), placed
   * after the sorted primes found so far.
   */
  factors: bigint[];
  complete: boolean;
  /** 'probable' when some factor >= 2^64 was certified by Baillie–PSW only. */
  test: PrimalityTest;
}

/**
 * Factors n >= 1. factorize(1n) is { factors: [], complete: true }. Zero has no
 * factorization (every integer divides it): factorize(0n) and negative n throw a RangeError,
 * so callers must refuse them before calling.
 */
export function factorize(n: bigint, options: FactorOptions = {}): FactorResult {
  if (n < 1n) throw new RangeError('factorize expects an integer >= 1 (0 has no factorization)');
  if (n < U64_LIMIT) return { factors: factorU64(n), complete: true, test: 'deterministic' };

  const deadline = options.deadline ?? Number.POSITIVE_INFINITY;
  // Trial division, in groups so the per-prime work stays in Numbers.
  const small = divideOutSmallPrimes(n, SMALL_PRIME_BOUND);
  const primes = small.factors;
  const rest = small.rest;
  let probable = false;

  const pending: bigint[] = rest > 1n ? [rest] : [];
  const unfactored: bigint[] = [];
  while (pending.length > 0) {
    const m = pending.pop() ?? 1n;
    if (m < U64_LIMIT) {
      primes.push(...factorU64(m));
      continue;
    }
    if (isBailliePswProbablePrime(m)) {
      primes.push(m);
      probable = true;
      continue;
    }
    const power = perfectPower(m);
    if (power !== undefined) {
      for (let i = 0; i < power.exponent; i++) pending.push(power.base);
      continue;
    }
    const d = Date.now() < deadline ? pollardBrent(m, deadline) : undefined;
    if (d === undefined) {
      unfactored.push(m);
      continue;
    }
    pending.push(d, m / d);
  }
  primes.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  if (unfactored.length > 0) {
    let cofactor = 1n;
    for (const part of unfactored) cofactor *= part;
    primes.push(cofactor);
  }
  return { factors: primes, complete: unfactored.length === 0, test: probable ? 'probable' : 'deterministic' };
}

/** Prime factors of 1 <= n < 2^64, ascending with multiplicity, from the wasm kernel. */
export function factorU64(n: bigint): bigint[] {
  const kernel = u64Kernel();
  const count = kernel.factor(n);
  return Array.from(new BigUint64Array(kernel.memory.buffer, kernel.factorsPtr(), count));
}

/**
 * n = base^exponent with the largest such exponent > 1, or undefined. Only prime exponents
 * are tried (a k-th power with composite k is also a p-th power for p | k), and only up to
 * bits/16 because trial division already removed every prime factor below 2^16.
 */
export function perfectPower(n: bigint): { base: bigint; exponent: number } | undefined {
  const bits = bitLength(n);
  for (const k of smallPrimes()) {
    if (k > Math.max(2, bits / 16)) break;
    const root = integerRoot(n, k);
    if (root ** BigInt(k) === n) {
      const inner = perfectPower(root);
      return inner === undefined ? { base: root, exponent: k } : { base: inner.base, exponent: inner.exponent * k };
    }
  }
  return undefined;
}

function gcd(a: bigint, b: bigint): bigint {
  while (b !== 0n) [a, b] = [b, a % b];
  return a;
}

/** Products of |x - y| per gcd, as in the wasm kernel. */
const BATCH = 128;

/**
 * A nontrivial divisor of the composite, non-perfect-power n via Pollard–Brent rho
 * (f(y) = y^2 + c mod n, Brent's power-of-two cycle detection, batched gcd with a replay
 * when a batch overshoots), or undefined if the deadline passes first.
 */
export function pollardBrent(n: bigint, deadline = Number.POSITIVE_INFINITY): bigint | undefined {
  if ((n & 1n) === 0n) return 2n;
  for (let c = 1n; ; c++) {
    let y = c + 1n;
    let x = y;
    let ys = y;
    let q = 1n;
    let g = 1n;
    let r = 1;
    do {
      x = y;
      for (let i = 0; i < r; i++) y = (y * y + c) % n;
      let k = 0;
      do {
        if (Date.now() >= deadline) return undefined;
        ys = y;
        const steps = Math.min(BATCH, r - k);
        for (let i = 0; i < steps; i++) {
          y = (y * y + c) % n;
          q = (q * (x > y ? x - y : y - x)) % n;
        }
        g = gcd(q, n);
        k += BATCH;
      } while (k < r && g === 1n);
      r *= 2;
    } while (g === 1n);
    if (g === n) {
      do {
        ys = (ys * ys + c) % n;
        g = gcd(x > ys ? x - ys : ys - x, n);
      } while (g === 1n);
    }
    if (g !== n) return g;
  }
}
