import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import {
  checkPrimesBatch,
  checkPrimesBigInt,
  checkPrimesU64,
  estimateCheckMicros,
  isBailliePswProbablePrime,
  isPrime,
  isStrongLucasProbablePrime,
  isStrongProbablePrime,
  jacobi,
} from '../../../src/compute/primes/is-prime.js';
import { integerBatchOf } from '../../../src/compute/primes/batch.js';
import {
  isPrimeByTrialDivision,
  isPrimeReference,
  makeRandom,
  nextPrimeReference,
  sieveFlags,
} from './reference.js';

const U64_MAX = (1n << 64n) - 1n;

describe('exhaustive and sampled agreement with independent references', () => {
  test('checkPrimesU64 agrees with a sieve for every n < 10^6', () => {
    const limit = 1_000_000;
    const flags = sieveFlags(limit);
    const values = new BigUint64Array(limit);
    for (let n = 0; n < limit; n++) values[n] = BigInt(n);
    const got = checkPrimesU64(values);
    for (let n = 0; n < limit; n++) {
      if (got[n] !== flags[n]) assert.fail(`n = ${n}: got ${got[n]}, sieve says ${flags[n]}`);
    }
  });

  test('isPrime (single-value path) agrees with a sieve for every n < 2*10^5', () => {
    const limit = 200_000;
    const flags = sieveFlags(limit);
    for (let n = 0; n < limit; n++) {
      const { prime, test: kind } = isPrime(BigInt(n));
      if (prime !== (flags[n] === 1)) assert.fail(`n = ${n}: got ${prime}`);
      assert.equal(kind, 'deterministic');
    }
  });

  test('20 000 random n < 10^7 agree with trial division', () => {
    const random = makeRandom(7n);
    const values = new BigUint64Array(20_000);
    for (let i = 0; i < values.length; i++) values[i] = random(64) % 10_000_000n;
    const got = checkPrimesU64(values);
    values.forEach((value, i) => {
      assert.equal(got[i] === 1, isPrimeByTrialDivision(Number(value)), `n = ${value}`);
    });
  });

  test('BPSW agrees with a sieve on [10^6, 1.3*10^6) (past its trial-division shortcut)', () => {
    const start = 1_000_000;
    const flags = sieveFlags(1_300_000);
    for (let n = start; n < flags.length; n++) {
      if (isBailliePswProbablePrime(BigInt(n)) !== (flags[n] === 1)) assert.fail(`n = ${n}`);
    }
  });
});

describe('the BPSW parts against published pseudoprime lists', () => {
  test('strong base-2 pseudoprimes below 10^5 are exactly OEIS A001262', () => {
    const flags = sieveFlags(100_000);
    const found: number[] = [];
    for (let n = 3; n < 100_000; n += 2) {
      if (flags[n] === 0 && isStrongProbablePrime(BigInt(n), 2n)) found.push(n);
    }
    assert.deepEqual(found, [2047, 3277, 4033, 4681, 8321, 15841, 29341, 42799, 49141, 52633, 65281, 74665, 80581, 85489, 88357, 90751]);
  });

  test('strong Lucas (Selfridge) pseudoprimes below 10^5 are exactly OEIS A217255; primes pass', () => {
    const flags = sieveFlags(100_000);
    const found: number[] = [];
    for (let n = 3; n < 100_000; n += 2) {
      const root = Math.floor(Math.sqrt(n));
      if (root * root === n) continue;
      const passes = isStrongLucasProbablePrime(BigInt(n));
      if (flags[n] === 1) assert.ok(passes, `prime ${n} must pass`);
      else if (passes) found.push(n);
    }
    assert.deepEqual(found, [5459, 5777, 10877, 16109, 18971, 22499, 24569, 25199, 40309, 58519, 75077, 97439]);
  });

  test('jacobi symbol agrees with Euler\'s criterion for odd primes', () => {
    for (const p of [3n, 5n, 7n, 11n, 101n, 1009n, 65537n]) {
      for (let a = -30n; a <= 30n; a++) {
        const r = ((a % p) + p) % p;
        const euler = r === 0n ? 0 : (r ** ((p - 1n) / 2n)) % p === 1n ? 1 : -1;
        assert.equal(jacobi(a, p), euler, `(${a}/${p})`);
      }
    }
  });
});

describe('known values', () => {
  const cases: [string, bigint, boolean][] = [
    ['0', 0n, false],
    ['1', 1n, false],
    ['2', 2n, true],
    ['3', 3n, true],
    ['4', 4n, false],
    ['2^31-1', 2147483647n, true],
    ['2^32-5 (largest 32-bit prime)', 4294967291n, true],
    ['2^32+15 (smallest prime above 2^32)', 4294967311n, true],
    ['2^61-1', 2305843009213693951n, true],
    ['2^64-59 (largest 64-bit prime)', 18446744073709551557n, true],
    ['2^64-1', U64_MAX, false],
    ['2^89-1', (1n << 89n) - 1n, true],
    ['2^127-1', (1n << 127n) - 1n, true],
    ['2^67-1 (composite Mersenne)', (1n << 67n) - 1n, false],
    ['2^64+13 (smallest prime above 2^64)', (1n << 64n) + 13n, true],
    ['2^64', 1n << 64n, false],
    // strong pseudoprimes to base 2
    ['2047', 2047n, false],
    ['3215031751 (spsp to 2,3,5,7)', 3215031751n, false],
    ['3825123056546413051 (spsp to bases 2..23)', 3825123056546413051n, false],
    ['318665857834031151167461 (spsp to bases 2..37)', 318665857834031151167461n, false],
    // Carmichael numbers
    ['561', 561n, false],
    ['41041', 41041n, false],
    ['825265', 825265n, false],
    ['321197185', 321197185n, false],
    ['5394826801', 5394826801n, false],
    ['232250619601', 232250619601n, false],
    ['9746347772161', 9746347772161n, false],
    // squares of large primes and products of two ~32-bit primes
    ['(2^32-5)^2', 4294967291n ** 2n, false],
    ['(2^31-1)^2', 2147483647n ** 2n, false],
    ['(2^61-1)^2', 2305843009213693951n ** 2n, false],
    ['(2^64-59)^2', 18446744073709551557n ** 2n, false],
    ['(2^32-5)(2^32-17)', 4294967291n * 4294967279n, false],
    ['(10^9+7)(998244353)', 1000000007n * 998244353n, false],
    ['(2^89-1)(2^61-1)', ((1n << 89n) - 1n) * 2305843009213693951n, false],
  ];
  for (const [name, n, prime] of cases) {
    test(`${name} is ${prime ? 'prime' : 'not prime'}`, () => {
      const result = isPrime(n);
      assert.equal(result.prime, prime);
      assert.equal(isPrimeReference(n), prime, 'reference disagrees with the table');
      assert.equal(result.test, n < 1n << 64n ? 'deterministic' : 'probable');
      if (n < 1n << 64n) assert.equal(checkPrimesU64(new BigUint64Array([n]))[0], prime ? 1 : 0);
    });
  }

  test('negative input is refused', () => {
    assert.throws(() => isPrime(-7n), RangeError);
  });
});

describe('properties against a random-base Miller–Rabin reference', () => {
  test('random 64-bit values (batch and single paths)', () => {
    fc.assert(
      fc.property(fc.array(fc.bigInt({ min: 0n, max: U64_MAX }), { minLength: 1, maxLength: 50 }), (values) => {
        const got = checkPrimesU64(BigUint64Array.from(values));
        values.forEach((n, i) => {
          const expected = isPrimeReference(n);
          assert.equal(got[i] === 1, expected, `batch n = ${n}`);
          assert.equal(isPrime(n).prime, expected, `single n = ${n}`);
        });
      }),
      { numRuns: 100, seed: 42 },
    );
  });

  test('odd 64-bit values near primes (so both verdicts occur often)', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: 1n << 32n, max: U64_MAX - 1000n }), (start) => {
        const p = nextPrimeReference(start);
        assert.equal(isPrime(p).prime, true, `prime ${p}`);
        if (p > start) assert.equal(isPrime(p - 2n).prime, isPrimeReference(p - 2n), `n = ${p - 2n}`);
        if (p + 2n <= U64_MAX) assert.equal(isPrime(p + 2n).prime, isPrimeReference(p + 2n), `n = ${p + 2n}`);
      }),
      { numRuns: 200, seed: 7 },
    );
  });

  test('products of two random primes of 16..32 bits are composite', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: 1n << 16n, max: 1n << 32n }), fc.bigInt({ min: 1n << 16n, max: 1n << 32n }), (a, b) => {
        const n = nextPrimeReference(a) * nextPrimeReference(b);
        assert.equal(isPrime(n).prime, false, `n = ${n}`);
      }),
      { numRuns: 200, seed: 3 },
    );
  });

  test('values of 65..256 bits: BPSW agrees with the reference', () => {
    fc.assert(
      fc.property(fc.integer({ min: 65, max: 256 }), fc.bigInt({ min: 0n, max: (1n << 256n) - 1n }), (bits, raw) => {
        const n = (raw % (1n << BigInt(bits))) | (1n << BigInt(bits - 1)) | 1n;
        const p = nextPrimeReference(n);
        assert.equal(isPrime(n).prime, isPrimeReference(n), `n = ${n}`);
        assert.equal(isPrime(p).prime, true, `prime ${p}`);
        assert.equal(isPrime(p * 3n).prime, false);
      }),
      { numRuns: 60, seed: 11 },
    );
  });
});

describe('mixed batches', () => {
  test('packed numbers and strings, small and large, keep their positions', () => {
    const items: (number | string)[] = [
      0, 1, 2, 97, 561, Number.MAX_SAFE_INTEGER, '18446744073709551557', '18446744073709551615',
      '18446744073709551629', '170141183460469231731687303715884105727', '9007199254740881', 4294967291,
    ];
    const batch = integerBatchOf(items.map((item) => BigInt(item)));
    const got = checkPrimesBatch(batch);
    assert.equal(got.length, items.length);
    items.forEach((item, i) => {
      assert.equal(got[i] === 1, isPrimeReference(BigInt(item)), `item ${i} = ${item}`);
    });
    assert.deepEqual(batch.largeIndex, [8, 9]);
  });

  test('checkPrimesBigInt matches isPrime; batches longer than one kernel chunk work', () => {
    const values = [0n, 1n, 2n, (1n << 89n) - 1n, (1n << 89n) + 1n];
    assert.deepEqual([...checkPrimesBigInt(values)], values.map((v) => (isPrimeReference(v) ? 1 : 0)));
    const random = makeRandom(99n);
    const big = new BigUint64Array(150_000);
    for (let i = 0; i < big.length; i++) big[i] = random(64);
    const got = checkPrimesU64(big);
    for (let i = 0; i < big.length; i += 997) {
      const value = big[i] ?? 0n;
      assert.equal(got[i] === 1, isPrimeReference(value), `index ${i}`);
    }
    assert.equal(checkPrimesU64(new BigUint64Array(0)).length, 0);
  });
});

test('estimateCheckMicros is positive and grows with size', () => {
  let previous = 0;
  for (const bits of [1, 32, 64, 65, 128, 512, 2048]) {
    const micros = estimateCheckMicros(bits);
    assert.ok(micros > 0 && micros >= previous, `bits ${bits}: ${micros}`);
    previous = micros;
  }
});
