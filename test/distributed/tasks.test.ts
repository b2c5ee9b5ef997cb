/** Shards on the tasks queue of a real Redis, with no worker to take them: what a cancel does to one on its way out. */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, test } from 'node:test';
import { Queue, QueueEvents } from 'bullmq';
import { Redis } from 'ioredis';
import { DistributedState } from '../../src/distributed/jobs.js';
import { ClusterTasks, type QueuedTaskData, type TaskQueue, type TaskReturn } from '../../src/distributed/tasks.js';
import { testConfig } from '../helpers/app.js';
import { testRedis } from '../helpers/services.js';

describe('a shard on the tasks queue', { skip: testRedis.skip }, () => {
  let redis: Redis;
  let blocking: Redis;
  let tasks: TaskQueue;
  before(() => {
    if (testRedis.skip !== false) return;
    const config = testConfig({ REDIS_URL: testRedis.address(), REDIS_PREFIX: `tasks-test-${randomBytes(4).toString('hex')}` });
    const distributed = config.distributed;
    assert.ok(distributed !== undefined);
    redis = new Redis(distributed.redisUrl);
    blocking = new Redis(distributed.redisUrl, { maxRetriesPerRequest: null });
    const state = new DistributedState(redis, distributed, config);
    const options = { connection: redis, prefix: distributed.prefix };
    tasks = {
      queue: new Queue<QueuedTaskData, TaskReturn>(state.keys.tasksQueue, options),
      events: new QueueEvents(state.keys.tasksQueue, { connection: blocking, prefix: distributed.prefix }),
      state,
    };
  });
  after(async () => {
    if (testRedis.skip !== false) return;
    await tasks.queue.obliterate({ force: true });
    await Promise.all([tasks.queue.close(), tasks.events.close(), tasks.state.channels.close()]);
    redis.disconnect();
    blocking.disconnect();
  });

  test('a cancel that lands while the shard is being added stops the run, and the shard is dropped', async () => {
    const controller = new AbortController();
    const shards = new ClusterTasks(tasks, `job-${randomBytes(4).toString('hex')}`, 2);
    const running = shards.run('sieveCount', { from: 0n, to: 1_000n }, { signal: controller.signal });
    // The run is now encoding its input and adding the child: the cancel lands in between.
    const reason = new Error('job cancelled');
    controller.abort(reason);
    const outcome = await Promise.race([running.then(() => 'finished', (error: unknown) => error), sleep(3_000, 'still waiting')]);
    assert.equal(outcome, reason, 'nothing takes the shard here, so a run deaf to the cancel waits for ever');
    let waiting = await tasks.queue.getJobCounts('waiting', 'prioritized', 'active');
    for (let attempt = 0; Object.values(waiting).some((count) => count > 0) && attempt < 40; attempt += 1) {
      await sleep(25);
      waiting = await tasks.queue.getJobCounts('waiting', 'prioritized', 'active');
    }
    assert.deepEqual(waiting, { waiting: 0, prioritized: 0, active: 0 });
  });
});
