import assert from 'node:assert/strict';
import { test } from 'node:test';
import { integerBatchOf } from '../../src/compute/primes/batch.js';
import { defaultConfig } from '../../src/config.js';
import { operationNamed, operations } from '../../src/operations/registry.js';
import type { PlanContext } from '../../src/operations/types.js';

const context: PlanContext = { threads: 2, limits: defaultConfig().limits, loopDeadlineMs: 1_000 };

test('every registry key is its operation\'s own name, and unknown names are not found', () => {
  for (const [key, operation] of Object.entries(operations)) assert.equal(operation.name, key);
  assert.equal(operationNamed('primes.nope'), undefined);
  assert.equal(operationNamed('toString'), undefined);
});

test('an input is plain data: the schema accepts what a route builds and rejects what it would not', () => {
  const check = operations['primes.check'];
  assert.equal(check.input.safeParse({ batch: integerBatchOf([2n, 2n ** 70n]) }).success, true);
  assert.equal(check.input.safeParse({ batch: { count: 1, small: [2], largeIndex: [], largeValues: [] } }).success, false);
  assert.equal(operations['primes.count'].input.safeParse({ from: 0n, to: 10n, method: 'sieve' }).success, true);
  assert.equal(operations['primes.count'].input.safeParse({ from: 0n, to: 10n, method: 'guess' }).success, false);
});

test('planning and rendering an input gives the body the synchronous route answers', () => {
  const operation = operations['primes.is-prime'];
  const work = operation.plan({ n: 97n }, context);
  assert.deepEqual(operation.render(work.inline(), { n: 97n }), { n: '97', prime: true, test: 'deterministic' });
  const big = 2n ** 127n - 1n;
  assert.deepEqual(operation.render(operation.plan({ n: big }, context).inline(), { n: big }), {
    n: big.toString(),
    prime: true,
    test: 'probable',
  });
});

test('an encoded result is the JSON of the rendered one, in one slice or many', async () => {
  const { encodeJsonArray } = await import('../../src/operations/json-array.js');
  const check = operations['primes.check'];
  for (const count of [0, 1, 3, 16_384, 16_385, 40_000]) {
    const values = Array.from({ length: count }, (_, index) => (index % 7 === 0 ? 2n ** 80n + BigInt(index) : BigInt(index)));
    const input = { batch: integerBatchOf(values) };
    const flags = check.plan(input, context).inline();
    const encode = check.encode;
    assert.ok(encode !== undefined);
    const bytes = await encodeJsonArray(encode(flags, input));
    assert.deepEqual(JSON.parse(Buffer.from(bytes).toString('utf8')), check.render(flags, input), `count ${count}`);
  }
  const list = operations['primes.list'];
  for (const limit of [1, 16_384, 20_000]) {
    const input = { from: 2n ** 40n, to: 2n ** 41n, limit };
    const page = list.plan(input, context).inline();
    const bytes = await encodeJsonArray(list.encode!(page, input));
    assert.deepEqual(JSON.parse(Buffer.from(bytes).toString('utf8')), list.render(page, input), `limit ${limit}`);
  }
});
