import { test, describe, after } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import {
  countPrimesSieve,
  listPrimesSieve,
  listPrimesSieveNumbers,
  setSieveTuning,
  estimateSieveMicros,
} from '../../../src/compute/primes/sieve.js';

// ---- independent references, written plainly ----

/** isPrime[n] for 0 <= n <= limit, plain Sieve of Eratosthenes on bytes. */
function plainSieve(limit: number): Uint8Array {
  const isPrime = new Uint8Array(limit + 1).fill(1);
  isPrime[0] = 0;
  if (limit >= 1) isPrime[1] = 0;
  for (let i = 2; i * i <= limit; i++) {
    if (isPrime[i] === 1) for (let j = i * i; j <= limit; j += i) isPrime[j] = 0;
  }
  return isPrime;
}

const SMALL = 1_100_000;
const smallIsPrime = plainSieve(SMALL);
const smallPrimes: number[] = [];
for (let i = 2; i <= SMALL; i++) if (smallIsPrime[i] === 1) smallPrimes.push(i);

/** Primes in [a, b] (b - a small, sqrt(b) <= SMALL) by crossing off multiples of small primes. */
function referenceSegment(a: bigint, b: bigint): bigint[] {
  const width = Number(b - a) + 1;
  const alive = new Uint8Array(width).fill(1);
  for (const p of smallPrimes) {
    const P = BigInt(p);
    if (P * P > b) break;
    let m = ((a + P - 1n) / P) * P;
    if (m < P * P) m = P * P;
    for (let i = Number(m - a); i < width; i += p) alive[i] = 0;
  }
  const out: bigint[] = [];
  for (let i = 0; i < width; i++) {
    const n = a + BigInt(i);
    if (alive[i] === 1 && n >= 2n) out.push(n);
  }
  return out;
}

function powMod(base: bigint, exp: bigint, mod: bigint): bigint {
  let result = 1n;
  base %= mod;
  while (exp > 0n) {
    if (exp & 1n) result = (result * base) % mod;
    base = (base * base) % mod;
    exp >>= 1n;
  }
  return result;
}

/** Miller-Rabin with the first 12 prime bases: deterministic below 3.3e24, so for all u64. */
function isPrimeBig(n: bigint): boolean {
  if (n < 2n) return false;
  const bases = [2n, 3n, 5n, 7n, 11n, 13n, 17n, 19n, 23n, 29n, 31n, 37n];
  for (const p of bases) {
    if (n === p) return true;
    if (n % p === 0n) return false;
  }
  let d = n - 1n;
  let s = 0;
  while ((d & 1n) === 0n) {
    d >>= 1n;
    s++;
  }
  outer: for (const a of bases) {
    let x = powMod(a, d, n);
    if (x === 1n || x === n - 1n) continue;
    for (let i = 1; i < s; i++) {
      x = (x * x) % n;
      if (x === n - 1n) continue outer;
    }
    return false;
  }
  return true;
}

function referenceMR(a: bigint, b: bigint): bigint[] {
  const out: bigint[] = [];
  for (let n = a; n <= b; n++) if (isPrimeBig(n)) out.push(n);
  return out;
}

const U64_MAX = (1n << 64n) - 1n;

after(() => setSieveTuning({}));

describe('countPrimesSieve', () => {
  test('every range [a, b] with a, b < 2000, against prefix counts of a plain sieve', () => {
    const prefix = new Int32Array(2001);
    for (let i = 0; i < 2000; i++) prefix[i + 1] = prefix[i]! + smallIsPrime[i]!;
    for (let a = 0; a < 2000; a++) {
      for (let b = 0; b < 2000; b++) {
        const want = b < a ? 0 : prefix[b + 1]! - prefix[a]!;
        const got = countPrimesSieve(BigInt(a), BigInt(b));
        if (got !== want) assert.fail(`[${a}, ${b}]: got ${got}, want ${want}`);
      }
    }
  });

  test('published pi(10^k) for k = 1..9 and pi(2^32)', () => {
    const table: Array<[bigint, number]> = [
      [10n, 4],
      [100n, 25],
      [1000n, 168],
      [10_000n, 1229],
      [100_000n, 9592],
      [1_000_000n, 78498],
      [10_000_000n, 664579],
      [100_000_000n, 5761455],
      [1_000_000_000n, 50847534],
      [1n << 32n, 203280221],
    ];
    for (const [x, pi] of table) assert.equal(countPrimesSieve(0n, x), pi, `pi(${x})`);
  });

  test('sharded counts add up to the whole (split points anywhere)', () => {
    const whole = countPrimesSieve(0n, 30_000_000n);
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 30_000_000 }), (cut) => {
        const left = countPrimesSieve(0n, BigInt(cut));
        const right = countPrimesSieve(BigInt(cut) + 1n, 30_000_000n);
        return left + right === whole;
      }),
      { numRuns: 20 },
    );
  });

  test('random ranges up to 10^12, widths up to 10^6, against a plain segmented reference', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: 0n, max: 10n ** 12n }), fc.integer({ min: 0, max: 1_000_000 }), (a, w) => {
        const b = a + BigInt(w);
        const want = referenceSegment(a, b);
        assert.equal(countPrimesSieve(a, b), want.length);
        const listed = listPrimesSieve(a, b, want.length + 1);
        assert.deepEqual(listed.primes, want);
        assert.equal(listed.next, undefined);
      }),
      { numRuns: 25 },
    );
  });

  test('tiny segments and chunks (offsets carried across many boundaries) agree with the reference', () => {
    fc.assert(
      fc.property(
        fc.bigInt({ min: 0n, max: 10n ** 11n }),
        fc.integer({ min: 0, max: 200_000 }),
        fc.integer({ min: 256, max: 5000 }),
        fc.integer({ min: 1, max: 3000 }),
        (a, w, segmentBytes, chunkBytes) => {
          setSieveTuning({ segmentBytes, chunkBytes });
          try {
            const b = a + BigInt(w);
            const want = referenceSegment(a, b);
            assert.equal(countPrimesSieve(a, b), want.length);
            assert.deepEqual(listPrimesSieve(a, b, 1e9).primes, want);
          } finally {
            setSieveTuning({});
          }
        },
      ),
      { numRuns: 40 },
    );
  });
});

describe('ranges near 2^32, 2^44, 2^53 and 2^64', () => {
  test('across 2^32 (plain segmented reference)', () => {
    const a = (1n << 32n) - 200_000n;
    const b = (1n << 32n) + 200_000n;
    const want = referenceSegment(a, b);
    assert.equal(countPrimesSieve(a, b), want.length);
    assert.deepEqual(listPrimesSieve(a, b, 1e9).primes, want);
  });

  const windows: Array<[string, bigint, bigint]> = [
    ['just below 2^44 (last exact-sieve range)', (1n << 44n) - 3000n, (1n << 44n) - 1n],
    ['across 2^44 (Miller-Rabin confirms survivors)', (1n << 44n) - 1500n, (1n << 44n) + 1500n],
    ['across 2^53', (1n << 53n) - 2000n, (1n << 53n) + 2000n],
    ['10^18', 10n ** 18n, 10n ** 18n + 3000n],
    ['ending at 2^64 - 1', U64_MAX - 3000n, U64_MAX],
  ];
  for (const [name, a, b] of windows) {
    test(`${name} (BigInt Miller-Rabin reference)`, () => {
      const want = referenceMR(a, b);
      assert.ok(want.length > 0);
      assert.equal(countPrimesSieve(a, b), want.length);
      assert.deepEqual(listPrimesSieve(a, b, 1e9).primes, want);
    });
  }

  test('random small windows above 2^44, up to 2^64 - 1', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: 1n << 44n, max: U64_MAX }), fc.integer({ min: 0, max: 400 }), (x, w) => {
        const b = x;
        const a = x - BigInt(w);
        assert.deepEqual(listPrimesSieve(a, b, 1e9).primes, referenceMR(a, b));
        assert.equal(countPrimesSieve(a, b), referenceMR(a, b).length);
      }),
      { numRuns: 30 },
    );
  });

  test('the top of the range: 2^64 - 59 is the largest u64 prime', () => {
    assert.deepEqual(listPrimesSieve(U64_MAX - 100n, U64_MAX, 10).primes.at(-1), U64_MAX - 58n);
    assert.equal(countPrimesSieve(U64_MAX - 57n, U64_MAX), 0);
    assert.equal(countPrimesSieve(U64_MAX, U64_MAX), 0);
  });

  test('refuses values outside u64', () => {
    assert.throws(() => countPrimesSieve(-1n, 10n), RangeError);
    assert.throws(() => countPrimesSieve(0n, 1n << 64n), RangeError);
  });
});

describe('listPrimesSieve', () => {
  test('edge cases: empty, reversed, wheel primes, width 0 and 1', () => {
    assert.equal(countPrimesSieve(10n, 9n), 0);
    assert.deepEqual(listPrimesSieve(10n, 9n, 5), { primes: [], next: undefined });
    for (const p of [2n, 3n, 5n, 7n, 11n, 13n, 17n, 19n, 23n, 29n, 31n]) {
      assert.deepEqual(listPrimesSieve(p, p, 1).primes, [p]);
      assert.equal(countPrimesSieve(p, p), 1);
    }
    assert.deepEqual(listPrimesSieve(0n, 1n, 10), { primes: [], next: undefined });
    assert.deepEqual(listPrimesSieve(0n, 30n, 100).primes, [2n, 3n, 5n, 7n, 11n, 13n, 17n, 19n, 23n, 29n]);
    assert.deepEqual(listPrimesSieve(0n, 100n, 0), { primes: [], next: 0n });
  });

  test('paging with next walks the whole range exactly once', () => {
    fc.assert(
      fc.property(
        fc.bigInt({ min: 0n, max: 10n ** 10n }),
        fc.integer({ min: 0, max: 20_000 }),
        fc.integer({ min: 1, max: 300 }),
        (a, w, limit) => {
          const b = a + BigInt(w);
          const want = referenceSegment(a, b);
          const got: bigint[] = [];
          let from: bigint | undefined = a;
          let pages = 0;
          while (from !== undefined) {
            const page = listPrimesSieve(from, b, limit);
            assert.ok(page.primes.length <= limit);
            if (page.next !== undefined) {
              assert.equal(page.primes.length, limit);
              assert.equal(page.next, page.primes.at(-1)! + 1n);
            }
            got.push(...page.primes);
            from = page.next;
            pages++;
          }
          assert.deepEqual(got, want);
          assert.ok(pages <= Math.floor(want.length / limit) + 1);
        },
      ),
      { numRuns: 40 },
    );
  });

  test('listPrimesSieveNumbers matches the plain sieve and refuses to >= 2^53', () => {
    const got = listPrimesSieveNumbers(0n, 1_000_000n, 1e9);
    assert.deepEqual(Array.from(got), smallPrimes.filter((p) => p <= 1_000_000));
    assert.deepEqual(Array.from(listPrimesSieveNumbers(100n, 200n, 3)), [101, 103, 107]);
    const top = 2n ** 53n - 1n;
    assert.deepEqual(
      Array.from(listPrimesSieveNumbers(top - 500n, top, 100)).map(BigInt),
      referenceMR(top - 500n, top),
    );
    assert.throws(() => listPrimesSieveNumbers(0n, 2n ** 53n, 10), RangeError);
  });
});

test('estimateSieveMicros grows with the width and stays positive', () => {
  assert.ok(estimateSieveMicros(5n, 4n) > 0);
  assert.ok(estimateSieveMicros(0n, 10n ** 6n) < estimateSieveMicros(0n, 10n ** 9n));
  assert.ok(estimateSieveMicros(0n, 10n ** 9n) < estimateSieveMicros(0n, 10n ** 10n));
});
