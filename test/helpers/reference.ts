/**
 * Slow, plainly written references for the primes tests. Nothing here imports the code
 * under test: each answer is computed a second, independent way.
 */

/** Sieve of Eratosthenes: flags[n] = 1 when n is prime, for n < limit. */
export function sieveFlags(limit: number): Uint8Array {
  const flags = new Uint8Array(limit).fill(1);
  flags[0] = 0;
  if (limit > 1) flags[1] = 0;
  for (let i = 2; i * i < limit; i++) {
    if (flags[i] === 0) continue;
    for (let j = i * i; j < limit; j += i) flags[j] = 0;
  }
  return flags;
}

/** Trial division on a safe integer. */
export function isPrimeByTrialDivision(n: number): boolean {
  if (n < 2) return false;
  if (n % 2 === 0) return n === 2;
  for (let d = 3; d * d <= n; d += 2) if (n % d === 0) return false;
  return true;
}

export function modPowRef(base: bigint, exponent: bigint, modulus: bigint): bigint {
  let result = 1n;
  let b = base % modulus;
  let e = exponent;
  while (e > 0n) {
    if (e % 2n === 1n) result = (result * b) % modulus;
    b = (b * b) % modulus;
    e /= 2n;
  }
  return result;
}

/** A small deterministic generator (xorshift64*) so the reference bases are reproducible. */
export function makeRandom(seed: bigint): (bits: number) => bigint {
  let state = seed | 1n;
  const mask = (1n << 64n) - 1n;
  const next64 = (): bigint => {
    state ^= state >> 12n;
    state ^= (state << 25n) & mask;
    state ^= state >> 27n;
    return (state * 0x2545f4914f6cdd1dn) & mask;
  };
  return (bits: number): bigint => {
    let value = 0n;
    for (let have = 0; have < bits; have += 64) value = (value << 64n) | next64();
    return value & ((1n << BigInt(bits)) - 1n);
  };
}

/**
 * Miller–Rabin with `rounds` random bases: a composite survives with probability < 4^-rounds.
 * Small divisors are checked by hand first.
 */
export function isPrimeReference(n: bigint, rounds = 24): boolean {
  if (n < 2n) return false;
  for (const p of [2n, 3n, 5n, 7n, 11n, 13n, 17n, 19n, 23n, 29n, 31n, 37n]) {
    if (n === p) return true;
    if (n % p === 0n) return false;
  }
  let d = n - 1n;
  let s = 0;
  while (d % 2n === 0n) {
    d /= 2n;
    s++;
  }
  const random = makeRandom(n ^ 0x9e3779b97f4a7c15n);
  const bits = n.toString(2).length;
  for (let round = 0; round < rounds; round++) {
    const a = 2n + (random(bits + 8) % (n - 3n));
    let x = modPowRef(a, d, n);
    if (x === 1n || x === n - 1n) continue;
    let witness = true;
    for (let r = 1; r < s; r++) {
      x = (x * x) % n;
      if (x === n - 1n) {
        witness = false;
        break;
      }
    }
    if (witness) return false;
  }
  return true;
}

/** Prime factors by trial division, for n small enough (say < 10^12). */
export function factorByTrialDivision(n: bigint): bigint[] {
  const factors: bigint[] = [];
  let m = n;
  for (let d = 2n; d * d <= m; d += d === 2n ? 1n : 2n) {
    while (m % d === 0n) {
      factors.push(d);
      m /= d;
    }
  }
  if (m > 1n) factors.push(m);
  return factors;
}

/** The first prime >= n by the reference test. */
export function nextPrimeReference(n: bigint): bigint {
  let m = n < 2n ? 2n : n;
  while (!isPrimeReference(m)) m++;
  return m;
}

export function product(values: readonly bigint[]): bigint {
  return values.reduce((a, b) => a * b, 1n);
}

export function ascending(a: bigint, b: bigint): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
