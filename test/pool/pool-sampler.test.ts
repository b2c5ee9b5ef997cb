/**
 * The pool's busy thread time against the compute time its threads report themselves, and the
 * sampler's windows (an idle pool reads 0, busy ones what their threads report), and the current
 * utilization falling back to 0 once the work is over (Piscina's average since start would not).
 */
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, test } from 'node:test';
import { integerBatchOf } from '../../src/compute/primes/batch.js';
import { WorkerPool } from '../../src/pool/pool.js';
import { PoolSampler } from '../../src/pool/pool-sampler.js';

/** A Mersenne prime: some 30 ms of a thread per check. */
const slowPrime = 2n ** 2203n - 1n;
const slowBatch = (count: number) => integerBatchOf(Array.from({ length: count }, () => slowPrime));

let pool: WorkerPool;
before(async () => {
  pool = new WorkerPool({ threads: 2, maxQueuedTasks: 16 });
  // Threads still starting would count as busy while they boot: measure the steady state.
  await Promise.all([pool.run('checkPrimes', slowBatch(1)), pool.run('checkPrimes', slowBatch(1))]);
});
after(() => pool.close());

describe('busy thread time', () => {
  test('covers what the threads report computing, with little more for the hand-over', async () => {
    const before = pool.busyThreadMs;
    // Three tasks on two threads: one waits, and waiting is not busy.
    const results = await Promise.all([3, 6, 9].map((count) => pool.run('checkPrimes', slowBatch(count))));
    const busy = pool.busyThreadMs - before;
    const computed = results.reduce((sum, result) => sum + result.computeMs, 0);
    assert.ok(busy >= computed * 0.99, `busy ${busy} ms < computed ${computed} ms`);
    assert.ok(busy <= computed * 1.05 + 3 * 20, `busy ${busy} ms is far above computed ${computed} ms`);
  });
});

describe('samples', () => {
  test('utilization is the busy share of each interval, as the threads report it; maxQueued the deepest queue', async () => {
    const sampler = new PoolSampler(pool, { intervalMs: 60_000, history: 10 });
    /** What the threads say they computed in the window, as a share of its capacity. */
    const reported = (results: Array<{ computeMs: number }>, from: { at: number }, to: { at: number }) =>
      results.reduce((sum, result) => sum + result.computeMs, 0) / (pool.threads * (to.at - from.at));
    const near = (measured: number, expected: number, what: string) =>
      assert.ok(measured >= expected - 0.03 && measured <= expected + 0.12, `${what}: sampled ${measured}, threads report ${expected}`);
    try {
      sampler.sample();
      await sleep(150);
      const idle = sampler.sample();
      assert.ok(idle.utilization < 0.02, `idle pool at ${idle.utilization}`);
      assert.equal(idle.maxQueued, 0);
      assert.equal(idle.inFlight, 0);

      const one = pool.run('checkPrimes', slowBatch(6));
      const oneStart = sampler.sample();
      const oneResult = await one;
      const half = sampler.sample();
      near(half.utilization, reported([oneResult], oneStart, half), 'one thread of two');
      assert.ok(half.utilization <= 0.5 + 1e-9);
      assert.equal(half.maxQueued, 0);

      const four = [1, 2, 3, 4].map(() => pool.run('checkPrimes', slowBatch(4)));
      const fullStart = sampler.sample();
      const inFlight = pool.inFlight;
      const fourResults = await Promise.all(four);
      const full = sampler.sample();
      assert.equal(inFlight, 4);
      assert.equal(full.maxQueued, 2, 'two of four tasks waited for a thread');
      near(full.utilization, reported(fourResults, fullStart, full), 'four tasks on two threads');
      assert.ok(full.utilization > 0.6);
      assert.equal(full.inFlight, 0);
    } finally {
      sampler.close();
    }
  });

  test('the ring keeps the newest `history` samples, oldest first', () => {
    const sampler = new PoolSampler(pool, { intervalMs: 60_000, history: 3 });
    try {
      const taken = [1, 2, 3, 4, 5].map(() => sampler.sample());
      assert.deepEqual(sampler.samples(), taken.slice(2));
      const more = sampler.sample();
      assert.deepEqual(sampler.samples(), [...taken.slice(3), more]);
    } finally {
      sampler.close();
    }
  });

  test('current utilization follows the work: high while it runs, 0 a few intervals after', async () => {
    const sampler = new PoolSampler(pool, { intervalMs: 100, history: 50 });
    try {
      const work = [1, 2].map(() => pool.run('checkPrimes', slowBatch(15)));
      await sleep(250);
      const busy = sampler.current();
      assert.ok(busy.utilization > 0.9, `busy pool at ${busy.utilization}`);
      assert.equal(busy.inFlight, 2);
      await Promise.all(work);
      await sleep(350);
      const after = sampler.current();
      assert.ok(after.utilization < 0.02, `idle pool still at ${after.utilization}`);
      assert.ok(sampler.samples().length >= 4, 'the timer samples on its own');
    } finally {
      sampler.close();
    }
  });
});
