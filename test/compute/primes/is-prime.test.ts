import { test, describe, before } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
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
  modPowRef,
  nextPrimeReference,
  sieveFlags,
} from '../../helpers/reference.js';

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

// ---- the kernel's Baillie–PSW path (n >= 2^32) ----------------------------------------------

/** Strong probable-prime test to base 2, written plainly on BigInt (odd n > 2). */
function isStrongPseudoprimeBase2Plain(n: bigint): boolean {
  let d = n - 1n;
  let s = 0;
  while (d % 2n === 0n) {
    d /= 2n;
    s++;
  }
  let x = modPowRef(2n, d, n);
  if (x === 1n || x === n - 1n) return true;
  for (let r = 1; r < s; r++) {
    x = (x * x) % n;
    if (x === n - 1n) return true;
  }
  return false;
}

/** Composite odd n that pass the strong base-2 test: only the Lucas half can reject them. */
const baseTwoPseudoprimes: bigint[] = [
  2047n, 3277n, 4033n, 4681n, 8321n, 3215031751n, 2152302898747n, 3474749660383n,
  341550071728321n, 3825123056546413051n,
  (1n << 32n) + 1n, // F5 = 641 * 6700417
  // composite Mersenne numbers 2^p - 1 (p prime): 2^d = 1 for d = (2^p - 2)/2, a multiple of p
  ...[11n, 23n, 29n, 37n, 41n, 43n, 47n, 53n, 59n].map((p) => (1n << p) - 1n),
];

/** Cubes of Chernick's form (6k+1)(12k+1)(18k+1) with three prime factors: Carmichael numbers. */
function chernickCarmichaels(limit: bigint): bigint[] {
  const found: bigint[] = [];
  for (let k = 1n; ; k++) {
    const [a, b, c] = [6n * k + 1n, 12n * k + 1n, 18n * k + 1n];
    if (a * b * c >= limit) return found;
    if (isPrimeReference(a, 4) && isPrimeReference(b, 4) && isPrimeReference(c, 4)) found.push(a * b * c);
  }
}

/**
 * p(2p - 1) with p and q = 2p - 1 prime, q = +-1 (mod 8): 2 is a square mod q, so the order of
 * 2 divides p - 1 modulo both factors and n is a base-2 Fermat pseudoprime; the strong ones
 * are kept (selected by the plain BigInt test).
 */
function constructedBaseTwoPseudoprimes(count: number, seed: bigint): bigint[] {
  const random = makeRandom(seed);
  const found: bigint[] = [];
  while (found.length < count) {
    const p = random(31) | (1n << 30n) | 1n;
    const q = 2n * p - 1n;
    if (q % 8n !== 1n && q % 8n !== 7n) continue;
    if (!isPrimeReference(p, 4) || !isPrimeReference(q, 4)) continue;
    if (isStrongPseudoprimeBase2Plain(p * q)) found.push(p * q);
  }
  return found;
}

function checkOne(n: bigint): boolean {
  return checkPrimesU64(new BigUint64Array([n]))[0] === 1;
}

describe('u64 kernel, Baillie–PSW path', () => {
  test('20 000 random 32-bit values and the primes after 2 000 of them agree with trial division', () => {
    const random = makeRandom(31n);
    const values: bigint[] = [];
    for (let i = 0; i < 20_000; i++) values.push(random(32));
    for (let i = 0; i < 2_000; i++) values.push(nextPrimeReference(values[i] ?? 0n));
    const got = checkPrimesU64(BigUint64Array.from(values.filter((v) => v < 1n << 32n)));
    values.filter((v) => v < 1n << 32n).forEach((n, i) => {
      if ((got[i] === 1) !== isPrimeByTrialDivision(Number(n))) assert.fail(`n = ${n}`);
    });
  });

  test('strong base-2 pseudoprimes (listed and Mersenne) are composite', () => {
    for (const n of baseTwoPseudoprimes) {
      assert.ok(isStrongPseudoprimeBase2Plain(n), `${n} should be a strong base-2 pseudoprime`);
      assert.equal(isPrimeReference(n), false, `${n} is composite`);
      assert.equal(checkOne(n), false, `kernel calls ${n} prime`);
    }
  });

  test('constructed strong base-2 pseudoprimes p(2p - 1) near 2^61 are composite', () => {
    const list = constructedBaseTwoPseudoprimes(40, 2024n);
    const got = checkPrimesU64(BigUint64Array.from(list));
    list.forEach((n, i) => assert.equal(got[i], 0, `kernel calls ${n} prime`));
  });

  test('every Chernick Carmichael number below 2^64 is composite (many are strong base-2 pseudoprimes)', () => {
    const list = chernickCarmichaels(1n << 64n);
    const strong = list.filter(isStrongPseudoprimeBase2Plain).length;
    assert.ok(list.length > 1000 && strong > 100, `${list.length} Carmichael numbers, ${strong} strong base-2 pseudoprimes`);
    const got = checkPrimesU64(BigUint64Array.from(list));
    list.forEach((n, i) => assert.equal(got[i], 0, `kernel calls ${n} prime`));
  });

  test('squares of 9..32-bit primes are composite (no Selfridge D exists for a square)', () => {
    fc.assert(
      fc.property(fc.array(fc.bigInt({ min: 257n, max: (1n << 32n) - 6n }), { minLength: 1, maxLength: 20 }), (starts) => {
        const squares = starts.map((start) => nextPrimeReference(start) ** 2n);
        const got = checkPrimesU64(BigUint64Array.from(squares));
        squares.forEach((n, i) => assert.equal(got[i], 0, `kernel calls ${n} prime`));
      }),
      { numRuns: 30, seed: 5 },
    );
  });

  test('n = 1 + k*8*3*5*...*43 (a square mod every prime up to 43, so the D search runs long) agree with the reference', () => {
    let modulus = 8n;
    for (const p of [3n, 5n, 7n, 11n, 13n, 17n, 19n, 23n, 29n, 31n, 37n, 41n, 43n]) modulus *= p;
    const values: bigint[] = [];
    for (let k = 1n; 1n + k * modulus < 1n << 64n; k++) values.push(1n + k * modulus);
    const got = checkPrimesU64(BigUint64Array.from(values));
    let primes = 0;
    values.forEach((n, i) => {
      const expected = isPrimeReference(n);
      if (expected) primes++;
      assert.equal(got[i] === 1, expected, `n = ${n}`);
    });
    assert.ok(primes > 5, `only ${primes} primes among ${values.length}`);
  });

  test('every n in [2^64 - 3000, 2^64) agrees with the reference (primes just below 2^64)', () => {
    const values: bigint[] = [];
    for (let n = U64_MAX - 2999n; n <= U64_MAX; n++) values.push(n);
    const got = checkPrimesU64(BigUint64Array.from(values));
    let primes = 0;
    values.forEach((n, i) => {
      const expected = (n & 1n) === 1n && isPrimeReference(n);
      if (expected) primes++;
      assert.equal(got[i] === 1, expected, `n = ${n}`);
    });
    assert.ok(primes > 30, `only ${primes} primes`);
  });

  test('random odd values near 2^64 agree with the reference', () => {
    fc.assert(
      fc.property(fc.array(fc.bigInt({ min: U64_MAX - (1n << 40n), max: U64_MAX }), { minLength: 1, maxLength: 50 }), (raw) => {
        const values = raw.map((n) => n | 1n);
        const got = checkPrimesU64(BigUint64Array.from(values));
        values.forEach((n, i) => assert.equal(got[i] === 1, isPrimeReference(n), `n = ${n}`));
      }),
      { numRuns: 40, seed: 13 },
    );
  });

  test('random 64-bit primes and their products of two random 32-bit primes, in batches', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: 1n << 32n, max: U64_MAX - 2000n }), fc.array(fc.bigInt({ min: 1n << 31n, max: (1n << 32n) - 6n }), { minLength: 2, maxLength: 10 }), (start, factors) => {
        const primes = factors.map((f) => nextPrimeReference(f));
        const values = [nextPrimeReference(start)];
        for (let i = 1; i < primes.length; i++) values.push((primes[i - 1] ?? 0n) * (primes[i] ?? 0n));
        const got = checkPrimesU64(BigUint64Array.from(values));
        assert.equal(got[0], 1, `prime ${values[0]}`);
        for (let i = 1; i < values.length; i++) assert.equal(got[i], 0, `product ${values[i]}`);
      }),
      { numRuns: 60, seed: 17 },
    );
  });
});

/**
 * The two BPSW halves of wasm/lib/u64-lucas.ts on their own, compiled here into a small module
 * (unoptimised, so it builds in about two seconds): the exactness argument needs the Lucas
 * half to be *the* strong Lucas test with Selfridge parameters, verdict for verdict, not
 * merely a test that primes pass.
 */
interface LucasHarness {
  lucas(n: bigint): number;
  base2(n: bigint): number;
  /** The same tests on the 32-bit Montgomery context, for n < 2^32. */
  lucas32(n: bigint): number;
  base2_32(n: bigint): number;
}

const HARNESS_SOURCE = `
import { montSetup64 } from './lib/u64-arith';
import { montSetup32 } from './lib/u64-arith';
import { strongBase2, strongLucasSelfridge, strongBase2_32, strongLucasSelfridge32 } from './lib/u64-lucas';
export function lucas(n: u64): bool { montSetup64(n); return strongLucasSelfridge(n); }
export function lucas32(n: u64): bool { montSetup32(<u32>n); return strongLucasSelfridge32(n); }
export function base2_32(n: u64): bool {
  montSetup32(<u32>n);
  const s = <i32>ctz<u64>(n - 1);
  return strongBase2_32(<u32>((n - 1) >> <u64>s), s);
}
export function base2(n: u64): bool {
  montSetup64(n);
  const s = <i32>ctz<u64>(n - 1);
  return strongBase2((n - 1) >> <u64>s, s);
}
`;

/**
 * Compiled by the asc command in a child process, in a scratch copy of wasm/lib (importing
 * the compiler into this tsx process costs ten seconds; a scratch directory keeps the
 * harness away from the build of wasm/*.ts).
 */
function compileLucasHarness(): LucasHarness {
  const require = createRequire(import.meta.url);
  const ascBin = join(require.resolve('assemblyscript/package.json'), '..', 'bin', 'asc.js');
  const dir = mkdtempSync(join(tmpdir(), 'lucas-harness-'));
  try {
    cpSync(new URL('../../../wasm/lib', import.meta.url), join(dir, 'lib'), { recursive: true });
    writeFileSync(join(dir, 'harness.ts'), HARNESS_SOURCE);
    execFileSync(process.execPath, [ascBin, join(dir, 'harness.ts'), '-o', join(dir, 'harness.wasm'), '--runtime', 'stub', '--noAssert'], { stdio: 'inherit' });
    const instance = new WebAssembly.Instance(new WebAssembly.Module(readFileSync(join(dir, 'harness.wasm'))), {
      env: { abort: () => { throw new Error('harness aborted'); } },
    });
    return instance.exports as unknown as LucasHarness;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

describe('u64-lucas.ts halves against the BigInt tests, verdict for verdict', () => {
  let harness: LucasHarness;
  before(() => {
    harness = compileLucasHarness();
  });
  const smallPrimes = [...sieveFlags(257).keys()].filter((k) => k > 2 && isPrimeByTrialDivision(k)).map(BigInt);
  const roughOdd = (n: bigint): boolean => (n & 1n) === 1n && smallPrimes.every((p) => n % p !== 0n);
  const isSquare = (n: bigint): boolean => {
    const r = BigInt(Math.floor(Math.sqrt(Number(n))));
    return [r - 1n, r, r + 1n].some((x) => x * x === n);
  };

  test('every odd n in [257^2, 2.5*10^5) free of primes < 2^8: strong Lucas and base-2 verdicts agree', () => {
    let lucasPseudoprimes = 0;
    for (let n = 66049n; n < 250_000n; n += 2n) {
      if (!roughOdd(n)) continue;
      const composite = !isPrimeByTrialDivision(Number(n));
      const expectedLucas = !isSquare(n) && isStrongLucasProbablePrime(n);
      const expectedBase2 = isStrongPseudoprimeBase2Plain(n);
      if ((harness.lucas(n) === 1) !== expectedLucas) assert.fail(`lucas(${n})`);
      if ((harness.base2(n) === 1) !== expectedBase2) assert.fail(`base2(${n})`);
      if ((harness.lucas32(n) === 1) !== expectedLucas) assert.fail(`lucas32(${n})`);
      if ((harness.base2_32(n) === 1) !== expectedBase2) assert.fail(`base2_32(${n})`);
      if (composite && expectedLucas) lucasPseudoprimes++;
    }
    // 75077 = 193 * 389 and 97439 are strong Lucas pseudoprimes (OEIS A217255): the test has teeth.
    assert.ok(lucasPseudoprimes >= 2, `${lucasPseudoprimes} Lucas pseudoprimes seen`);
    assert.equal(harness.lucas(75077n), 1);
  });

  test('odd non-squares in [257^2, 1.2*10^5) with small factors too: (D/n) = 0 means composite', () => {
    for (let n = 66049n; n < 120_000n; n += 2n) {
      if (isSquare(n)) continue;
      const expected = isStrongLucasProbablePrime(n);
      if ((harness.lucas(n) === 1) !== expected) assert.fail(`lucas(${n})`);
      if ((harness.lucas32(n) === 1) !== expected) assert.fail(`lucas32(${n})`);
    }
    // (D/n) = 0 at D = 5, at D = 9 (after 5 and -7 gave 1) and at D = 13 (after four 1s).
    for (const n of [5n * 13331n, 3n * 22237n, 13n * 10027n]) {
      assert.equal(harness.lucas(n), 0, `lucas(${n})`);
      assert.equal(harness.lucas32(n), 0, `lucas32(${n})`);
    }
  });

  test('32-bit versions: random rough values, 32-bit primes, base-2 pseudoprimes and squares below 2^32', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: 1n << 17n, max: (1n << 32n) - 6n }), (raw) => {
        const p = nextPrimeReference(raw);
        assert.equal(harness.lucas32(p), 1, `prime ${p}`);
        assert.equal(harness.base2_32(p), 1, `prime ${p}`);
        const n = raw | 1n;
        if (roughOdd(n) && !isSquare(n)) {
          assert.equal(harness.lucas32(n) === 1, isStrongLucasProbablePrime(n), `lucas32(${n})`);
          assert.equal(harness.base2_32(n) === 1, isStrongPseudoprimeBase2Plain(n), `base2_32(${n})`);
        }
      }),
      { numRuns: 400, seed: 29 },
    );
    for (const n of [80581n, 85489n, 88357n, 90751n, 3215031751n, (1n << 23n) - 1n, (1n << 29n) - 1n]) {
      assert.ok(isStrongPseudoprimeBase2Plain(n), `${n} should be a strong base-2 pseudoprime`);
      assert.equal(harness.base2_32(n), 1, `base2_32(${n})`);
      assert.equal(harness.lucas32(n), 0, `lucas32(${n})`);
    }
    for (const p of [257n, 4099n, 65521n]) assert.equal(harness.lucas32(p * p), 0, `square ${p}^2`);
  });

  test('random rough 64-bit values, 64-bit primes, base-2 pseudoprimes and squares', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: 1n << 20n, max: U64_MAX - 2000n }), (raw) => {
        const p = nextPrimeReference(raw);
        assert.equal(harness.lucas(p), 1, `prime ${p}`);
        assert.equal(harness.base2(p), 1, `prime ${p}`);
        const n = raw | 1n;
        if (roughOdd(n) && !isSquare(n)) {
          assert.equal(harness.lucas(n) === 1, isStrongLucasProbablePrime(n), `lucas(${n})`);
          assert.equal(harness.base2(n) === 1, isStrongPseudoprimeBase2Plain(n), `base2(${n})`);
        }
      }),
      { numRuns: 300, seed: 23 },
    );
    for (const n of [...baseTwoPseudoprimes, ...constructedBaseTwoPseudoprimes(10, 77n)]) {
      if (!roughOdd(n) || n < 66049n) continue;
      assert.equal(harness.base2(n), 1, `base2(${n})`);
      assert.equal(harness.lucas(n), 0, `lucas(${n})`);
      assert.equal(isStrongLucasProbablePrime(n), false, `BigInt lucas(${n})`);
    }
    for (const p of [65537n, 4294967291n, 2147483647n]) assert.equal(harness.lucas(p * p), 0, `square ${p}^2`);
  });
});
