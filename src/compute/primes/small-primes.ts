/**
 * Small primes for trial division on the BigInt side, and a grouped remainder test: n is
 * reduced once per group of primes whose product stays below 2^53, so the per-prime work is
 * a Number remainder instead of a BigInt one.
 */

/** Primes below this bound are available from smallPrimes(). */
export const SMALL_PRIME_BOUND = 1 << 16;

let cachedPrimes: Uint32Array | undefined;

/** All primes below limit (sieve of Eratosthenes). */
export function primesBelow(limit: number): Uint32Array {
  if (limit <= 2) return new Uint32Array(0);
  const composite = new Uint8Array(limit);
  const found: number[] = [];
  for (let i = 2; i < limit; i++) {
    if (composite[i] === 1) continue;
    found.push(i);
    for (let j = i * i; j < limit; j += i) composite[j] = 1;
  }
  return Uint32Array.from(found);
}

/** The primes below SMALL_PRIME_BOUND, computed once per thread. */
export function smallPrimes(): Uint32Array {
  cachedPrimes ??= primesBelow(SMALL_PRIME_BOUND);
  return cachedPrimes;
}

interface PrimeGroup {
  product: bigint;
  primes: number[];
}

let cachedGroups: PrimeGroup[] | undefined;

function primeGroups(): PrimeGroup[] {
  if (cachedGroups !== undefined) return cachedGroups;
  const groups: PrimeGroup[] = [];
  let product = 1;
  let primes: number[] = [];
  for (const p of smallPrimes()) {
    if (product * p > Number.MAX_SAFE_INTEGER) {
      groups.push({ product: BigInt(product), primes });
      product = 1;
      primes = [];
    }
    product *= p;
    primes.push(p);
  }
  if (primes.length > 0) groups.push({ product: BigInt(product), primes });
  cachedGroups = groups;
  return groups;
}

/**
 * The smallest prime p < bound (bound <= SMALL_PRIME_BOUND) dividing n, or 0 if there is
 * none. Note p may equal n when n itself is a small prime.
 */
export function smallestPrimeFactorBelow(n: bigint, bound: number): number {
  if (n < 0n) n = -n;
  for (const group of primeGroups()) {
    const first = group.primes[0];
    if (first === undefined || first >= bound) break;
    const r = Number(n % group.product);
    for (const p of group.primes) {
      if (p >= bound) return 0;
      if (r % p === 0) return p;
    }
  }
  return 0;
}

/**
 * Divides every prime p < bound (bound <= SMALL_PRIME_BOUND) out of n >= 1: returns those
 * primes ascending with multiplicity, and the cofactor left, which has no prime factor < bound.
 */
export function divideOutSmallPrimes(n: bigint, bound: number): { factors: bigint[]; rest: bigint } {
  const factors: bigint[] = [];
  let rest = n;
  for (const group of primeGroups()) {
    const first = group.primes[0];
    if (first === undefined || first >= bound || rest === 1n) break;
    let r = Number(rest % group.product);
    for (const p of group.primes) {
      if (p >= bound) break;
      if (r % p !== 0) continue;
      const big = BigInt(p);
      do {
        factors.push(big);
        rest /= big;
      } while (rest % big === 0n);
      r = Number(rest % group.product);
    }
  }
  return { factors, rest };
}
