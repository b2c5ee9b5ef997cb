import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import fc from 'fast-check';
import { integerBatchOf } from '../../src/compute/primes/batch.js';
import { Admission } from '../../src/dispatch/admission.js';
import { Dispatcher, type DispatcherOptions, type Work } from '../../src/dispatch/dispatcher.js';
import { DeadlineExceededError, OverloadedError } from '../../src/dispatch/errors.js';
import { shardCount, splitEvenly } from '../../src/dispatch/sharding.js';
import { ComputeInputError } from '../../src/compute/errors.js';
import { WorkerPool } from '../../src/pool/pool.js';

function dispatcherOf(pool: WorkerPool, options: Partial<Omit<DispatcherOptions, 'pool'>> = {}): Dispatcher {
  return new Dispatcher({
    pool,
    admission: new Admission({ threads: pool.threads, maxBacklogMs: 60_000 }),
    inlineBudgetMicros: 1_000,
    slicedBudgetMicros: 10_000,
    deadlineMs: 60_000,
    ...options,
  });
}

const slowPrime = 2n ** 3217n - 1n;

/** Pool work that keeps a thread busy for about 0.3 s per number. */
function slowWork(count: number, costMicros = 1_000_000): Work<Uint8Array> {
  return {
    operation: 'test.slow',
    costMicros,
    inline: () => new Uint8Array(0),
    pool: (run) => run('checkPrimes', integerBatchOf(Array.from({ length: count }, () => slowPrime))),
  };
}

describe('placement choice', () => {
  const pool = { threads: 2 } as WorkerPool;
  const dispatcher = dispatcherOf(pool);
  const base = { inline: () => 0, pool: async () => 0, operation: 'x' };

  test('cheap work runs inline, long sliceable work in slices, the rest on the pool', () => {
    assert.equal(dispatcher.choosePlacement({ ...base, costMicros: 999 }), 'inline');
    assert.equal(dispatcher.choosePlacement({ ...base, costMicros: 5_000, sliced: async () => 0, sliceMicros: 500 }), 'sliced');
    // A slice longer than the inline budget would block the loop: pool instead.
    assert.equal(dispatcher.choosePlacement({ ...base, costMicros: 5_000, sliced: async () => 0, sliceMicros: 2_000 }), 'pool');
    assert.equal(dispatcher.choosePlacement({ ...base, costMicros: 50_000, sliced: async () => 0, sliceMicros: 500 }), 'pool');
    assert.equal(dispatcher.choosePlacement({ ...base, costMicros: 5_000 }), 'pool');
    // Untrusted durations never run on the loop, however cheap they look.
    assert.equal(dispatcher.choosePlacement({ ...base, costMicros: 1, poolOnly: true }), 'pool');
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
    pool = new WorkerPool({ threads: 1, maxQueuedTasks: 1 });
    // A thread still starting takes tasks in differently; measure the steady state.
    await pool.run('checkPrimes', integerBatchOf([2n]));
  });
  after(() => pool.close());

  test('a full task queue (the backstop behind admission) refuses with an OverloadedError', async () => {
    const controller = new AbortController();
    const batch = () => integerBatchOf([slowPrime, slowPrime]);
    const running = pool.run('checkPrimes', batch(), { signal: controller.signal }).catch((error: unknown) => error);
    const queued = pool.run('checkPrimes', batch(), { signal: controller.signal }).catch((error: unknown) => error);
    while (pool.running === 0) await new Promise((resolve) => setTimeout(resolve, 1));
    assert.equal(pool.queueSize, 1);
    await assert.rejects(pool.run('checkPrimes', batch()), (error: unknown) => {
      assert.ok(error instanceof OverloadedError);
      assert.equal(error.retryAfterSeconds, 1);
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
    pool = new WorkerPool({ threads: 1, maxQueuedTasks: 8 });
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
    pool = new WorkerPool({ threads: 1, maxQueuedTasks: 8 });
  });
  after(() => pool.close());

  test('work past its deadline fails with a DeadlineExceededError naming what was unfinished', async () => {
    const dispatcher = dispatcherOf(pool, { deadlineMs: 150 });
    await assert.rejects(dispatcher.run({ ...slowWork(20, 100_000), describe: 'twenty slow checks' }), (error: unknown) => {
      assert.ok(error instanceof DeadlineExceededError);
      assert.equal(error.deadlineMs, 150);
      assert.match(error.message, /twenty slow checks/);
      return true;
    });
  });

  test('a caller abort is passed through as is, not as a deadline', async () => {
    const dispatcher = dispatcherOf(pool);
    const controller = new AbortController();
    setTimeout(() => controller.abort(new Error('cancelled by caller')), 50);
    await assert.rejects(dispatcher.run(slowWork(20), { signal: controller.signal }), /cancelled by caller/);
  });

  test('the outcome reports placement, timings and task count', async () => {
    const dispatcher = dispatcherOf(pool);
    const outcome = await dispatcher.run({
      operation: 'test.small',
      costMicros: 1e6,
      inline: () => new Uint8Array(0),
      pool: (run) => run('checkPrimes', integerBatchOf([2n, 4n])),
    });
    assert.equal(outcome.placement, 'pool');
    assert.equal(outcome.tasks, 1);
    assert.deepEqual([...outcome.value], [1, 0]);
    assert.ok(outcome.totalMs >= outcome.computeMs);
  });
});

describe('a run is one unit', () => {
  let pool: WorkerPool;
  before(async () => {
    pool = new WorkerPool({ threads: 2, maxQueuedTasks: 1_000 });
    await Promise.all([pool.run('checkPrimes', integerBatchOf([2n])), pool.run('checkPrimes', integerBatchOf([3n]))]);
  });
  after(() => pool.close());

  test('when one shard fails, its siblings stop at once: queued ones dropped, running ones terminated', async () => {
    const dispatcher = dispatcherOf(pool);
    const startedAt = performance.now();
    const bad = { op: 'gcd', type: 'float64', values: new Float64Array([1]), maxBits: 64 } as const;
    await assert.rejects(
      dispatcher.run({
        operation: 'test.failing-shard',
        costMicros: 1_000_000,
        inline: () => undefined,
        pool: async (run) => {
          const slow = () => run('checkPrimes', integerBatchOf(Array.from({ length: 10 }, () => slowPrime)));
          // The first runs on one thread, the failing one on the other; the last two wait their turn.
          await Promise.all([slow(), run('reduceShard', bad as never), slow(), slow()]);
        },
      }),
      (error: unknown) => error instanceof ComputeInputError && error.pointer === '/op',
    );
    // Ten slow checks take about 3 s per task: the failure must not wait for them.
    assert.ok(performance.now() - startedAt < 2_000, `took ${performance.now() - startedAt} ms`);
    for (let waited = 0; pool.inFlight > 0 && waited < 2_000; waited += 10) await new Promise((resolve) => setTimeout(resolve, 10));
    assert.equal(pool.inFlight, 0, 'sibling tasks were left running or queued');
    const result = await pool.run('checkPrimes', integerBatchOf([97n]));
    assert.deepEqual([...result.value], [1]);
  });

  test('a run hands at most two tasks per thread to the pool at once, however many it makes', async () => {
    const dispatcher = dispatcherOf(pool);
    let most = 0;
    const outcome = await dispatcher.run({
      operation: 'test.many-shards',
      costMicros: 1_000_000,
      inline: () => 0,
      pool: async (run) => {
        const all = Array.from({ length: 40 }, (_, index) =>
          run('checkPrimes', integerBatchOf([BigInt(index)])).then((flags) => {
            most = Math.max(most, pool.inFlight);
            return flags[0] ?? 0;
          }),
        );
        return (await Promise.all(all)).reduce((sum: number, flag) => sum + flag, 0);
      },
    });
    // Primes below 40: 2 3 5 7 11 13 17 19 23 29 31 37.
    assert.equal(outcome.value, 12);
    assert.equal(outcome.tasks, 40);
    assert.ok(most <= 4, `${most} tasks were in the pool at once`);
  });
});

describe('lanes take turns', () => {
  let pool: WorkerPool;
  before(async () => {
    pool = new WorkerPool({ threads: 1, maxQueuedTasks: 1_000 });
    await pool.run('checkPrimes', integerBatchOf([2n]));
  });
  after(() => pool.close());

  test('a task of a second lane runs next, not behind the first lane\'s whole queue', async () => {
    const medium = 2n ** 1279n - 1n;
    const finished: string[] = [];
    const task = (lane: string, name: string) =>
      pool.run('checkPrimes', integerBatchOf([medium]), { lane }).then(() => finished.push(name));
    const flood = Array.from({ length: 6 }, (_, index) => task('a', `a${index}`));
    while (pool.running === 0) await new Promise((resolve) => setTimeout(resolve, 1));
    const other = task('b', 'b0');
    await Promise.all([...flood, other]);
    // a0 was already running when b0 arrived; b0 goes next, then lane a resumes in order.
    assert.deepEqual(finished, ['a0', 'b0', 'a1', 'a2', 'a3', 'a4', 'a5']);
  });
});
