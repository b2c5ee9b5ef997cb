/**
 * Stored functions: POST compiles once and stores, GET reads and lists, DELETE removes; every
 * lookup is the caller's tenant's; the store is bounded in count and bytes per tenant. The
 * two stores (memory, Redis) are held to the same table of cases; the HTTP tests run on the
 * real app, and tenants are set the way the API-key middleware will set them (`c.var.tenant`).
 */
import assert from 'node:assert/strict';
import { OpenAPIHono } from '@hono/zod-openapi';
import { Redis } from 'ioredis';
import { pino } from 'pino';
import { after, before, describe, test } from 'node:test';
import { RedisFunctionStore } from '../../src/distributed/functions.js';
import { redisKeys } from '../../src/distributed/redis.js';
import { registerFunctionRoutes } from '../../src/features/functions/routes.js';
import { registerMapReduceRoutes } from '../../src/features/mapreduce/routes.js';
import { FunctionStoreFullError } from '../../src/functions/errors.js';
import { MemoryFunctionStore } from '../../src/functions/memory-store.js';
import type { FunctionStore, StoredFunction } from '../../src/functions/types.js';
import type { AppEnv } from '../../src/http/env.js';
import { handleError } from '../../src/http/errors.js';
import { validationProblem } from '../../src/http/problems.js';
import { creditRequestBodies } from '../../src/http/upload.js';
import { zodFieldErrors } from '../../src/inputs/zod-issues.js';
import { closeServices, createServices, type Services } from '../../src/services.js';
import { type TestApp, problemOf, startTestApp, testConfig } from '../helpers/app.js';
import { testRedis } from '../helpers/services.js';

const COUNT = 'function reduce(key, values) { return values.length; }';
const MAP = 'function map(d, emit) { emit(d, 1); }';
const type = (name: string) => `https://crunch.dev/problems/${name}`;

describe('/v1/functions', () => {
  let app: TestApp;
  before(() => {
    app = startTestApp({ FUNCTIONS_MAX_PER_TENANT: '3', FUNCTIONS_MAX_BYTES_PER_TENANT: '2048' });
  });
  after(() => app.close());

  test('store, read, list, invoke, delete', async () => {
    const stored = await app.request
      .post('/v1/functions')
      .send({ name: 'count', map: MAP, combine: COUNT.replace('reduce', 'combine'), reduce: 'function reduce(key, values) { return values.reduce((a, b) => a + b, 0); }' })
      .expect(201);
    const { id } = stored.body as { id: string };
    assert.match(id, /^[A-Za-z0-9_-]{22}$/);
    assert.equal(stored.headers['location'], `/v1/functions/${id}`);
    assert.match(stored.body.digest, /^[0-9a-f]{64}$/);
    assert.equal(stored.body.name, 'count');
    const read = await app.request.get(`/v1/functions/${id}`).expect(200);
    assert.deepEqual(read.body, stored.body);
    const list = await app.request.get('/v1/functions').expect(200);
    assert.deepEqual(list.body.functions.map((f: { id: string }) => f.id), [id]);
    assert.equal(list.body.functions[0].map, undefined, 'the list leaves sources out');
    const ran = await app.request.post('/v1/mapreduce').send({ job: 'custom', function: id, documents: ['a', 'b', 'a'] }).expect(200);
    assert.deepEqual(ran.body.results, [{ key: 'a', value: 2 }, { key: 'b', value: 1 }]);
    await app.request.delete(`/v1/functions/${id}`).expect(204);
    assert.equal(problemOf(await app.request.get(`/v1/functions/${id}`).expect(404)).type, type('function-not-found'));
    problemOf(await app.request.delete(`/v1/functions/${id}`).expect(404));
    problemOf(await app.request.post('/v1/mapreduce').send({ job: 'custom', function: id, documents: ['a'] }).expect(404));
  });

  test('sources are compiled when stored: a syntax error is a 422 with line and column, and nothing is stored', async () => {
    const before = (await app.request.get('/v1/functions').expect(200)).body.functions.length;
    const syntax = await app.request.post('/v1/functions').send({ name: 'bad', map: 'function map(d, emit) {\n\n  emit(d, 1));\n}', reduce: COUNT }).expect(422);
    const problem = problemOf(syntax) as ReturnType<typeof problemOf> & Record<string, unknown>;
    assert.equal(problem.type, type('sandbox-syntax'));
    assert.deepEqual([problem['function'], problem['line'], problem['column']], ['map', 3, 13]);
    const undefinedName = await app.request.post('/v1/functions').send({ name: 'bad', map: 'function mapper(d, emit) {}', reduce: COUNT }).expect(422);
    assert.match(problemOf(undefinedName).detail, /must define function map/);
    const topLevel = await app.request.post('/v1/functions').send({ name: 'bad', map: 'null.x;\nfunction map(d, emit) {}', reduce: COUNT }).expect(422);
    assert.equal(problemOf(topLevel).type, type('sandbox-exception'));
    assert.equal((await app.request.get('/v1/functions').expect(200)).body.functions.length, before);
  });

  test('bodies are checked: fields, sizes, media type', async () => {
    const cases: Array<[unknown, string]> = [
      [{ map: MAP, reduce: COUNT }, '/name'],
      [{ name: 'x', reduce: COUNT }, '/map'],
      [{ name: 'x', map: MAP }, '/reduce'],
      [{ name: '', map: MAP, reduce: COUNT }, '/name'],
      [{ name: 'x', map: MAP, reduce: COUNT, extra: 1 }, ''],
    ];
    for (const [body, pointer] of cases) {
      const problem = problemOf(await app.request.post('/v1/functions').send(body as object).expect(422));
      assert.ok(problem.errors?.some((error) => error.pointer === pointer), `${JSON.stringify(body)}: ${JSON.stringify(problem.errors)}`);
    }
    const big = await app.request.post('/v1/functions').send({ name: 'x', map: `${MAP}//${'x'.repeat(70_000)}`, reduce: COUNT }).expect(422);
    const problem = problemOf(big) as ReturnType<typeof problemOf> & Record<string, unknown>;
    assert.equal(problem.type, type('sandbox-limit'));
    assert.deepEqual([problem['limit'], problem['function'], problem['maximum']], ['source', 'map', 64 * 1024]);
    problemOf(await app.request.post('/v1/functions').set('Content-Type', 'text/plain').send('x').expect(415));
    problemOf(await app.request.get('/v1/functions/not%20an%20id').expect(422));
  });

  test('the store is bounded per tenant in count and bytes (422), and deleting makes room', async () => {
    for (const stored of (await app.request.get('/v1/functions').expect(200)).body.functions) await app.request.delete(stored.links.self).expect(204);
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) ids.push((await app.request.post('/v1/functions').send({ name: `f${i}`, map: MAP, reduce: COUNT }).expect(201)).body.id);
    const full = await app.request.post('/v1/functions').send({ name: 'f3', map: MAP, reduce: COUNT }).expect(422);
    const problem = problemOf(full) as ReturnType<typeof problemOf> & Record<string, unknown>;
    assert.equal(problem.type, type('function-store-full'));
    assert.deepEqual([problem['limit'], problem['maximum']], ['count', 3]);
    assert.deepEqual((await app.request.get('/v1/functions').expect(200)).body.functions.map((f: { id: string }) => f.id), [...ids].reverse());
    await app.request.delete(`/v1/functions/${ids[0]}`).expect(204);
    const heavy = await app.request.post('/v1/functions').send({ name: 'heavy', map: `${MAP}//${'x'.repeat(1800)}`, reduce: COUNT }).expect(422);
    assert.equal((problemOf(heavy) as Record<string, unknown>)['limit'], 'bytes');
    await app.request.post('/v1/functions').send({ name: 'fits', map: MAP, reduce: COUNT }).expect(201);
  });
});

/** The function and map-reduce routes behind a stand-in for the API-key middleware: the tenant comes from a header. */
function tenantApp(services: Services): OpenAPIHono<AppEnv> {
  const app = new OpenAPIHono<AppEnv>({
    defaultHook: (result) => {
      if (!result.success) throw validationProblem(zodFieldErrors(result.error, result.target));
    },
  });
  const logger = pino({ level: 'silent' });
  app.use(async (c, next) => {
    c.set('requestId', 'test');
    c.set('log', logger);
    c.set('tenant', c.req.header('x-test-tenant') ?? '');
    await next();
  });
  app.use(creditRequestBodies());
  registerFunctionRoutes(app, services);
  registerMapReduceRoutes(app, services);
  app.onError(handleError);
  return app;
}

function tenantSuite(mode: 'embedded' | 'distributed'): void {
  describe(`functions belong to their tenant (${mode})`, { skip: mode === 'distributed' ? testRedis.skip : false }, () => {
    let services: Services;
    let app: OpenAPIHono<AppEnv>;
    const prefix = `test-fn-${process.pid}`;
    before(async () => {
      services = createServices(testConfig(mode === 'distributed' ? { REDIS_URL: testRedis.address(), REDIS_PREFIX: prefix } : {}));
      await services.ready;
      app = tenantApp(services);
    });
    after(async () => {
      if (mode === 'distributed') await deleteKeys(prefix);
      await closeServices(services);
    });

    const call = (tenant: string, method: string, path: string, body?: unknown) =>
      app.request(path, {
        method,
        headers: { 'x-test-tenant': tenant, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });

    test('another tenant gets 404 on read, delete and invoke, and does not see it listed', async () => {
      const stored = await call('acme', 'POST', '/v1/functions', { name: 'mine', map: MAP, reduce: COUNT });
      assert.equal(stored.status, 201);
      const { id } = (await stored.json()) as { id: string };
      assert.equal((await call('acme', 'GET', `/v1/functions/${id}`)).status, 200);
      for (const other of ['globex', '']) {
        assert.equal((await call(other, 'GET', `/v1/functions/${id}`)).status, 404);
        assert.equal((await call(other, 'DELETE', `/v1/functions/${id}`)).status, 404);
        assert.equal((await call(other, 'POST', '/v1/mapreduce', { job: 'custom', function: id, documents: ['a'] })).status, 404);
        const upload = await app.request(`/v1/mapreduce?job=custom&function=${id}`, { method: 'POST', headers: { 'x-test-tenant': other, 'content-type': 'text/plain' }, body: 'a\n' });
        assert.equal(upload.status, 404);
        assert.deepEqual(((await (await call(other, 'GET', '/v1/functions')).json()) as { functions: unknown[] }).functions, []);
      }
      const ran = await call('acme', 'POST', '/v1/mapreduce', { job: 'custom', function: id, documents: ['a', 'a'] });
      assert.deepEqual(((await ran.json()) as { results: unknown }).results, [{ key: 'a', value: 2 }]);
      assert.equal((await call('acme', 'DELETE', `/v1/functions/${id}`)).status, 204);
    });
  });
}

for (const mode of ['embedded', 'distributed'] as const) tenantSuite(mode);

async function deleteKeys(prefix: string): Promise<void> {
  const redis = new Redis(testRedis.address());
  try {
    const keys = await redis.keys(`${prefix}:*`);
    if (keys.length > 0) await redis.del(...keys);
  } finally {
    redis.disconnect();
  }
}

function storeSuite(name: string, make: () => Promise<{ store: FunctionStore; close(): Promise<void> }>, skip: string | false): void {
  describe(`the ${name} function store`, { skip }, () => {
    let store: FunctionStore;
    let close: () => Promise<void>;
    before(async () => {
      ({ store, close } = await make());
    });
    after(() => close());

    const make1 = (tenant: string, id: string, bytes = 10): StoredFunction => ({
      id,
      tenant,
      name: id,
      functions: { map: MAP, reduce: COUNT },
      digest: 'd',
      bytes,
      createdAt: new Date().toISOString(),
    });

    test('scopes by tenant, lists newest first, bounds count and bytes per tenant, and frees on delete', async () => {
      const one = make1('a', 'one');
      await store.insert(one);
      await store.insert(make1('a', 'two'));
      await store.insert(make1('b:x', 'one', 95));
      assert.deepEqual((await store.list('a')).map((f) => f.id), ['two', 'one']);
      assert.deepEqual(await store.get('a', 'one'), one);
      assert.equal(await store.get('b', 'one'), undefined);
      assert.equal((await store.get('b:x', 'one'))?.bytes, 95);
      assert.equal(await store.get('b:x', 'two'), undefined);
      // count: at most 3 per tenant
      await store.insert(make1('a', 'three'));
      await assert.rejects(store.insert(make1('a', 'four')), (error) => error instanceof FunctionStoreFullError && error.limit === 'count' && error.maximum === 3);
      // bytes: at most 100 per tenant
      await assert.rejects(store.insert(make1('b:x', 'two', 6)), (error) => error instanceof FunctionStoreFullError && error.limit === 'bytes' && error.used === 101);
      await store.insert(make1('b:x', 'two', 5));
      assert.equal(await store.delete('a', 'nope'), false);
      assert.equal(await store.delete('b', 'one'), false);
      assert.equal(await store.delete('b:x', 'one'), true);
      assert.equal(await store.delete('b:x', 'one'), false);
      await store.insert(make1('b:x', 'big', 95));
      assert.deepEqual((await store.list('b:x')).map((f) => f.id), ['big', 'two']);
      assert.equal(await store.delete('a', 'two'), true);
      await store.insert(make1('a', 'four'));
      assert.deepEqual((await store.list('a')).map((f) => f.id), ['four', 'three', 'one']);
      assert.deepEqual(await store.list('nobody'), []);
    });
  });
}

const limits = { maxPerTenant: 3, maxBytesPerTenant: 100 };
storeSuite('memory', async () => ({ store: new MemoryFunctionStore(limits), close: async () => undefined }), false);
storeSuite(
  'Redis',
  async () => {
    const redis = new Redis(testRedis.address());
    const prefix = `test-store-${process.pid}`;
    return {
      store: new RedisFunctionStore(redis, redisKeys(prefix), limits),
      async close() {
        await deleteKeys(prefix);
        redis.disconnect();
      },
    };
  },
  testRedis.skip,
);
