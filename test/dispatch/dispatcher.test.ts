import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import fc from 'fast-check';
import { integerBatchOf } from '../../src/compute/primes/batch.js';
import { Dispatcher, type Work, shardCount, splitEvenly } from '../../src/dispatch/dispatcher.js';
import { ComputeInputError } from '../../src/compute/errors.js';
import { ProblemError } from '../../src/http/problems.js';
import { WorkerPool } from '../../src/pool/pool.js';

const slowPrime = 2n ** 3217n - 1n;

/** Pool work that keeps a thread busy for about 0.3 s per number. */
function slowWork(count: number, costMicros = 1e9): Work<Uint8Array> {
  return {
    operation: 'test.slow',
    costMicros,
    inline: () => new Uint8Array(0),
    pool: (run) => run('checkPrimes', integerBatchOf(Array.from({ length: count }, () => slowPrime))),
  };
}

describe('route choice', () => {
  const pool = { threads: 2 } as WorkerPool;
  const dispatcher = new Dispatcher({ pool, inlineBudgetMicros: 1_000, slicedBudgetMicros: 10_000, deadlineMs: 1_000 });
  const base = { inline: () => 0, pool: async () => 0, operation: 'x' };

  test('cheap work runs inline, long sliceable work in slices, the rest on the pool', () => {
    assert.equal(dispatcher.chooseRoute({ ...base, costMicros: 999 }), 'inline');
    assert.equal(dispatcher.chooseRoute({ ...base, costMicros: 5_000, sliced: async () => 0, sliceMicros: 500 }), 'sliced');
    // A slice longer than the inline budget would block the loop: pool instead.
    assert.equal(dispatcher.chooseRoute({ ...base, costMicros: 5_000, sliced: async () => 0, sliceMicros: 2_000 }), 'pool');
    assert.equal(dispatcher.chooseRoute({ ...base, costMicros: 50_000, sliced: async () => 0, sliceMicros: 500 }), 'pool');
    assert.equal(dispatcher.chooseRoute({ ...base, costMicros: 5_000 }), 'pool');
  });
});

describe('sharding helpers', () => {
  test('splitEvenly covers [0, length) with contiguous ranges differing by at most one', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 10_000 }), fc.integer({ min: 1, max: 64 }), (length, count) => {
        const ranges = splitEvenly(length, count);
        let next = 0;
        for (const [start, end] of ranges) {
          assert.equal(start, next);
          assert.ok(end > start);
          next = end;
        }
        assert.equal(next, length);
        if (ranges.length > 0) {
          const sizes = ranges.map(([start, end]) => end - start);
          assert.ok(Math.max(...sizes) - Math.min(...sizes) <= 1);
          assert.equal(ranges.length, Math.min(count, length));
        }
      }),
    );
  });

  test('shardCount keeps every thread busy without tiny shards', () => {
    assert.equal(shardCount(2, 100, 1_000), 1);
    assert.equal(shardCount(2, 100_000, 1_000), 4);
    assert.equal(shardCount(8, 3_000, 1_000), 3);
  });
});

describe('the pool under pressure', () => {
  let pool: WorkerPool;
  before(async () => {
    pool = new WorkerPool({ threads: 1, maxQueue: 1 });
    // A thread still starting takes tasks in differently; measure the steady state.
    await pool.run('checkPrimes', integerBatchOf([2n]));
  });
  after(() => pool.close());

  test('a full queue refuses with a 503 overloaded problem carrying Retry-After', async () => {
    const controller = new AbortController();
    const batch = () => integerBatchOf([slowPrime, slowPrime]);
    const running = pool.run('checkPrimes', batch(), { signal: controller.signal }).catch((error: unknown) => error);
    const queued = pool.run('checkPrimes', batch(), { signal: controller.signal }).catch((error: unknown) => error);
    // Both carry a signal, which Piscina's own queue count leaves out.
    assert.equal(pool.queueSize, 1);
    await assert.rejects(pool.run('checkPrimes', batch()), (error: unknown) => {
      assert.ok(error instanceof ProblemError);
      assert.equal(error.type, 'overloaded');
      assert.equal(error.status, 503);
      assert.equal(error.headers['Retry-After'], '1');
      return true;
    });
    controller.abort(new Error('test over'));
    await Promise.all([running, queued]);
  });

  test('an aborted task stops and the pool keeps working', async () => {
    const controller = new AbortController();
    const task = pool.run('checkPrimes', integerBatchOf(Array.from({ length: 20 }, () => slowPrime)), { signal: controller.signal });
    setTimeout(() => controller.abort(new Error('client went away')), 100);
    const startedAt = performance.now();
    await assert.rejects(task, /client went away/);
    assert.ok(performance.now() - startedAt < 3_000, 'the abort did not stop the task');
    const result = await pool.run('checkPrimes', integerBatchOf([97n, 98n]));
    assert.deepEqual([...result.value], [1, 0]);
    assert.ok(result.computeMs >= 0 && result.queueMs >= 0);
  });
});

describe('task failures', () => {
  let pool: WorkerPool;
  before(() => {
    pool = new WorkerPool({ threads: 1, maxQueue: 8 });
  });
  after(() => pool.close());

  test('an input error thrown in a thread comes back as a ComputeInputError, an internal one as an Error; the thread lives on', async () => {
    // gcd is defined for integers only: the kernel throws an input error naming /op.
    const floats = { op: 'gcd', type: 'float64', values: new Float64Array([1, 2]), maxBits: 64 } as const;
    await assert.rejects(pool.run('reduceShard', floats as never), (error: unknown) => {
      assert.ok(error instanceof ComputeInputError);
      assert.equal(error.pointer, '/op');
      return true;
    });
    await assert.rejects(pool.run('noSuchTask' as never, {} as never), (error: unknown) => {
      assert.ok(error instanceof Error && !(error instanceof ComputeInputError));
      assert.match(error.message, /pool task noSuchTask failed/);
      return true;
    });
    const result = await pool.run('checkPrimes', integerBatchOf([7n]));
    assert.deepEqual([...result.value], [1]);
  });
});

describe('deadlines', () => {
  let pool: WorkerPool;
  before(() => {
    pool = new WorkerPool({ threads: 1, maxQueue: 8 });
  });
  after(() => pool.close());

  test('work past its deadline becomes a 422 deadline-exceeded problem that suggests a job', async () => {
    const dispatcher = new Dispatcher({ pool, inlineBudgetMicros: 1_000, slicedBudgetMicros: 10_000, deadlineMs: 150 });
    await assert.rejects(dispatcher.run({ ...slowWork(20), describe: 'twenty slow checks' }), (error: unknown) => {
      assert.ok(error instanceof ProblemError);
      assert.equal(error.type, 'deadline-exceeded');
      assert.match(error.message, /twenty slow checks/);
      assert.match(error.message, /Prefer: respond-async/);
      return true;
    });
  });

  test('a caller abort is passed through as is, not as a deadline', async () => {
    const dispatcher = new Dispatcher({ pool, inlineBudgetMicros: 1_000, slicedBudgetMicros: 10_000, deadlineMs: 60_000 });
    const controller = new AbortController();
    setTimeout(() => controller.abort(new Error('cancelled by caller')), 50);
    await assert.rejects(dispatcher.run(slowWork(20), { signal: controller.signal }), /cancelled by caller/);
  });

  test('the outcome reports route, timings and task count', async () => {
    const dispatcher = new Dispatcher({ pool, inlineBudgetMicros: 1_000, slicedBudgetMicros: 10_000, deadlineMs: 60_000 });
    const outcome = await dispatcher.run({
      operation: 'test.small',
      costMicros: 1e6,
      inline: () => new Uint8Array(0),
      pool: (run) => run('checkPrimes', integerBatchOf([2n, 4n])),
    });
    assert.equal(outcome.route, 'pool');
    assert.equal(outcome.tasks, 1);
    assert.deepEqual([...outcome.value], [1, 0]);
    assert.ok(outcome.totalMs >= outcome.computeMs);
  });
});
