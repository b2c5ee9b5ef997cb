/**
 * Hostile user code sent as requests (a selection of the engine's abuse suite, test/sandbox/):
 * each ends in the right 4xx problem, never a 5xx, and afterwards the same server answers a
 * plain custom job right. While a runaway function burns its CPU limit, the server still
 * answers other requests.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { type TestApp, problemOf, startTestApp } from '../helpers/app.js';

/**
 * One thread each: every case and the check after it run on the same thread and sandbox
 * process. Loops get 1 s of CPU; bombs 20 s, so that they fail by memory, not by time.
 */
const apps: Record<'fast' | 'roomy', TestApp> = {} as Record<'fast' | 'roomy', TestApp>;
before(() => {
  const common = { POOL_THREADS: '1', SANDBOX_MEMORY_MB: '64', SANDBOX_PROCESS_MEMORY_MB: '320', SANDBOX_MAX_EMITS: '10000', SANDBOX_MAX_EMIT_BYTES: String(1 << 20) };
  apps.fast = startTestApp({ ...common, SANDBOX_CPU_MS: '1000' });
  apps.roomy = startTestApp({ ...common, SANDBOX_CPU_MS: '20000' });
});
after(async () => {
  await apps.fast.close();
  await apps.roomy.close();
});

const COUNT = 'function reduce(key, values) { return values.length; }';

function run(map: string, reduce = COUNT, documents: unknown[] = ['x'], app: TestApp = apps.fast) {
  return app.request.post('/v1/mapreduce').send({ job: 'custom', map, reduce, documents });
}

async function assertHealthy(app: TestApp = apps.fast): Promise<void> {
  const response = await run('function map(d, emit) { for (const w of d.split(" ")) emit(w, 1); }', COUNT, ['a b', 'b c b'], app).expect(200);
  assert.deepEqual(response.body.results, [
    { key: 'a', value: 1 },
    { key: 'b', value: 3 },
    { key: 'c', value: 1 },
  ]);
}

/** Sends the case, checks its problem, then that the server still computes right. */
async function refused(map: string, expected: Expected, reduce?: string): Promise<void> {
  const app = expected.limit === 'memory' ? apps.roomy : apps.fast;
  const response = await run(map, reduce, ['x'], app);
  assert.ok(response.status >= 400 && response.status < 500, `expected a 4xx, got ${response.status}: ${response.text}`);
  const problem = problemOf(response) as ReturnType<typeof problemOf> & Record<string, unknown>;
  assert.equal(problem.type, `https://crunch.dev/problems/${expected.type}`, problem.detail);
  if (expected.limit !== undefined) assert.equal(problem['limit'], expected.limit, problem.detail);
  if (expected.detail !== undefined) assert.match(problem.detail, expected.detail);
  await assertHealthy(app);
}

interface Expected {
  readonly type: string;
  readonly limit?: string;
  readonly detail?: RegExp;
}

describe('hostile functions over HTTP', () => {
  const cases: Array<[string, string, Expected, string?]> = [
    ['the constructor chain to process', 'function map(d, emit) { this.constructor.constructor("return process")().exit(1); }', { type: 'sandbox-exception', detail: /process is not defined/ }],
    ['emit\'s constructor to require', 'function map(d, emit) { emit.constructor("return require")()("fs"); }', { type: 'sandbox-exception', detail: /require is not defined/ }],
    ['import()', 'function map(d, emit) { import("node:fs").then((fs) => emit(String(fs), 1)); }', { type: 'sandbox-exception', detail: /import\(\) is not available/ }],
    ['Atomics.wait', 'function map(d, emit) { Atomics.wait(new Int32Array(4), 0, 0, 10000); }', { type: 'sandbox-exception', detail: /Atomics is not defined/ }],
    ['an endless loop', 'function map(d, emit) { for (;;) {} }', { type: 'sandbox-limit', limit: 'cpu' }],
    ['a memory bomb of arrays', 'function map(d, emit) { const a = []; for (;;) a.push({ n: a.length, list: [1, 2, 3] }); }', { type: 'sandbox-limit', limit: 'memory' }],
    ['a memory bomb of strings', 'function map(d, emit) { const a = []; for (let i = 0; ; i++) a.push("y".repeat(1 << 20) + i); }', { type: 'sandbox-limit', limit: 'memory' }],
    ['a memory bomb of typed arrays', 'function map(d, emit) { const a = []; for (;;) { const t = new Uint8Array(16 << 20); t.fill(1); a.push(t); } }', { type: 'sandbox-limit', limit: 'memory' }],
    ['a Map bomb (V8 aborts the process: the process cap answers)', 'function map(d, emit) { const m = new Map(); for (let i = 0; ; i++) m.set(i, "v" + i); }', { type: 'sandbox-limit', limit: 'memory' }],
    ['an emit flood', 'function map(d, emit) { for (let i = 0; ; i++) emit("k" + (i % 10), i); }', { type: 'sandbox-limit', limit: 'output' }],
    ['deep recursion', 'function map(d, emit) { const deeper = (n) => deeper(n + 1) + 1; deeper(0); }', { type: 'sandbox-limit', limit: 'stack' }],
    ['a thrown object whose toString loops', 'function map(d, emit) { throw { toString() { for (;;) {} }, valueOf() { for (;;) {} } }; }', { type: 'sandbox-exception', detail: /threw an object/ }],
    ['a getter on the thrown error that loops', 'function map(d, emit) { throw { get message() { for (;;) {} }, name: "Sneaky" }; }', { type: 'sandbox-exception', detail: /Sneaky/ }],
    ['reduce returning a function', 'function map(d, emit) { emit(d, 1); }', { type: 'sandbox-value', detail: /not a function/ }, 'function reduce() { return () => 1; }'],
    ['reduce returning a symbol', 'function map(d, emit) { emit(d, 1); }', { type: 'sandbox-value', detail: /symbol/ }, 'function reduce() { return Symbol("s"); }'],
    ['a cyclic value', 'function map(d, emit) { const o = {}; o.self = o; emit(d, o); }', { type: 'sandbox-value', detail: /circular/ }],
    ['huge values', 'function map(d, emit) { for (let i = 0; i < 4; i++) emit(i, "z".repeat(400000)); }', { type: 'sandbox-limit', limit: 'output', detail: /bytes/ }],
  ];
  for (const [name, map, expected, reduce] of cases) test(`${name}: ${expected.type}${expected.limit === undefined ? '' : ` (${expected.limit})`}`, () => refused(map, expected, reduce));

  test('prototype pollution does not survive to the next request', async () => {
    await run('function map(d, emit) { Object.prototype.polluted = "yes"; Array.prototype.includes = () => true; globalThis.leak = 1; emit(d, 1); }').expect(200);
    const response = await run('function map(d, emit) { emit(String(({}).polluted), 1); emit(String([].includes(1)), 1); emit(typeof globalThis.leak, 1); }').expect(200);
    assert.deepEqual(response.body.results.map((result: { key: string }) => result.key), ['false', 'undefined']);
  });

  test('while a runaway function burns its CPU limit, other requests are answered', async () => {
    let finished = false;
    // supertest sends on then(): this starts the request now.
    const runaway = run('function map(d, emit) { for (;;) {} }').then((response) => {
      finished = true;
      return response;
    });
    await apps.fast.request.get('/healthz').expect(200);
    const builtIn = await apps.fast.request.post('/v1/mapreduce').send({ job: 'wordcount', documents: ['a b a'], top: 1 }).expect(200);
    assert.deepEqual(builtIn.body.top, [{ word: 'a', count: 2 }]);
    assert.equal(finished, false, 'the other requests waited for the runaway function');
    assert.equal(problemOf(await runaway).type, 'https://crunch.dev/problems/sandbox-limit');
    await assertHealthy();
  });
});
