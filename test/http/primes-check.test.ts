import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import fc from 'fast-check';
import { type TestApp, problemOf, startTestApp } from '../helpers/app.js';
import { isPrimeReference } from '../helpers/reference.js';

let app: TestApp;
before(() => {
  app = startTestApp({ MAX_BATCH_ITEMS: '20000', MAX_BODY_BYTES: '1048576' });
});
after(() => app.close());

describe('GET /v1/primes/{n}', () => {
  const cases: Array<[string, boolean, 'deterministic' | 'probable']> = [
    ['0', false, 'deterministic'],
    ['1', false, 'deterministic'],
    ['2', true, 'deterministic'],
    ['97', true, 'deterministic'],
    ['561', false, 'deterministic'],
    ['9999999999999917', true, 'deterministic'],
    ['3825123056546413051', false, 'deterministic'],
    ['18446744073709551557', true, 'deterministic'],
    ['18446744073709551615', false, 'deterministic'],
    ['18446744073709551629', true, 'probable'],
    ['170141183460469231731687303715884105727', true, 'probable'],
    ['318665857834031151167461', false, 'probable'],
  ];
  for (const [n, prime, testName] of cases) {
    test(`${n} → prime=${prime} (${testName})`, async () => {
      const response = await app.request.get(`/v1/primes/${n}`).expect(200);
      assert.deepEqual(response.body, { n, prime, test: testName });
      assert.equal(prime, isPrimeReference(BigInt(n)));
    });
  }

  test('says where the work ran and how long it took', async () => {
    const response = await app.request.get('/v1/primes/97').expect(200);
    assert.equal(response.headers['x-crunch-route'], 'inline');
    assert.match(String(response.headers['server-timing']), /^queue;dur=[\d.]+, compute;dur=[\d.]+, total;dur=[\d.]+, route;desc="inline"$/);
    assert.ok(response.headers['x-request-id']);
  });

  test('a large number goes to the pool, and every route agrees', async () => {
    const n = (2n ** 1279n - 1n).toString();
    const auto = await app.request.get(`/v1/primes/${n}`).expect(200);
    assert.equal(auto.headers['x-crunch-route'], 'pool');
    for (const route of ['inline', 'sliced', 'pool']) {
      const response = await app.request.get(`/v1/primes/${n}`).set('X-Crunch-Route', route).expect(200);
      assert.equal(response.headers['x-crunch-route'], route === 'sliced' ? 'sliced' : route);
      assert.deepEqual(response.body, { n, prime: true, test: 'probable' });
    }
  });

  const refused: Array<[string, RegExp]> = [
    ['-7', /negative/],
    ['%2B7', /sign/],
    ['%207', /whitespace/],
    ['0x1F', /not decimal/],
    ['007', /leading zeros/],
    ['7.0', /whole number/],
    ['1e3', /whole number/],
    ['abc', /not a decimal integer/],
    [`1${'0'.repeat(1300)}`, /limit of 4096 bits/],
  ];
  for (const [n, message] of refused) {
    test(`refuses ${n.length > 20 ? `${n.slice(0, 12)}…` : n} with a problem naming the parameter`, async () => {
      const problem = problemOf(await app.request.get(`/v1/primes/${n}`).expect(422));
      assert.equal(problem.type, 'https://crunch.dev/problems/validation-failed');
      assert.equal(problem.errors?.[0]?.pointer, '#/path/n');
      assert.match(problem.errors?.[0]?.message ?? '', message);
    });
  }
});

describe('POST /v1/primes/check', () => {
  test('answers in input order, integers as strings', async () => {
    const response = await app.request
      .post('/v1/primes/check')
      .send({ numbers: [2, 97, '18446744073709551557', 561, 0, '1'] })
      .expect(200);
    assert.deepEqual(response.body, {
      count: 6,
      results: [
        { n: '2', prime: true, test: 'deterministic' },
        { n: '97', prime: true, test: 'deterministic' },
        { n: '18446744073709551557', prime: true, test: 'deterministic' },
        { n: '561', prime: false, test: 'deterministic' },
        { n: '0', prime: false, test: 'deterministic' },
        { n: '1', prime: false, test: 'deterministic' },
      ],
    });
  });

  test('random batches agree with an independent Miller–Rabin on every route', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.oneof(fc.bigInt({ min: 0n, max: 2n ** 20n }), fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }), fc.bigInt({ min: 0n, max: 2n ** 80n })), {
          minLength: 1,
          maxLength: 300,
        }),
        fc.constantFrom('inline', 'sliced', 'pool'),
        async (values, route) => {
          const response = await app.request
            .post('/v1/primes/check')
            .set('X-Crunch-Route', route)
            .send({ numbers: values.map((value) => value.toString()) })
            .expect(200);
          const body = response.body as { results: Array<{ n: string; prime: boolean }> };
          assert.equal(body.results.length, values.length);
          values.forEach((value, index) => {
            assert.equal(body.results[index]?.n, value.toString());
            assert.equal(body.results[index]?.prime, isPrimeReference(value), `n=${value}`);
          });
        },
      ),
      { numRuns: 25 },
    );
  });

  test('a big batch is sharded over the pool and stays in order', async () => {
    const values = Array.from({ length: 20_000 }, (_, index) => (2n ** 61n + BigInt(index) * 2n + 1n).toString());
    const response = await app.request.post('/v1/primes/check').send({ numbers: values }).expect(200);
    assert.equal(response.headers['x-crunch-route'], 'pool');
    const body = response.body as { count: number; results: Array<{ n: string; prime: boolean }> };
    assert.equal(body.count, values.length);
    for (let index = 0; index < values.length; index += 997) {
      assert.equal(body.results[index]?.n, values[index]);
      assert.equal(body.results[index]?.prime, isPrimeReference(BigInt(values[index] as string)));
    }
  });

  const refusedItems: Array<[unknown, RegExp]> = [
    [9007199254740993, /decimal string/],
    [1e21, /decimal string/],
    [-3, /negative/],
    [2.5, /not an integer/],
    ['+5', /sign/],
    [' 5', /whitespace/],
    ['0x10', /not decimal/],
    ['012', /leading zeros/],
    ['', /empty/],
    ['12abc', /not a decimal integer/],
    [true, /JSON number or a decimal string/],
    [null, /JSON number or a decimal string/],
    [[5], /JSON number or a decimal string/],
  ];
  for (const [item, message] of refusedItems) {
    test(`refuses ${JSON.stringify(item)} naming /numbers/1`, async () => {
      const problem = problemOf(await app.request.post('/v1/primes/check').send({ numbers: [7, item, 11] }).expect(422));
      assert.equal(problem.errors?.[0]?.pointer, '/numbers/1');
      assert.match(problem.errors?.[0]?.message ?? '', message);
      assert.match(problem.detail, /\/numbers\/1/);
    });
  }

  test('refuses an empty list, a missing field and unknown fields', async () => {
    problemOf(await app.request.post('/v1/primes/check').send({ numbers: [] }).expect(422));
    const missing = problemOf(await app.request.post('/v1/primes/check').send({}).expect(422));
    assert.equal(missing.errors?.[0]?.pointer, '/numbers');
    const unknown = problemOf(await app.request.post('/v1/primes/check').send({ numbers: [1], extra: true }).expect(422));
    assert.match(unknown.errors?.[0]?.message ?? '', /extra/);
  });

  test('refuses more numbers than the limit', async () => {
    const problem = problemOf(
      await app.request.post('/v1/primes/check').send({ numbers: Array.from({ length: 20_001 }, () => 1) }).expect(422),
    );
    assert.equal(problem.errors?.[0]?.pointer, '/numbers');
    assert.match(problem.errors?.[0]?.message ?? '', /20000/);
  });

  test('malformed JSON is a 400 problem', async () => {
    const problem = problemOf(
      await app.request.post('/v1/primes/check').set('Content-Type', 'application/json').send('{"numbers": [1,').expect(400),
    );
    assert.equal(problem.type, 'https://crunch.dev/problems/malformed-json');
  });

  test('a body that is not JSON is a 415 problem', async () => {
    const problem = problemOf(
      await app.request.post('/v1/primes/check').set('Content-Type', 'application/xml').send('<numbers/>').expect(415),
    );
    assert.match(problem.detail, /application\/json/);
  });

  test('a body over the limit is a 413 problem', async () => {
    const big = JSON.stringify({ numbers: Array.from({ length: 200_000 }, () => '1234567') });
    const problem = problemOf(
      await app.request.post('/v1/primes/check').set('Content-Type', 'application/json').send(big).expect(413),
    );
    assert.match(problem.detail, /1048576 bytes/);
  });
});

describe('unknown routes and methods', () => {
  test('404 problem for an unknown route', async () => {
    const problem = problemOf(await app.request.get('/v1/nothing-here').expect(404));
    assert.equal(problem.type, 'https://crunch.dev/problems/not-found');
  });

  test('405 problem with Allow for a wrong method', async () => {
    const response = await app.request.delete('/v1/primes/check').expect(405);
    const problem = problemOf(response);
    assert.equal(problem.type, 'https://crunch.dev/problems/method-not-allowed');
    assert.match(String(response.headers['allow']), /POST/);
  });
});
