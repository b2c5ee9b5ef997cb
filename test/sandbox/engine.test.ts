/**
 * The contract of custom jobs, through the real pool: key order, value order, combine per
 * batch, input formats, document numbering, fresh state per run, source shapes. Plus the
 * pure helpers (throw-site marking, sizes, digests, merge).
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import fc from 'fast-check';
import { ConfigError, defaultConfig, loadConfig } from '../../src/config.js';
import { WorkerPool } from '../../src/pool/pool.js';
import {
  checkSourceSizes,
  compareKeys,
  functionsDigest,
  mergeSandboxResults,
  runCustomJob,
  sandboxBatchBytes,
  SandboxInputError,
  SandboxLimitError,
  SandboxUserError,
  SandboxValueError,
  textBatches,
  valueBatches,
  type SandboxBatch,
  type SandboxFunctions,
  type SandboxKey,
} from '../../src/sandbox/index.js';
import { markThrowSites } from '../../src/sandbox/source.js';
import { poolRunner, testLimits } from '../helpers/sandbox.js';

let pool: WorkerPool;
before(() => {
  pool = new WorkerPool({ threads: 2, maxQueuedTasks: 16 });
});
after(() => pool.close());

function run(functions: SandboxFunctions, batches: SandboxBatch[], partitions = 1) {
  return runCustomJob(poolRunner(pool), { functions, batches, partitions, limits: testLimits(), lanes: 4 });
}

/** Independent reference of the key order: numbers (ascending) before strings (by code point). */
function referenceOrder(a: SandboxKey, b: SandboxKey): number {
  if (typeof a !== typeof b) return typeof a === 'number' ? -1 : 1;
  if (typeof a === 'number') return a < (b as number) ? -1 : a > (b as number) ? 1 : 0;
  const x = [...a].map((c) => c.codePointAt(0)!);
  const y = [...(b as string)].map((c) => c.codePointAt(0)!);
  for (let i = 0; i < Math.min(x.length, y.length); i++) if (x[i] !== y[i]) return x[i]! - y[i]!;
  return x.length - y.length;
}

const keys = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 4 }).filter((s) => !/\p{Cs}/u.test(s)),
  fc.constantFrom('1', '', 'a', 'A', '\uffff', '\u{10000}', '\ue000'),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
  fc.integer({ min: -5, max: 5 }),
);

describe('custom jobs', () => {
  test('keys come back once each, numbers ascending and then strings by code point, for any batching and partitions', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(keys, { maxLength: 40 }), fc.integer({ min: 1, max: 7 }), fc.integer({ min: 1, max: 5 }), async (documents, perBatch, partitions) => {
        const { results } = await run(
          { map: 'function map(key, emit) { emit(key, 1); }', reduce: 'function reduce(key, values) { return values.length; }' },
          valueBatches(documents, perBatch),
          partitions,
        );
        // -0 and 0 are one key; 1 and "1" are two.
        const unique = new Map<string, SandboxKey>();
        for (const key of documents) unique.set(`${typeof key}:${String(key)}`, key === 0 ? 0 : key);
        const expected = [...unique.values()].sort(referenceOrder);
        assert.deepEqual(
          results.map((result) => result.key),
          expected,
        );
        const counts = new Map<string, number>();
        for (const key of documents) counts.set(`${typeof key}:${String(key === 0 ? 0 : key)}`, (counts.get(`${typeof key}:${String(key === 0 ? 0 : key)}`) ?? 0) + 1);
        for (const { key, value } of results) assert.equal(value, counts.get(`${typeof key}:${String(key)}`));
      }),
      { numRuns: 30 },
    );
  });

  test('without combine, reduce sees every value in document order, whatever the batching', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.constantFrom('x', 'y', 'z'), { minLength: 1, maxLength: 30 }), fc.integer({ min: 1, max: 6 }), fc.integer({ min: 1, max: 3 }), async (documents, perBatch, partitions) => {
        const batches = valueBatches(
          documents.map((key, index) => ({ key, index })),
          perBatch,
        );
        const { results } = await run({ map: 'function map(d, emit) { emit(d.key, d.index); }', reduce: 'function reduce(key, values) { return values; }' }, batches, partitions);
        for (const { key, value } of results) {
          assert.deepEqual(
            value,
            documents.flatMap((k, index) => (k === key ? [index] : [])),
          );
        }
      }),
      { numRuns: 20 },
    );
  });

  test('with combine, reduce gets one combined value per batch that emitted the key, in batch order', async () => {
    const { results } = await run(
      {
        map: 'function map(d, emit) { emit("k", d); }',
        combine: 'function combine(key, values) { return values.join("+"); }',
        reduce: 'function reduce(key, values) { return values; }',
      },
      valueBatches(['a', 'b', 'c', 'd', 'e'], 2),
    );
    assert.deepEqual(results, [{ key: 'k', value: ['a+b', 'c+d', 'e'] }]);
  });

  test('values are any JSON and come back as JSON; keys may be numbers', async () => {
    const value = { nested: [1, 'two', null, true, { deep: [] }], unicode: 'l’été 😀' };
    const { results } = await run({ map: 'function map(d, emit) { emit(3.5, d); emit(-2, d.nested.length); }', reduce: 'function reduce(key, values) { return values[0]; }' }, valueBatches([value], 1));
    assert.deepEqual(results, [
      { key: -2, value: 5 },
      { key: 3.5, value },
    ]);
  });

  test('lines: every line is a document, an empty one too, but not after the final newline; CRLF reads as LF', async () => {
    const text = new TextEncoder().encode('first\r\n\nthird\nlast\n');
    const { results, documents } = await run(
      { map: 'function map(line, emit) { emit(line, 1); }', reduce: 'function reduce(key, values) { return values.length; }' },
      textBatches(text, 'lines', 4),
    );
    assert.equal(documents, 4);
    assert.deepEqual(
      results.map((result) => result.key),
      ['', 'first', 'last', 'third'],
    );
  });

  test('ndjson: blank lines are skipped, a line that is not JSON names its line', async () => {
    const good = new TextEncoder().encode('{"w":"a"}\n\n  \n{"w":"b"}\n');
    const { results, documents } = await run({ map: 'function map(d, emit) { emit(d.w, 1); }', reduce: 'function reduce(key, values) { return values.length; }' }, textBatches(good, 'ndjson', 1));
    assert.equal(documents, 2);
    assert.deepEqual(results.map((result) => result.key), ['a', 'b']);
    const bad = new TextEncoder().encode('{"w":"a"}\n{"w":"b"}\n{"w":\n');
    await assert.rejects(
      run({ map: 'function map(d, emit) {}', reduce: 'function reduce() { return 1; }' }, textBatches(bad, 'ndjson', 10)),
      (error: unknown) => error instanceof SandboxInputError && /^line 3 is not JSON/.test(error.message) && error.location.document === 2,
    );
  });

  test('an error names the document by its index in the whole job, not in its batch', async () => {
    await assert.rejects(
      run({ map: 'function map(d, emit) { if (d === 7) throw new Error("seven"); }', reduce: 'function reduce() { return 1; }' }, valueBatches([0, 1, 2, 3, 4, 5, 6, 7, 8], 3)),
      (error: unknown) => error instanceof SandboxUserError && error.location.document === 7 && /seven/.test(error.message),
    );
  });

  test('every run starts from fresh globals, on the same sandbox process', async () => {
    const functions = {
      map: 'var runs = (typeof runs === "number" ? runs : 0) + 1;\nfunction map(d, emit) { globalThis.seen = (globalThis.seen || 0) + 1; emit(String(runs) + "/" + seen, 1); }',
      reduce: 'function reduce(key, values) { return values.length; }',
    };
    const first = await pool.run('sandboxMap', { functions, documents: { format: 'values', documents: [1] }, partitions: 1, limits: testLimits() });
    const second = await pool.run('sandboxMap', { functions, documents: { format: 'values', documents: [1] }, partitions: 1, limits: testLimits() });
    assert.deepEqual(first.value.partitions, ['[["1/1",[1]]]']);
    assert.deepEqual(second.value.partitions, first.value.partitions);
  });

  test('a source may be a function expression, or define helpers around its function', async () => {
    const { results } = await run(
      {
        map: '(document, emit) => emit(document % 2 === 0 ? "even" : "odd", document)',
        reduce: 'const add = (a, b) => a + b;\nfunction helper() {}\nfunction reduce(key, values) { return values.reduce(add, 0); }\nhelper',
      },
      valueBatches([1, 2, 3, 4, 5], 2),
    );
    assert.deepEqual(results, [
      { key: 'even', value: 6 },
      { key: 'odd', value: 9 },
    ]);
  });

  test('compile checks a function set once and names it by digest', async () => {
    const functions = { map: 'function map(d, emit) { emit(d, 1); }', reduce: 'function reduce(k, v) { return v.length; }' };
    const compiled = await pool.run('sandboxCompile', { functions, limits: testLimits() });
    assert.equal(compiled.value.digest, functionsDigest(functions));
    await assert.rejects(pool.run('sandboxCompile', { functions: { ...functions, reduce: 'throw new Error("at load")' }, limits: testLimits() }), SandboxUserError);
  });

  test('an empty input maps nothing and reduces to nothing', async () => {
    assert.deepEqual(await run({ map: 'function map() {}', reduce: 'function reduce() {}' }, []), { results: [], documents: 0, emitted: 0 });
  });
});

describe('sandbox helpers', () => {
  test('compareKeys agrees with the reference order', () => {
    fc.assert(fc.property(keys, keys, (a, b) => Math.sign(compareKeys(a, b)) === Math.sign(referenceOrder(a, b))));
  });

  test('merging partitions sorts them, refuses repeated keys and results over the byte limit', () => {
    const part = (keys: SandboxKey[], bytes = 10) => ({ results: keys.map((key) => ({ key, value: 1 })), bytes, cpuMs: 0, hostPid: 0 });
    assert.deepEqual(
      mergeSandboxResults([part(['b', 2]), part([1, 'a'])], 100).map((result) => result.key),
      [1, 2, 'a', 'b'],
    );
    assert.throws(() => mergeSandboxResults([part(['a']), part(['a'])], 100), SandboxValueError);
    assert.throws(() => mergeSandboxResults([part(['a'], 60), part(['b'], 60)], 100), (error: unknown) => error instanceof SandboxLimitError && error.limit === 'result');
  });

  test('batch sizes: two per thread, between 1 and 8 MiB', () => {
    const MiB = 1 << 20;
    assert.equal(sandboxBatchBytes(1000, 2), MiB);
    assert.equal(sandboxBatchBytes(10 * MiB, 1), 5 * MiB);
    assert.equal(sandboxBatchBytes(10 * MiB, 2), 2.5 * MiB);
    assert.equal(sandboxBatchBytes(100 * MiB, 2), 8 * MiB);
  });

  test('source sizes count UTF-8 bytes', () => {
    const functions = { map: 'é'.repeat(600), reduce: '' };
    assert.throws(() => checkSourceSizes(functions, 1000), (error: unknown) => error instanceof SandboxLimitError && error.limit === 'source' && error.location.function === 'map');
    checkSourceSizes(functions, 1200);
  });

  test('the digest changes when code moves between functions', () => {
    assert.notEqual(functionsDigest({ map: 'a', reduce: 'b' }), functionsDigest({ map: 'ab', reduce: '' }));
    assert.equal(functionsDigest({ map: 'a', reduce: 'b' }), functionsDigest({ reduce: 'b', map: 'a' }));
  });

  test('throw-site marking keeps lines and semantics, nests, and leaves unparsable source alone', () => {
    const source = 'function f(a) {\n  if (a) throw a, "second";\n  throw (() => { try { throw 1; } catch (e) { return e + 1; } })();\n}';
    const marked = markThrowSites('map', source);
    assert.equal(marked.split('\n').length, source.split('\n').length);
    assert.match(marked, /throw __crunch_throw_site__\(\(a, "second"\), 'map', 2, 10\)/);
    assert.match(marked, /throw __crunch_throw_site__\(\(1\), 'map', 3, 24\)/);
    const sites: unknown[] = [];
    const f = new Function('__crunch_throw_site__', `${marked}; return f;`)((value: unknown, ...site: unknown[]) => (sites.push(site), value)) as (a: unknown) => void;
    assert.throws(() => f(true), (thrown: unknown) => thrown === 'second');
    assert.throws(() => f(false), (thrown: unknown) => thrown === 2);
    assert.deepEqual(sites, [['map', 2, 10], ['map', 3, 24], ['map', 3, 3]]);
    assert.equal(markThrowSites('reduce', 'throw ]'), 'throw ]');
  });
});

describe('sandbox configuration', () => {
  test('defaults, and a process cap too small for the heap is refused naming both variables', () => {
    assert.deepEqual(defaultConfig().sandbox, {
      memoryMb: 128,
      processMemoryMb: 512,
      cpuMs: 10_000,
      stackKb: 1024,
      maxSourceBytes: 65_536,
      maxEmits: 5_000_000,
      maxEmitBytes: 64 * 1024 * 1024,
      maxResultBytes: 16 * 1024 * 1024,
    });
    assert.throws(() => loadConfig({ SANDBOX_MEMORY_MB: '512', SANDBOX_PROCESS_MEMORY_MB: '600' }), (error: unknown) => error instanceof ConfigError && /SANDBOX_PROCESS_MEMORY_MB.*SANDBOX_MEMORY_MB/.test(error.message));
    assert.throws(() => loadConfig({ SANDBOX_STACK_KB: '64' }), ConfigError);
  });

  test('every SANDBOX_ variable has a row in the README configuration table', () => {
    const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
    const variables = [...readFileSync(new URL('../../src/config.ts', import.meta.url), 'utf8').matchAll(/^\s+(SANDBOX_[A-Z_]+):/gm)].map((match) => match[1]!);
    assert.ok(variables.length >= 8);
    for (const variable of variables) assert.match(readme, new RegExp(`^\\| \`${variable}\` \\|`, 'm'), `${variable} has no README row`);
  });
});
