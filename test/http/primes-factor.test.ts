import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import fc from 'fast-check';
import { type TestApp, problemOf, startTestApp } from '../helpers/app.js';
import { isPrimeByTrialDivision, isPrimeReference } from '../helpers/reference.js';

interface Factorization {
  n: string;
  factors: Array<{ prime: string; exponent: number }>;
  test: 'deterministic' | 'probable';
}

/** Small primes by trial division, and some large known primes, as the building blocks. */
const smallPrimes: bigint[] = [];
for (let n = 2; smallPrimes.length < 2000; n += 1) if (isPrimeByTrialDivision(n)) smallPrimes.push(BigInt(n));
const largePrimes = [
  4294967291n, // 2^32 - 5
  4294967311n, // first prime above 2^32
  2147483647n, // 2^31 - 1
  1000000007n,
  999999999989n,
  9999999999999917n,
  18446744073709551557n, // 2^64 - 59
  2305843009213693951n, // 2^61 - 1
  618970019642690137449562111n, // 2^89 - 1
].filter((p) => isPrimeReference(p));

/** The expected answer, built from a multiset of primes: sorted distinct primes with counts. */
function powersOf(primes: readonly bigint[]): Array<{ prime: string; exponent: number }> {
  const counts = new Map<bigint, number>();
  for (const p of primes) counts.set(p, (counts.get(p) ?? 0) + 1);
  return [...counts.entries()].sort(([a], [b]) => (a < b ? -1 : 1)).map(([prime, exponent]) => ({ prime: prime.toString(), exponent }));
}

let app: TestApp;
before(() => {
  app = startTestApp({ MAX_BATCH_ITEMS: '2000' });
});
after(() => app.close());

async function factor(numbers: Array<number | string>, route?: string): Promise<Factorization[]> {
  const request = app.request.post('/v1/primes/factor');
  if (route !== undefined) request.set('X-Crunch-Route', route);
  const response = await request.send({ numbers }).expect(200);
  const body = response.body as { count: number; results: Factorization[] };
  assert.equal(body.count, numbers.length);
  return body.results;
}

/** Every answer must multiply back, be strictly ascending, and consist of primes. */
function checkFactorization(result: Factorization, n: bigint): void {
  assert.equal(result.n, n.toString());
  let product = 1n;
  let previous = 0n;
  for (const { prime, exponent } of result.factors) {
    const p = BigInt(prime);
    assert.ok(p > previous, `factors of ${n} not strictly ascending`);
    assert.ok(Number.isInteger(exponent) && exponent >= 1);
    assert.ok(isPrimeReference(p), `${p} (a factor of ${n}) is not prime`);
    product *= p ** BigInt(exponent);
    previous = p;
  }
  assert.equal(product, n);
  const big = result.factors.some(({ prime }) => BigInt(prime) >= 2n ** 64n);
  assert.equal(result.test, big ? 'probable' : 'deterministic');
}

describe('POST /v1/primes/factor', () => {
  test('small examples, 1 and primes', async () => {
    const results = await factor([1, 2, 360, 97, '1024']);
    assert.deepEqual(results, [
      { n: '1', factors: [], test: 'deterministic' },
      { n: '2', factors: [{ prime: '2', exponent: 1 }], test: 'deterministic' },
      { n: '360', factors: powersOf([2n, 2n, 2n, 3n, 3n, 5n]), test: 'deterministic' },
      { n: '97', factors: [{ prime: '97', exponent: 1 }], test: 'deterministic' },
      { n: '1024', factors: [{ prime: '2', exponent: 10 }], test: 'deterministic' },
    ]);
  });

  test('random products of known primes come back as those primes, on every route', async () => {
    const prime = fc.oneof(fc.constantFrom(...smallPrimes), fc.constantFrom(...largePrimes));
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.array(prime, { minLength: 0, maxLength: 6 }), { minLength: 1, maxLength: 8 }).map((lists) =>
          lists.map((list) => {
            // Keep each product within the 128-bit limit, and at most one prime above 2^33:
            // rho needs ~sqrt(p) steps for the second-largest factor p, so two 60-bit primes
            // in one 120-bit number are out of its reach (see src/compute/primes/factor.ts).
            const kept: bigint[] = [];
            let product = 1n;
            let large = 0;
            for (const p of list) {
              if (p > 2n ** 33n && large++ > 0) continue;
              if (product * p >= 2n ** 128n) break;
              kept.push(p);
              product *= p;
            }
            return { primes: kept, n: product };
          }),
        ),
        fc.constantFrom('inline', 'sliced', 'pool'),
        async (cases, route) => {
          const results = await factor(cases.map(({ n }) => n.toString()), route);
          cases.forEach(({ primes, n }, index) => {
            const result = results[index] as Factorization;
            assert.deepEqual(result.factors, powersOf(primes), `n=${n}`);
            checkFactorization(result, n);
          });
        },
      ),
      { numRuns: 40 },
    );
  });

  test('random integers below 2^64 multiply back from prime factors', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.bigInt({ min: 1n, max: 2n ** 64n - 1n }), { minLength: 1, maxLength: 50 }), async (values) => {
        const results = await factor(values.map(String));
        values.forEach((n, index) => checkFactorization(results[index] as Factorization, n));
      }),
      { numRuns: 20 },
    );
  });

  test('Carmichael numbers and strong pseudoprimes', async () => {
    const cases: Array<[bigint[]]> = [
      [[3n, 11n, 17n]], // 561
      [[5n, 13n, 17n]], // 1105
      [[7n, 13n, 19n]], // 1729
      [[7n, 11n, 13n, 41n]], // 41041
      [[5n, 7n, 17n, 19n, 73n]], // 825265
      [[5n, 19n, 23n, 29n, 37n, 137n]], // 321197185
      [[7n, 13n, 17n, 23n, 31n, 67n, 73n]], // 5394826801
      [[149491n, 747451n, 34233211n]], // 3825123056546413051: strong pseudoprime to bases 2..37 but 41
      [[6763n, 10627n, 29947n]], // 2152302898747: Carmichael, strong pseudoprime to bases 2..11
    ];
    for (const [primes] of cases) for (const p of primes) assert.ok(isPrimeReference(p), `${p} in the table is not prime`);
    const values = cases.map(([primes]) => primes.reduce((product, p) => product * p, 1n));
    const results = await factor(values.map(String));
    cases.forEach(([primes], index) => {
      assert.deepEqual(results[index]?.factors, powersOf(primes));
      checkFactorization(results[index] as Factorization, values[index] as bigint);
    });
  });

  test('squares of large primes, perfect powers and numbers with a factor of 2^64 or more', async () => {
    const cases: bigint[][] = [
      [4294967291n, 4294967291n],
      [18446744073709551557n, 18446744073709551557n],
      [9999999999999917n, 9999999999999917n],
      Array.from({ length: 127 }, () => 2n),
      Array.from({ length: 80 }, () => 3n),
      [1000000007n, 1000000007n, 1000000007n, 1000000007n],
      [3n, 618970019642690137449562111n],
      [618970019642690137449562111n],
      [4294967311n, 18446744073709551557n],
      [1000000007n, 618970019642690137449562111n],
    ];
    const values = cases.map((primes) => primes.reduce((product, p) => product * p, 1n));
    const results = await factor(values.map(String));
    cases.forEach((primes, index) => {
      assert.deepEqual(results[index]?.factors, powersOf(primes), `n=${values[index]}`);
      checkFactorization(results[index] as Factorization, values[index] as bigint);
    });
    assert.equal(results[6]?.test, 'probable');
    assert.equal(results[8]?.test, 'deterministic');
    assert.equal(results[9]?.test, 'probable');
  });

  test('2^128 - 1 and 2^64 - 1', async () => {
    const results = await factor([(2n ** 128n - 1n).toString(), (2n ** 64n - 1n).toString()]);
    checkFactorization(results[0] as Factorization, 2n ** 128n - 1n);
    checkFactorization(results[1] as Factorization, 2n ** 64n - 1n);
    assert.equal(results[0]?.factors.length, 9);
  });

  test('a big batch is sharded over the pool and stays in order', async () => {
    const values = Array.from({ length: 2000 }, (_, index) => 2n ** 62n + BigInt(index) * 7919n);
    const response = await app.request.post('/v1/primes/factor').send({ numbers: values.map(String) }).expect(200);
    assert.equal(response.headers['x-crunch-route'], 'pool');
    const results = (response.body as { results: Factorization[] }).results;
    values.forEach((n, index) => assert.equal(results[index]?.n, n.toString()));
    for (let index = 0; index < values.length; index += 97) checkFactorization(results[index] as Factorization, values[index] as bigint);
  });

  const refused: Array<[unknown, RegExp]> = [
    [0, /0 has no prime factorization/],
    [-12, /negative/],
    [1.5, /not an integer/],
    ['12.0', /whole number/],
    [9007199254740993, /decimal string/],
    [(2n ** 128n).toString(), /129 bits, above the limit of 128 bits/],
    ['abc', /not a decimal integer/],
    [null, /JSON number or a decimal string/],
  ];
  for (const [item, message] of refused) {
    test(`refuses ${JSON.stringify(item)} naming /numbers/1`, async () => {
      const problem = problemOf(await app.request.post('/v1/primes/factor').send({ numbers: [6, item, 10] }).expect(422));
      assert.equal(problem.type, 'https://crunch.dev/problems/validation-failed');
      assert.equal(problem.errors?.[0]?.pointer, '/numbers/1');
      assert.match(problem.errors?.[0]?.message ?? '', message);
    });
  }

  test('refuses an empty list, too many numbers and unknown fields', async () => {
    problemOf(await app.request.post('/v1/primes/factor').send({ numbers: [] }).expect(422));
    const many = problemOf(await app.request.post('/v1/primes/factor').send({ numbers: Array.from({ length: 2001 }, () => 6) }).expect(422));
    assert.match(many.errors?.[0]?.message ?? '', /2000/);
    problemOf(await app.request.post('/v1/primes/factor').send({ numbers: [6], extra: 1 }).expect(422));
  });
});

describe('POST /v1/primes/factor under a short deadline', () => {
  let slow: TestApp;
  before(() => {
    slow = startTestApp({ REQUEST_TIMEOUT_MS: '400' });
  });
  after(() => slow.close());

  // Two ~62-bit primes: rho in BigInt needs ~2^31 steps, far beyond 400 ms.
  const hard = (4611686018427387847n * 4611686018427388039n).toString();

  for (const route of ['pool', 'inline']) {
    test(`the problem names the number not finished (${route})`, async () => {
      const started = Date.now();
      const response = await slow.request.post('/v1/primes/factor').set('X-Crunch-Route', route).send({ numbers: [360, hard, 12] }).expect(422);
      const problem = problemOf(response);
      assert.equal(problem.type, 'https://crunch.dev/problems/deadline-exceeded');
      assert.ok(problem.detail.includes(`numbers[1] = ${hard}`), problem.detail);
      assert.ok(!problem.detail.includes('numbers[0]'), problem.detail);
      assert.ok(Date.now() - started < 5_000);
    });
  }

  test('the pool still answers afterwards', async () => {
    // The aborted task's thread is replaced; give the new one time to start.
    let response = await slow.request.post('/v1/primes/factor').set('X-Crunch-Route', 'pool').send({ numbers: ['18446744073709551615'] });
    for (let attempt = 0; attempt < 20 && response.status !== 200; attempt += 1) {
      await new Promise((resolve) => setTimeout(resolve, 250));
      response = await slow.request.post('/v1/primes/factor').set('X-Crunch-Route', 'pool').send({ numbers: ['18446744073709551615'] });
    }
    assert.equal(response.status, 200, response.text);
    checkFactorization((response.body as { results: Factorization[] }).results[0] as Factorization, 2n ** 64n - 1n);
  });
});
