/**
 * Tenants: with API keys configured, every /v1 call needs a key, a key names a tenant, and a
 * tenant can see, cancel or slow down none of another tenant's work. Two tenants, a real
 * pool, and (where jobs are involved) both job modes.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, test } from 'node:test';
import { ConfigError, loadConfig } from '../../src/config.js';
import { type JobMode, type TestApp, jobModes, problemOf, skipMode, startModeApp, startTestApp } from '../helpers/app.js';

const aliceKey = 'alice-secret-key-0123456789';
const bobKey = 'bob-secret-key-9876543210';
/** Bob's entry gives only the SHA-256 of his key, as a deployment that stores no secrets would. */
const keys = `alice:${aliceKey},bob:sha256:${createHash('sha256').update(bobKey).digest('hex')}`;
const as = (key: string) => ({ Authorization: `Bearer ${key}` });

/** About 50 ms of BPSW per number on one thread: a check heavy enough to queue behind. */
const heavy = { numbers: Array.from({ length: 6 }, () => (2n ** 2203n - 1n).toString()) };

describe('API keys', () => {
  let app: TestApp;
  before(() => {
    app = startTestApp({ API_KEYS: keys });
  });
  after(() => app.close());

  test('a /v1 call without a key, or with a wrong one, is a 401 problem with WWW-Authenticate; the key is never echoed', async () => {
    const missing = await app.request.get('/v1/primes/97').expect(401);
    assert.equal(problemOf(missing).type, 'https://crunch.dev/problems/unauthorized');
    assert.equal(missing.headers['www-authenticate'], 'Bearer realm="crunch"');
    const wrong = await app.request.get('/v1/primes/97').set(as('not-a-key-of-anyone-at-all')).expect(401);
    assert.match(String(wrong.headers['www-authenticate']), /error="invalid_token"/);
    assert.doesNotMatch(wrong.text, /not-a-key/);
    const malformed = await app.request.get('/v1/jobs').set('Authorization', `Basic ${aliceKey}`).expect(401);
    assert.doesNotMatch(malformed.text, new RegExp(aliceKey));
    await app.request.post('/v1/primes/check').send({ numbers: [7] }).expect(401);
  });

  test('a key (plain or given by its SHA-256) names its tenant; health, readiness and the contract stay open; /metrics needs a key', async () => {
    assert.deepEqual((await app.request.get('/v1/primes/97').set(as(aliceKey)).expect(200)).body.prime, true);
    assert.deepEqual((await app.request.get('/v1/primes/97').set(as(bobKey)).expect(200)).body.prime, true);
    await app.request.get('/healthz').expect(200);
    await app.request.get('/readyz').expect(200);
    await app.request.get('/openapi.json').expect(200);
    await app.request.get('/docs').expect(200);
    problemOf(await app.request.get('/metrics').expect(401));
    await app.request.get('/metrics').set(as(bobKey)).expect(200);
  });

  test('METRICS_OPEN lets a scraper without a key read /metrics', async () => {
    const open = startTestApp({ API_KEYS: keys, METRICS_OPEN: 'true' });
    try {
      await open.request.get('/metrics').expect(200);
      await open.request.get('/v1/primes/97').expect(401);
    } finally {
      await open.close();
    }
  });
});

describe('key configuration', () => {
  test('API_KEYS_FILE holds one entry per line, comments and blank lines allowed', () => {
    const file = join(mkdtempSync(join(tmpdir(), 'crunch-keys-')), 'keys');
    writeFileSync(file, `# tenants of the test\n\ncarol:${'c'.repeat(20)}\n  dave:sha256:${'ab'.repeat(32)}  \n`);
    const config = loadConfig({ API_KEYS_FILE: file, API_KEYS: `erin:${'e'.repeat(16)}` });
    assert.deepEqual(config.tenants.keys.map((key) => key.tenant).sort(), ['carol', 'dave', 'erin']);
  });

  test('bad entries stop the server with what is wrong and where, never the key', () => {
    const cases: Array<[Record<string, string>, RegExp]> = [
      [{ API_KEYS: 'nocolon' }, /API_KEYS entry 1: write tenant:key/],
      [{ API_KEYS: 'alice:short' }, /at least 16 characters/],
      [{ API_KEYS: 'alice:sha256:xyz' }, /64 hex digits/],
      [{ API_KEYS: `a:${'k'.repeat(16)},b:${'k'.repeat(16)}` }, /tenant b has the same key as tenant a/],
      [{ API_KEYS: `bad name:${'k'.repeat(16)}` }, /API_KEYS entry 1/],
      [{ API_KEYS_FILE: '/nonexistent/keys' }, /API_KEYS_FILE: cannot read \/nonexistent\/keys/],
    ];
    for (const [environment, message] of cases) {
      assert.throws(
        () => loadConfig(environment),
        (error: unknown) => error instanceof ConfigError && message.test(error.message) && !error.message.includes('k'.repeat(16)),
        JSON.stringify(environment),
      );
    }
  });
});

function ownership(mode: JobMode): void {
  describe(`jobs belong to their tenant (${mode})`, { skip: skipMode(mode) }, () => {
    let app: TestApp;
    before(async () => {
      app = await startModeApp(mode, { API_KEYS: keys });
    });
    after(() => app.close());

    test('another tenant gets 404 on GET, DELETE and /events, and does not see the job in its list', async () => {
      const accepted = await app.request.post('/v1/primes/check').set(as(aliceKey)).set('Prefer', 'respond-async').send(heavy).expect(202);
      const location = accepted.headers['location'] as string;
      for (const response of [
        await app.request.get(location).set(as(bobKey)),
        await app.request.delete(location).set(as(bobKey)),
        await app.request.get(`${location}/events`).set(as(bobKey)),
      ]) {
        assert.equal(response.status, 404);
        assert.equal(problemOf(response).type, 'https://crunch.dev/problems/job-not-found');
      }
      const bobs = await app.request.get('/v1/jobs').set(as(bobKey)).expect(200);
      assert.deepEqual(bobs.body.jobs, []);
      const alices = await app.request.get('/v1/jobs').set(as(aliceKey)).expect(200);
      assert.deepEqual((alices.body.jobs as Array<{ id: string }>).map((job) => job.id), [accepted.body.id]);
      assert.equal(alices.body.jobs[0].tenant, undefined, 'a job does not show whose it is');
      // Bob's DELETE did not touch it; Alice's does.
      assert.notEqual((await app.request.get(location).set(as(aliceKey)).expect(200)).body.status, 'cancelled');
      assert.equal((await app.request.delete(location).set(as(aliceKey)).expect(200)).body.status, 'cancelled');
    });

    test('an Idempotency-Key is scoped to its tenant: the same key from two tenants makes two jobs, no conflict', async () => {
      const submit = (key: string, numbers: number[]) =>
        app.request.post('/v1/primes/check').set(as(key)).set('Prefer', 'wait=5').set('Idempotency-Key', 'shared-key').send({ numbers });
      const alice = await submit(aliceKey, [5]).expect(200);
      const bob = await submit(bobKey, [6, 7]).expect(200);
      assert.notEqual(alice.headers['content-location'], bob.headers['content-location']);
      assert.equal(bob.body.count, 2);
      const again = await submit(aliceKey, [5]).expect(200);
      assert.equal(again.headers['content-location'], alice.headers['content-location']);
      assert.equal(again.headers['idempotent-replayed'], 'true');
    });
  });

  describe(`active jobs per tenant (${mode})`, { skip: skipMode(mode) }, () => {
    let app: TestApp;
    before(async () => {
      app = await startModeApp(mode, { API_KEYS: keys, TENANT_MAX_ACTIVE_JOBS: '1', JOB_CONCURRENCY: '1' });
    });
    after(() => app.close());

    test('beyond TENANT_MAX_ACTIVE_JOBS that tenant, and only that one, gets 429 quota-exceeded with Retry-After', async () => {
      const first = await app.request.post('/v1/primes/check').set(as(aliceKey)).set('Prefer', 'respond-async').send(heavy).expect(202);
      const refused = await app.request.post('/v1/primes/check').set(as(aliceKey)).set('Prefer', 'respond-async').send(heavy).expect(429);
      assert.equal(problemOf(refused).type, 'https://crunch.dev/problems/quota-exceeded');
      assert.ok(Number(refused.headers['retry-after']) > 0);
      const bobs = await app.request.post('/v1/primes/check').set(as(bobKey)).set('Prefer', 'respond-async').send({ numbers: [7] }).expect(202);
      await app.request.delete(first.headers['location'] as string).set(as(aliceKey)).expect(200);
      await app.request.delete(bobs.headers['location'] as string).set(as(bobKey));
      // Once Alice's job settled, she may submit again.
      for (let attempt = 0; ; attempt += 1) {
        const again = await app.request.get('/v1/primes/97').set(as(aliceKey)).set('Prefer', 'respond-async');
        if (again.status === 202) break;
        assert.ok(attempt < 50, `still ${again.status}: ${again.text}`);
        await sleep(50);
      }
    });
  });
}

for (const mode of jobModes) ownership(mode);

describe('rate limits', () => {
  let app: TestApp;
  before(() => {
    app = startTestApp({ API_KEYS: keys, RATE_LIMIT_PER_MINUTE: '60', RATE_LIMIT_BURST: '3' });
  });
  after(() => app.close());

  test('a burst beyond the bucket gets 429 rate-limited with Retry-After; every response carries RateLimit-Policy and RateLimit', async () => {
    const remaining: string[] = [];
    for (let index = 0; index < 3; index += 1) {
      const response = await app.request.get('/v1/primes/97').set(as(aliceKey)).expect(200);
      assert.equal(response.headers['ratelimit-policy'], '"default";q=60;w=60');
      remaining.push(String(response.headers['ratelimit']));
    }
    assert.deepEqual(
      remaining.map((field) => /r=(\d+)/.exec(field)?.[1]),
      ['2', '1', '0'],
    );
    const limited = await app.request.get('/v1/primes/97').set(as(aliceKey)).expect(429);
    assert.equal(problemOf(limited).type, 'https://crunch.dev/problems/rate-limited');
    assert.ok(Number(limited.headers['retry-after']) >= 1);
    assert.match(String(limited.headers['ratelimit']), /^"default";r=0;t=\d+$/);
    // One tenant's burst never limits another.
    const bob = await app.request.get('/v1/primes/97').set(as(bobKey)).expect(200);
    assert.match(String(bob.headers['ratelimit']), /r=2/);
    // Health checks are not counted.
    for (let index = 0; index < 5; index += 1) await app.request.get('/healthz').expect(200);
  });
});

describe('fair share of the pool', () => {
  let app: TestApp;
  before(async () => {
    // One thread, and room for Alice's whole flood: only the turn-taking protects Bob.
    app = startTestApp({ API_KEYS: keys, POOL_THREADS: '1', TENANT_MAX_BACKLOG_MS: '600000', POOL_MAX_BACKLOG_MS: '600000' });
    await app.request.post('/v1/primes/check').set(as(bobKey)).send(heavy).expect(200);
  });
  after(() => app.close());

  test("one tenant's flood does not starve another: Bob's check under Alice's 16 in flight stays within a few times idle", async () => {
    const timed = async (): Promise<number> => {
      const startedAt = performance.now();
      await app.request.post('/v1/primes/check').set(as(bobKey)).set('X-Crunch-Route', 'pool').send(heavy).expect(200);
      return performance.now() - startedAt;
    };
    const idle = Math.min(await timed(), await timed());
    // `then` starts each request now (supertest sends only when awaited).
    const flood = Array.from({ length: 16 }, () =>
      app.request.post('/v1/primes/check').set(as(aliceKey)).set('X-Crunch-Route', 'pool').send(heavy).then((response) => response),
    );
    while (app.services.pool.queuedIn('alice') < 8) await sleep(5);
    const loaded = await timed();
    // First come, first served it would wait for all 16 (about 16x); taking turns, for about one.
    assert.ok(loaded < idle * 5, `idle ${idle.toFixed(0)} ms, under the flood ${loaded.toFixed(0)} ms`);
    assert.ok(app.services.pool.queuedIn('alice') > 0, 'the flood was still queued when Bob was served');
    for (const response of await Promise.all(flood)) assert.equal(response.status, 200);
  });

  test('a tenant over its share of the backlog gets 429 quota-exceeded; the other tenant is still admitted', async () => {
    const tight = startTestApp({ API_KEYS: keys, POOL_THREADS: '1', TENANT_MAX_BACKLOG_MS: '1', POOL_MAX_BACKLOG_MS: '600000' });
    try {
      const first = tight.request.post('/v1/primes/check').set(as(aliceKey)).set('X-Crunch-Route', 'pool').send(heavy);
      const firstDone = first.then((response) => response.status);
      while (tight.services.dispatcher.admission.tenantBacklogMs('alice') === 0) await sleep(2);
      const refused = await tight.request.post('/v1/primes/check').set(as(aliceKey)).set('X-Crunch-Route', 'pool').send(heavy).expect(429);
      assert.equal(problemOf(refused).type, 'https://crunch.dev/problems/quota-exceeded');
      await tight.request.post('/v1/primes/check').set(as(bobKey)).set('X-Crunch-Route', 'pool').send(heavy).expect(200);
      assert.equal(await firstDone, 200);
    } finally {
      await tight.close();
    }
  });
});
