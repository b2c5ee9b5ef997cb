import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import fc from 'fast-check';
import { type TestApp, problemOf, startTestApp } from '../helpers/app.js';
import { isPrimeReference } from '../helpers/reference.js';
import { PRIME_PI_MAX } from '../../src/compute/primes/prime-pi.js';

interface Count {
  from: string;
  to: string;
  count: string;
  method: 'sieve' | 'pi';
}

/** Plain sieve of Eratosthenes with prefix counts: the reference below its limit. */
const referenceLimit = 4_000_000;
const primesUpTo = new Uint32Array(referenceLimit + 1);
{
  const composite = new Uint8Array(referenceLimit + 1);
  let count = 0;
  for (let n = 2; n <= referenceLimit; n += 1) {
    if (composite[n] === 0) {
      count += 1;
      for (let m = n * n; m <= referenceLimit; m += n) composite[m] = 1;
    }
    primesUpTo[n] = count;
  }
}
const countBetween = (from: number, to: number): number => (primesUpTo[to] ?? 0) - (from > 0 ? (primesUpTo[from - 1] ?? 0) : 0);

/** Published values of pi(x) (OEIS A006880 and pi(2^32), pi(2^53) tables). */
const knownPi: Array<[string, string]> = [
  ['10', '4'],
  ['100', '25'],
  ['1000', '168'],
  ['10000', '1229'],
  ['100000', '9592'],
  ['1000000', '78498'],
  ['10000000', '664579'],
  ['100000000', '5761455'],
  ['1000000000', '50847534'],
  ['10000000000', '455052511'],
  ['100000000000', '4118054813'],
  ['1000000000000', '37607912018'],
  ['4294967296', '203280221'],
];

let app: TestApp;
before(() => {
  app = startTestApp({ MAX_SIEVE_WIDTH: '20000000000' });
});
after(() => app.close());

async function count(query: string, route?: string): Promise<Count> {
  const request = app.request.get(`/v1/primes/count?${query}`);
  if (route !== undefined) request.set('X-Crunch-Route', route);
  return (await request.expect(200)).body as Count;
}

describe('GET /v1/primes/count', () => {
  for (const [x, pi] of knownPi) {
    test(`pi(${x}) = ${pi}`, async () => {
      const body = await count(`to=${x}`);
      assert.deepEqual(body, { from: '0', to: x, count: pi, method: body.method });
    });
  }

  test('both methods give the known values, on the pool and inline', async () => {
    for (const [x, pi] of knownPi.filter(([x]) => BigInt(x) <= 10n ** 9n)) {
      for (const method of ['sieve', 'pi']) {
        const body = await count(`to=${x}&method=${method}`, BigInt(x) <= 10n ** 7n ? 'inline' : 'pool');
        assert.equal(body.count, pi, `${method} pi(${x})`);
        assert.equal(body.method, method);
      }
    }
  });

  test('narrow ranges are sieved, wide ones counted by pi(x)', async () => {
    assert.equal((await count('from=1000000000000&to=1000000001000')).method, 'sieve');
    assert.equal((await count('to=1000000000000')).method, 'pi');
  });

  for (const from of [0, 1, 2, 3]) {
    test(`ranges starting at ${from}, both methods`, async () => {
      for (const to of [from, 2, 3, 4, 10, 1000]) {
        if (to < from) continue;
        for (const method of ['sieve', 'pi']) {
          assert.equal((await count(`from=${from}&to=${to}&method=${method}`)).count, String(countBetween(from, to)), `[${from}, ${to}] ${method}`);
        }
      }
    });
  }

  test('random ranges agree with a plain sieve, by both methods and routes', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 0, max: referenceLimit }),
        fc.integer({ min: 0, max: referenceLimit }),
        fc.constantFrom('sieve', 'pi'),
        fc.constantFrom('inline', 'pool'),
        async (a, b, method, route) => {
          const [from, to] = a <= b ? [a, b] : [b, a];
          const body = await count(`from=${from}&to=${to}&method=${method}`, route);
          assert.equal(body.count, String(countBetween(from, to)));
        },
      ),
      { numRuns: 40 },
    );
  });

  test('sieve and pi(x) agree on random wide ranges below 10^11', async () => {
    await fc.assert(
      fc.asyncProperty(fc.bigInt({ min: 0n, max: 10n ** 11n }), fc.bigInt({ min: 0n, max: 10n ** 9n }), async (from, width) => {
        const to = from + width;
        const [sieved, counted] = await Promise.all([count(`from=${from}&to=${to}&method=sieve`), count(`from=${from}&to=${to}&method=pi`)]);
        assert.equal(sieved.count, counted.count, `[${from}, ${to}]`);
      }),
      { numRuns: 5 },
    );
  });

  const boundaries: Array<[string, bigint, bigint]> = [
    ['2^32', 2n ** 32n - 20_000n, 2n ** 32n + 20_000n],
    ['2^44', 2n ** 44n - 2_000n, 2n ** 44n + 2_000n],
    ['2^53', 2n ** 53n - 5_000n, 2n ** 53n + 5_000n],
    ['2^64', 2n ** 64n - 5_000n, 2n ** 64n - 1n],
  ];
  for (const [name, from, to] of boundaries) {
    test(`a range crossing ${name} agrees with Miller–Rabin on every number`, async () => {
      let expected = 0;
      for (let n = from; n <= to; n += 1n) if (isPrimeReference(n)) expected += 1;
      assert.equal((await count(`from=${from}&to=${to}`)).count, String(expected));
      assert.equal((await count(`from=${from}&to=${to}&method=sieve`, 'pool')).count, String(expected));
      if (to <= PRIME_PI_MAX) assert.equal((await count(`from=${from}&to=${to}&method=pi`, 'pool')).count, String(expected));
    });
  }

  test('a sieve count is sharded over the pool and adds up', async () => {
    const response = await app.request.get('/v1/primes/count?to=2000000000&method=sieve').set('X-Crunch-Route', 'pool').expect(200);
    assert.equal(response.body.count, '98222287');
    assert.equal(response.headers['x-crunch-route'], 'pool');
  });

  test('as a job, a count reports its progress per shard', async () => {
    for (const [method, phase] of [['sieve', 'sieve'], ['pi', 'pi']]) {
      const accepted = await app.request.get(`/v1/primes/count?to=2000000000&method=${method}`).set('Prefer', 'respond-async').expect(202);
      type Job = { status: string; result?: Count; progress: { phase: string; done: number; total: number } | null };
      let job = accepted.body as Job;
      for (let attempt = 0; attempt < 500 && !['succeeded', 'failed'].includes(job.status); attempt += 1) {
        await new Promise((resolve) => setTimeout(resolve, 20));
        job = (await app.request.get(accepted.headers['location'] as string).expect(200)).body as Job;
      }
      assert.equal(job.status, 'succeeded');
      assert.equal(job.result?.count, '98222287');
      assert.equal(job.progress?.phase, phase);
      assert.ok((job.progress?.total ?? 0) >= 2, 'more than one shard');
      assert.equal(job.progress?.done, job.progress?.total);
    }
  });

  const refused: Array<[string, string, RegExp]> = [
    ['from=10&to=5', '#/query/from', /greater than to=5/],
    ['from=0', '#/query/to', /./],
    ['from=-1&to=10', '#/query/from', /negative/],
    ['to=10.5', '#/query/to', /whole number/],
    ['to=1e6', '#/query/to', /whole number/],
    ['to=18446744073709551616', '#/query/to', /65 bits/],
    ['to=10&method=magic', '#/query/method', /./],
  ];
  for (const [query, pointer, message] of refused) {
    test(`refuses ${query} naming ${pointer}`, async () => {
      const problem = problemOf(await app.request.get(`/v1/primes/count?${query}`).expect(422));
      assert.equal(problem.errors?.[0]?.pointer, pointer);
      assert.match(problem.errors?.[0]?.message ?? '', message);
    });
  }

  test('work beyond both limits is refused, naming the limits', async () => {
    const above = PRIME_PI_MAX + 1n;
    const wide = problemOf(await app.request.get(`/v1/primes/count?from=0&to=${above}`).expect(422));
    assert.equal(wide.type, 'https://crunch.dev/problems/too-costly');
    assert.match(wide.detail, /20000000000 numbers wide/);
    assert.ok(wide.detail.includes(String(PRIME_PI_MAX)), wide.detail);
    const sieve = problemOf(await app.request.get('/v1/primes/count?to=20000000000&method=sieve').expect(422));
    assert.equal(sieve.type, 'https://crunch.dev/problems/too-costly');
    assert.match(sieve.detail, /MAX_SIEVE_WIDTH/);
    const pi = problemOf(await app.request.get(`/v1/primes/count?from=${above}&to=${above + 1n}&method=pi`).expect(422));
    assert.equal(pi.type, 'https://crunch.dev/problems/too-costly');
    // Without method=pi the same narrow range is simply sieved.
    assert.equal((await count(`from=${above}&to=${above + 100n}`)).method, 'sieve');
  });
});
