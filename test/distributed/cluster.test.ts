/** The registry of live workers on a real Redis: threads summed, a withdrawn or silent worker no longer counted. */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, test } from 'node:test';
import { Redis } from 'ioredis';
import { announceWorker, clusterThreads, withdrawWorker } from '../../src/distributed/cluster.js';
import { testRedis } from '../helpers/services.js';

describe('live workers', { skip: testRedis.skip }, () => {
  let redis: Redis;
  const key = `cluster-test-${randomBytes(4).toString('hex')}:workers`;
  before(() => {
    if (testRedis.skip === false) redis = new Redis(testRedis.address());
  });
  after(async () => {
    if (testRedis.skip !== false) return;
    await redis.del(key);
    redis.disconnect();
  });

  test('each announcement renews a worker and answers the threads of all; withdrawn or lapsed ones drop out', async () => {
    assert.equal(await clusterThreads(redis, key), 0);
    assert.equal(await announceWorker(redis, key, { id: 'a', threads: 2 }, 60_000), 2);
    assert.equal(await announceWorker(redis, key, { id: 'b', threads: 3 }, 300), 5);
    // Renewing is not counting twice.
    assert.equal(await announceWorker(redis, key, { id: 'a', threads: 2 }, 60_000), 5);
    assert.equal(await clusterThreads(redis, key), 5);
    await sleep(400);
    assert.equal(await clusterThreads(redis, key), 2, 'a worker that stopped beating is still counted');
    await withdrawWorker(redis, key, { id: 'a', threads: 2 });
    assert.equal(await clusterThreads(redis, key), 0);
  });
});
