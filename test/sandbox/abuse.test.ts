/**
 * Hostile and broken user code against the real pool and real sandbox processes: every case
 * must end in the right typed error, and the same pool thread must then answer a plain job
 * correctly (same thread: the pool has one).
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { WorkerPool } from '../../src/pool/pool.js';
import {
  runCustomJob,
  SandboxError,
  SandboxLimitError,
  SandboxSyntaxError,
  SandboxUserError,
  SandboxValueError,
  valueBatches,
  type SandboxFunctions,
  type SandboxLimits,
} from '../../src/sandbox/index.js';
import { poolRunner, testLimits } from '../helpers/sandbox.js';

let pool: WorkerPool;
before(() => {
  pool = new WorkerPool({ threads: 1, maxQueuedTasks: 4 });
});
after(() => pool.close());

const COUNT_REDUCE = 'function reduce(key, values) { return values.length; }';

function job(functions: Partial<SandboxFunctions>, documents: unknown[] = ['one'], limits: SandboxLimits = testLimits()) {
  return runCustomJob(poolRunner(pool), {
    functions: { map: 'function map(d, emit) { emit(d, 1); }', reduce: COUNT_REDUCE, ...functions },
    batches: valueBatches(documents, 2),
    partitions: 2,
    limits,
    lanes: 1,
  });
}

async function failure(functions: Partial<SandboxFunctions>, documents?: unknown[], limits?: SandboxLimits): Promise<SandboxError> {
  try {
    await job(functions, documents, limits);
  } catch (error) {
    assert.ok(error instanceof SandboxError, `expected a SandboxError, got ${String(error)}`);
    return error;
  }
  assert.fail('the job succeeded');
}

/** The pool still answers a plain job, right. */
async function assertHealthy(): Promise<void> {
  const { results } = await job({ map: 'function map(d, emit) { for (const w of d.split(" ")) emit(w, 1); }' }, ['a b', 'b c b']);
  assert.deepEqual(results, [
    { key: 'a', value: 1 },
    { key: 'b', value: 3 },
    { key: 'c', value: 1 },
  ]);
}

function assertLimit(error: SandboxError, limit: string): void {
  assert.ok(error instanceof SandboxLimitError, `expected a SandboxLimitError(${limit}), got ${error.name}: ${error.message}`);
  assert.equal(error.limit, limit, error.message);
}

function assertThrew(error: SandboxError, thrown: string, message: RegExp, line?: number): void {
  assert.ok(error instanceof SandboxUserError, `expected a SandboxUserError, got ${error.name}: ${error.message}`);
  assert.equal(error.thrown, thrown);
  assert.match(error.message, message);
  if (line !== undefined) assert.equal(error.location.line, line, error.message);
}

describe('no way out of the sandbox', () => {
  const escapes: Array<[string, string]> = [
    ['this.constructor.constructor', 'this.constructor.constructor("return process")()'],
    ['emit.constructor', 'emit.constructor("return process")()'],
    ['a document\'s constructor chain', 'd.constructor.constructor("return process")()'],
    ['an error\'s constructor chain', 'new Error().constructor.constructor("return require")()'],
    ['eval', 'eval("process")'],
    ['the global object', '(0, eval)("this").process.exit()'],
  ];
  for (const [name, expression] of escapes) {
    test(`${name} finds no process or require`, async () => {
      const error = await failure({ map: `function map(d, emit) {\n  ${expression};\n}` }, [{ a: 1 }]);
      assert.ok(error instanceof SandboxUserError, error.message);
      assert.match(error.message, /is not defined|Cannot read properties of undefined/);
      assert.equal(error.location.line, 2);
      await assertHealthy();
    });
  }

  test('the global object holds ECMAScript built-ins only: no host objects, timers, I/O, shared memory or WebAssembly', async () => {
    const { results } = await job({
      map: `function map(d, emit) {
        for (const name of Object.getOwnPropertyNames(globalThis)) emit(name, 1);
        emit('proto:' + (Object.getPrototypeOf(d) === Object.prototype), 1);
      }`,
    }, [{}]);
    const names = results.map((result) => String(result.key));
    for (const forbidden of ['process', 'require', 'module', 'Buffer', 'setTimeout', 'setInterval', 'setImmediate', 'queueMicrotask', 'fetch', 'SharedArrayBuffer', 'Atomics', 'WebAssembly', 'global', 'structuredClone']) {
      assert.ok(!names.includes(forbidden), `${forbidden} is reachable`);
    }
    for (const present of ['Object', 'Array', 'JSON', 'Math', 'Map', 'Promise', 'Intl']) assert.ok(names.includes(present), `${present} is missing`);
    // The document is a copy built in the sandbox from JSON: its prototype is the sandbox's own.
    assert.ok(names.includes('proto:true'));
    await assertHealthy();
  });

  test('prototype pollution and replaced built-ins do not survive into the next run', async () => {
    await job({
      map: `function map(d, emit) {
        Object.prototype.polluted = 'yes';
        Array.prototype.includes = () => true;
        JSON.parse = () => 'hijacked';
        globalThis.leak = 'from the first run';
        emit(d, 1);
      }`,
    }).catch(() => {});
    const { results } = await job({
      map: `function map(d, emit) {
        emit(String(({}).polluted), 1);
        emit(String([].includes(1)), 1);
        emit(String(typeof globalThis.leak), 1);
        emit(JSON.parse('"fine"'), 1);
      }`,
    });
    assert.deepEqual(results.map((result) => result.key), ['false', 'fine', 'undefined']);
    await assertHealthy();
  });

  test('import() is refused, naming import()', async () => {
    const error = await failure({ map: 'function map(d, emit) {\n  import("node:fs").then((fs) => emit(String(fs), 1));\n}' });
    assert.ok(error instanceof SandboxUserError, error.message);
    assert.match(error.message, /import\(\) is not available/);
    await assertHealthy();
  });

  test('a static import is a syntax error with its line and column', async () => {
    const error = await failure({ map: '\nimport fs from "node:fs";\nfunction map(d, emit) {}' });
    assert.ok(error instanceof SandboxSyntaxError, error.message);
    assert.equal(error.location.line, 2);
    assert.equal(error.location.column, 1);
    await assertHealthy();
  });

  test('Atomics.wait and SharedArrayBuffer are not there', async () => {
    assertThrew(await failure({ map: 'function map(d, emit) {\n  Atomics.wait(new Int32Array(4), 0, 0, 1000);\n}' }), 'ReferenceError', /Atomics is not defined/, 2);
    assertThrew(await failure({ map: 'function map(d, emit) {\n  new SharedArrayBuffer(8);\n}' }), 'ReferenceError', /SharedArrayBuffer is not defined/, 2);
    await assertHealthy();
  });
});

describe('runaway code hits its limits', () => {
  const fast = testLimits({ cpuMs: 250 });

  test('an endless loop in map, in reduce and in microtasks: cpu', async () => {
    assertLimit(await failure({ map: 'function map(d, emit) { for (;;) {} }' }, ['x'], fast), 'cpu');
    assertLimit(await failure({ reduce: 'function reduce(k, v) { while (true) {} }' }, ['x'], fast), 'cpu');
    assertLimit(await failure({ map: 'function map(d, emit) { (function spin() { return Promise.resolve().then(spin); })(); }' }, ['x'], fast), 'cpu');
    await assertHealthy();
  });

  test('deep recursion: stack, at the recursing line', async () => {
    const error = await failure({ map: 'function map(d, emit) {\n  const deeper = (n) => deeper(n + 1) + 1;\n  deeper(0);\n}' });
    assertLimit(error, 'stack');
    assert.equal(error.location.line, 2);
    await assertHealthy();
  });

  const bombs: Array<[string, string]> = [
    ['an array of objects', 'const a = []; for (;;) a.push({ n: a.length, list: [1, 2, 3] });'],
    ['real strings', 'const a = []; for (let i = 0; ; i++) a.push("y".repeat(1 << 20) + i);'],
    ['a doubling rope string', 'let s = "x"; const keep = []; for (;;) { s = s + s; keep.push(s + "!"); }'],
    ['typed arrays', 'const a = []; for (;;) { const t = new Uint8Array(16 << 20); t.fill(1); a.push(t); }'],
    ['one huge typed array', 'const t = new Float64Array(2 ** 28); t.fill(1); emit("n", t.length);'],
    ['a Map (aborts V8 itself: the process cap answers)', 'const m = new Map(); for (let i = 0; ; i++) m.set(i, "v" + i);'],
    ['a join of a big array', 'const a = new Array(1e6).fill("abcdefghij"); const keep = []; for (;;) keep.push(a.join(""));'],
  ];
  for (const [name, body] of bombs) {
    test(`a memory bomb of ${name}: memory`, async () => {
      assertLimit(await failure({ map: `function map(d, emit) { ${body} }` }, ['x'], testLimits({ cpuMs: 20_000 })), 'memory');
      await assertHealthy();
    });
  }

  test('an emit flood: output, counting pairs', async () => {
    const error = await failure({ map: 'function map(d, emit) {\n  for (let i = 0; ; i++) emit("k" + (i % 10), i);\n}' }, ['x'], testLimits({ maxEmits: 10_000 }));
    assertLimit(error, 'output');
    assert.equal(error instanceof SandboxLimitError && error.maximum, 10_000);
    assert.equal(error.location.line, 2);
    await assertHealthy();
  });

  test('an emit flood that even catches the limit error and goes on: still output', async () => {
    const map = 'function map(d, emit) { for (let i = 0; i < 20000; i++) { try { emit(i, i); } catch (e) {} } }';
    assertLimit(await failure({ map }, ['x'], testLimits({ maxEmits: 100 })), 'output');
  });

  test('huge emitted values: output, counting bytes', async () => {
    const error = await failure({ map: 'function map(d, emit) { for (let i = 0; i < 10; i++) emit(i, "z".repeat(5000)); }' }, ['x'], testLimits({ maxEmitBytes: 20_000 }));
    assertLimit(error, 'output');
    assert.equal(error instanceof SandboxLimitError && error.unit, 'bytes');
    await assertHealthy();
  });

  test('a huge reduce result: result', async () => {
    assertLimit(await failure({ reduce: 'function reduce(k, v) { return "r".repeat(50000); }' }, ['x'], testLimits({ maxResultBytes: 10_000 })), 'result');
    await assertHealthy();
  });

  test('a source over the size limit: source', async () => {
    assertLimit(await failure({ map: `function map(d, emit) {}\n// ${'x'.repeat(2000)}` }, ['x'], testLimits({ maxSourceBytes: 1024 })), 'source');
  });
});

describe('values that are not JSON', () => {
  const cases: Array<[string, Partial<SandboxFunctions>, RegExp]> = [
    ['reduce returns a function', { reduce: 'function reduce(k, v) { return () => 1; }' }, /reduce result must be a JSON value, not a function/],
    ['reduce returns a symbol', { reduce: 'function reduce(k, v) { return Symbol("s"); }' }, /not a symbol/],
    ['reduce returns undefined', { reduce: 'function reduce(k, v) {}' }, /not undefined/],
    ['reduce returns a bigint', { reduce: 'function reduce(k, v) { return 10n; }' }, /not a bigint/],
    ['reduce returns NaN', { reduce: 'function reduce(k, v) { return 0 / 0; }' }, /NaN/],
    ['reduce returns a cyclic object', { reduce: 'function reduce(k, v) { const o = {}; o.self = o; return o; }' }, /circular/],
    ['reduce returns a nested bigint', { reduce: 'function reduce(k, v) { return { n: 1n }; }' }, /BigInt/],
    ['emit with a function value', { map: 'function map(d, emit) { emit("k", function () {}); }' }, /emit: the value must be a JSON value, not a function/],
    ['emit with an object key', { map: 'function map(d, emit) { emit({}, 1); }' }, /emit: the key must be a string or a finite number, not an object/],
    ['emit with an infinite key', { map: 'function map(d, emit) { emit(1 / 0, 1); }' }, /not Infinity/],
    ['emit with a symbol key', { map: 'function map(d, emit) { emit(Symbol(), 1); }' }, /not a symbol/],
    ['an async map', { map: 'async function map(d, emit) { emit(d, 1); }' }, /Promise/],
    ['an emit kept for later', { map: 'var saved; function map(d, emit) { emit(d, 1); saved = emit; }', combine: 'function combine(k, v) { saved(k, 1); return 1; }' }, /emit was called after map returned/],
  ];
  for (const [name, functions, message] of cases) {
    test(name, async () => {
      const error = await failure(functions);
      assert.ok(error instanceof SandboxValueError, `${error.name}: ${error.message}`);
      assert.match(error.message, message);
    });
  }
  test('then the pool still answers', assertHealthy);
});

describe('what user code throws comes back with its message and line', () => {
  test('an Error, a TypeError from the engine, and the document it happened on', async () => {
    assertThrew(await failure({ map: 'function map(d, emit) {\n  if (d === "bad") {\n    throw new Error("bad document");\n  }\n}' }, ['ok', 'ok', 'bad']), 'Error', /bad document.*line 3.*document 2/, 3);
    const error = await failure({ map: 'function map(d, emit) {\n  emit(d.missing.field, 1);\n}' }, [{}]);
    assertThrew(error, 'TypeError', /Cannot read properties of undefined/, 2);
    assert.equal(error.location.document, 0);
  });

  test('non-Error values: a string, a number, null, undefined, a symbol', async () => {
    assertThrew(await failure({ map: 'function map(d, emit) {\n\n  throw "just a string";\n}' }), 'string', /threw a string: "just a string"/, 3);
    assertThrew(await failure({ map: 'function map(d, emit) { throw 42; }' }), 'number', /threw the number 42/, 1);
    assertThrew(await failure({ map: 'function map(d, emit) {\n  throw null;\n}' }), 'null', /threw null/, 2);
    assertThrew(await failure({ map: 'function map(d, emit) {\n  throw undefined;\n}' }), 'undefined', /threw undefined/, 2);
    assertThrew(await failure({ map: 'function map(d, emit) {\n  throw Symbol("s");\n}' }), 'symbol', /Symbol\(s\)/, 2);
  });

  test('objects whose toString loops or throws, getters that loop, a hostile Proxy: never read, still located', async () => {
    assertThrew(await failure({ map: 'function map(d, emit) {\n  throw { toString() { for (;;) {} }, valueOf() { for (;;) {} } };\n}' }), 'object', /threw an object/, 2);
    assertThrew(await failure({ map: 'function map(d, emit) {\n  throw { toString() { throw new Error("inner"); } };\n}' }), 'object', /threw an object/, 2);
    assertThrew(await failure({ map: 'function map(d, emit) {\n\n  throw { get message() { for (;;) {} }, name: "Sneaky" };\n}' }), 'Sneaky', /threw Sneaky/, 3);
    const proxy = 'new Proxy({}, { getOwnPropertyDescriptor() { for (;;) {} }, getPrototypeOf() { for (;;) {} } })';
    const thrown = await failure({ map: `function map(d, emit) {\n  throw ${proxy};\n}` }, ['x'], testLimits({ cpuMs: 5_000 }));
    assert.ok(thrown instanceof SandboxUserError, thrown.message);
    assert.equal(thrown.location.line, 2);
    await assertHealthy();
  });

  test('in combine and reduce: the key it happened on', async () => {
    const inCombine = await failure({ combine: 'function combine(key, values) {\n  throw new RangeError("no " + key);\n}' }, ['k']);
    assertThrew(inCombine, 'RangeError', /combine threw RangeError: no k/, 2);
    assert.equal(inCombine.location.key, 'k');
    const inReduce = await failure({ reduce: 'function reduce(key, values) {\n  return key.toFixed(2);\n}' }, ['a-string-key']);
    assertThrew(inReduce, 'TypeError', /toFixed is not a function/, 2);
    assert.equal(inReduce.location.key, 'a-string-key');
  });

  test('at the top level of a source', async () => {
    assertThrew(await failure({ reduce: 'const table = {};\ntable.missing.x = 1;\nfunction reduce(k, v) { return 1; }' }), 'TypeError', /Cannot set properties of undefined/, 2);
  });

  test('syntax errors name the function, line and column', async () => {
    const error = await failure({ reduce: 'function reduce(key, values) {\n  return values.length +;\n}' });
    assert.ok(error instanceof SandboxSyntaxError);
    assert.deepEqual(error.location, { function: 'reduce', line: 2, column: 25 });
    assert.match(error.message, /syntax error in reduce at line 2, column 25: Unexpected token ';'/);
  });

  test('a source that defines no function of its name', async () => {
    const error = await failure({ map: 'function mapper(d, emit) {}; 42' });
    assert.ok(error instanceof SandboxSyntaxError);
    assert.match(error.message, /must define function map\(document, emit\)/);
    await assertHealthy();
  });
});
