import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import fc from 'fast-check';
import { type TestApp, problemOf, startTestApp } from '../helpers/app.js';
import { isPrimeReference } from '../helpers/reference.js';

interface Page {
  from: string;
  to: string;
  count: number;
  primes: string[];
  cursor: string | null;
  next: string | null;
}

/** Plain sieve of Eratosthenes, the reference for ranges below its limit. */
const referenceLimit = 2_000_000;
const composite = new Uint8Array(referenceLimit + 1);
composite[0] = 1;
composite[1] = 1;
for (let p = 2; p * p <= referenceLimit; p += 1) {
  if (composite[p] === 0) for (let m = p * p; m <= referenceLimit; m += p) composite[m] = 1;
}
function primesBetween(from: number, to: number): string[] {
  const found: string[] = [];
  for (let n = from; n <= to; n += 1) if (composite[n] === 0) found.push(String(n));
  return found;
}
/** Reference for ranges anywhere below 2^64: Miller–Rabin on every number, written in the test helpers. */
function primesBetweenBig(from: bigint, to: bigint): string[] {
  const found: string[] = [];
  for (let n = from; n <= to; n += 1n) if (isPrimeReference(n)) found.push(n.toString());
  return found;
}

let app: TestApp;
before(() => {
  app = startTestApp({ MAX_LIST_PAGE: '5000' });
});
after(() => app.close());

async function page(query: string, route?: string): Promise<Page> {
  const request = app.request.get(`/v1/primes?${query}`);
  if (route !== undefined) request.set('X-Crunch-Route', route);
  const response = await request.expect(200);
  const body = response.body as Page;
  assert.equal(body.count, body.primes.length);
  if (body.next === null) assert.equal(response.headers['link'], undefined);
  else assert.equal(response.headers['link'], `<${body.next}>; rel="next"`);
  return body;
}

/** Follows `next` links from the first page to the end, returning every prime seen. */
async function walk(query: string, route?: string): Promise<{ primes: string[]; pages: number }> {
  const primes: string[] = [];
  let body = await page(query, route);
  let pages = 1;
  primes.push(...body.primes);
  while (body.next !== null) {
    assert.ok(body.cursor !== null);
    body = await page(body.next.slice('/v1/primes?'.length), route);
    pages += 1;
    primes.push(...body.primes);
    assert.ok(pages < 10_000, 'paging does not end');
  }
  return { primes, pages };
}

describe('GET /v1/primes', () => {
  test('the primes up to 100, as decimal strings', async () => {
    const body = await page('to=100');
    assert.deepEqual(body.primes, primesBetween(0, 100));
    assert.equal(body.from, '0');
    assert.equal(body.to, '100');
    assert.equal(body.cursor, null);
    assert.equal(body.next, null);
  });

  for (const from of [0, 1, 2, 3]) {
    test(`ranges starting at ${from}`, async () => {
      for (const to of [from, from + 1, 2, 3, 10, 1000]) {
        if (to < from) continue;
        const body = await page(`from=${from}&to=${to}`);
        assert.deepEqual(body.primes, primesBetween(from, to), `[${from}, ${to}]`);
      }
    });
  }

  test('random ranges and page sizes agree with a plain sieve, walked page by page on every route', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 0, max: referenceLimit - 1 }),
        // Widths of up to ~30 pages, from a few primes to thousands.
        fc.integer({ min: 1, max: 5000 }).chain((limit) => fc.tuple(fc.constant(limit), fc.integer({ min: 0, max: 30 * limit * 8 }))),
        fc.constantFrom('inline', 'pool'),
        async (from, [limit, width], route) => {
          const to = Math.min(referenceLimit, from + width);
          const { primes, pages } = await walk(`from=${from}&to=${to}&limit=${limit}`, route);
          const expected = primesBetween(from, to);
          assert.deepEqual(primes, expected);
          assert.ok(pages <= Math.max(1, Math.ceil(expected.length / limit)) + 1);
        },
      ),
      { numRuns: 30 },
    );
  });

  test('a walk over [0, 2 000 000] in pages of 5000 has no gaps or duplicates', async () => {
    const { primes, pages } = await walk(`from=0&to=${referenceLimit}&limit=5000`);
    assert.deepEqual(primes, primesBetween(0, referenceLimit));
    assert.equal(pages, Math.ceil(primes.length / 5000));
  });

  test('a large page on the pool, sharded, equals the same page inline', async () => {
    const query = 'from=1152921504606846976&to=1152921504706846976&limit=5000';
    const pooled = await page(query, 'pool');
    const inline = await page(query, 'inline');
    assert.deepEqual(pooled, inline);
    assert.equal(pooled.count, 5000);
    for (const prime of pooled.primes.slice(0, 50)) assert.ok(isPrimeReference(BigInt(prime)), prime);
  });

  const boundaries: Array<[string, bigint, bigint]> = [
    ['2^32', 2n ** 32n - 3000n, 2n ** 32n + 3000n],
    ['2^44 (where Miller–Rabin confirms the sieve)', 2n ** 44n - 2000n, 2n ** 44n + 2000n],
    ['2^53', 2n ** 53n - 3000n, 2n ** 53n + 3000n],
    ['2^64', 2n ** 64n - 3000n, 2n ** 64n - 1n],
  ];
  for (const [name, from, to] of boundaries) {
    test(`a range crossing ${name} agrees with Miller–Rabin on every number`, async () => {
      const expected = primesBetweenBig(from, to);
      assert.deepEqual((await walk(`from=${from}&to=${to}&limit=17`)).primes, expected);
      assert.deepEqual((await page(`from=${from}&to=${to}`, 'pool')).primes, expected);
    });
  }

  test('`after` starts strictly past a number, `to` inclusive', async () => {
    assert.deepEqual((await page('after=7&to=29')).primes, ['11', '13', '17', '19', '23', '29']);
    assert.deepEqual((await page('after=29&to=29')).primes, []);
    assert.deepEqual((await page('after=18446744073709551615&to=18446744073709551615')).primes, []);
  });

  test('a cursor continues the same range; `to` with it must match', async () => {
    const first = await page('from=0&to=1000&limit=10');
    assert.deepEqual(first.primes, primesBetween(0, 29));
    const second = await page(`cursor=${first.cursor}&limit=10&to=1000`);
    assert.equal(second.primes[0], '31');
    assert.equal(second.to, '1000');
    const problem = problemOf(await app.request.get(`/v1/primes?cursor=${first.cursor}&to=999`).expect(422));
    assert.equal(problem.errors?.[0]?.pointer, '#/query/to');
  });

  const refused: Array<[string, string, RegExp]> = [
    ['from=10&to=5', '#/query/from', /greater than to=5/],
    ['from=0', '#/query/to', /required/],
    ['to=18446744073709551616', '#/query/to', /65 bits.*2\^64 - 1/],
    ['from=-1&to=10', '#/query/from', /negative/],
    ['to=1.5', '#/query/to', /whole number/],
    ['to=1e9', '#/query/to', /whole number/],
    ['to=abc', '#/query/to', /not a decimal integer/],
    ['to=100&limit=0', '#/query/limit', /1 to 5000/],
    ['to=100&limit=5001', '#/query/limit', /1 to 5000/],
    ['to=100&limit=2.5', '#/query/limit', /1 to 5000/],
    ['to=100&from=1&after=1', '#/query/after', /from/],
    ['cursor=garbage', '#/query/cursor', /previous page/],
    ['cursor=p1.bm9wZQ', '#/query/cursor', /previous page/],
    ['cursor=p1.MToy&from=1', '#/query/from', /cursor/],
  ];
  for (const [query, pointer, message] of refused) {
    test(`refuses ${query} naming ${pointer}`, async () => {
      const problem = problemOf(await app.request.get(`/v1/primes?${query}`).expect(422));
      assert.equal(problem.type, 'https://crunch.dev/problems/validation-failed');
      assert.equal(problem.errors?.[0]?.pointer, pointer);
      assert.match(problem.errors?.[0]?.message ?? '', message);
    });
  }

  test('the streamed page is the same JSON as the page a job stores', async () => {
    for (const query of ['from=0&to=1000000&limit=5000', 'from=18446744073709550000&to=18446744073709551615&limit=7', 'from=8&to=10']) {
      const sync = await app.request.get(`/v1/primes?${query}`).expect(200);
      const accepted = await app.request.get(`/v1/primes?${query}`).set('Prefer', 'respond-async').expect(202);
      let job = accepted.body as { status: string; result?: unknown };
      for (let attempt = 0; attempt < 200 && !['succeeded', 'failed'].includes(job.status); attempt += 1) {
        await new Promise((resolve) => setTimeout(resolve, 20));
        job = (await app.request.get(accepted.headers['location'] as string).expect(200)).body as typeof job;
      }
      assert.equal(job.status, 'succeeded');
      assert.deepEqual(job.result, sync.body, query);
    }
  });

  test('the default page size is the configured maximum, so a huge range is paged, never unbounded', async () => {
    const body = await page('from=0&to=18446744073709551615');
    assert.equal(body.count, 5000);
    assert.ok(body.next !== null);
  });
});
