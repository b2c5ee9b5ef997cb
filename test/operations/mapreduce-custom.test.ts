/** The custom job's registry entry: its input schema, and its encoding (the results' JSON text between a head and a tail) against its render. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { defaultConfig } from '../../src/config.js';
import { encodeJsonArray } from '../../src/operations/json-array.js';
import { operations } from '../../src/operations/registry.js';

const custom = operations['mapreduce.custom'];
const functions = { map: 'function map(d, emit) {}', reduce: 'function reduce() { return 1; }' };

test('the input schema takes sources, a format and bytes, and refuses anything else', () => {
  const text = new TextEncoder().encode('"a"\n');
  assert.equal(custom.input.safeParse({ functions, format: 'ndjson', text }).success, true);
  assert.equal(custom.input.safeParse({ functions: { ...functions, combine: 'function combine() {}' }, format: 'lines', text, function: 'id' }).success, true);
  assert.equal(custom.input.safeParse({ functions, format: 'values', text }).success, false);
  assert.equal(custom.input.safeParse({ functions, format: 'lines', text: 'a\n' }).success, false);
  assert.equal(custom.input.safeParse({ functions: { map: 'x' }, format: 'lines', text }).success, false);
});

test('the encoded body is the rendered one, with and without results and a function id', async () => {
  const results = [{ key: 1, value: null }, { key: 'a', value: { nested: ['x', 2] } }, { key: 'é', value: '"quoted"\n' }];
  for (const list of [[], results]) {
    for (const input of [{ functions, format: 'ndjson' as const, text: new Uint8Array() }, { functions, format: 'lines' as const, text: new Uint8Array(), function: 'abc' }]) {
      const value = { documents: 3, emitted: 5, count: list.length, resultsJson: JSON.stringify(list) };
      const encoded = JSON.parse(Buffer.from(await encodeJsonArray(custom.encode!(value, input))).toString('utf8')) as unknown;
      const rendered = custom.render(value, input);
      assert.deepEqual(encoded, rendered);
      assert.deepEqual(rendered, { job: 'custom', ...('function' in input ? { function: 'abc' } : {}), documents: 3, emitted: 5, results: list });
    }
  }
});

test('custom work never runs on the event loop and costs more the more it reads', () => {
  const context = { threads: 2, limits: defaultConfig().limits, loopDeadlineMs: 1_000 };
  const small = custom.plan({ functions, format: 'lines', text: new Uint8Array(10) }, context);
  const big = custom.plan({ functions, format: 'lines', text: new Uint8Array(100 << 20) }, context);
  assert.equal(small.poolOnly, true);
  assert.throws(() => small.inline());
  assert.ok(big.costMicros > small.costMicros * 10);
});

