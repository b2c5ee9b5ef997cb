/**
 * The distributed mode with real processes: two API replicas and two workers on a real
 * Redis. A worker killed with SIGKILL mid-job loses nothing; a job submitted on one replica
 * is polled, streamed and cancelled on the other; Redis going away costs jobs a 503 and
 * synchronous calls nothing; a Redis that would evict keys is refused at start.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, test } from 'node:test';
import { Queue, QueueEvents } from 'bullmq';
import { Redis } from 'ioredis';
import { startPrivateRedis, type PrivateRedis } from '../helpers/redis-server.js';
import { runToExit, type ServerProcess, startServerProcess, startWorkerProcess, type WorkerProcess } from '../helpers/server.js';
import { testRedis } from '../helpers/services.js';

interface Job {
  id: string;
  status: string;
  progress: { done: number; total: number } | null;
  result?: { count: string };
  problem?: { type: string };
}

async function json<T>(response: Response): Promise<T> {
  return (await response.json()) as T;
}

async function finished(api: ServerProcess, id: string, timeoutMs: number): Promise<Job> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const job = await json<Job>(await fetch(`${api.url}/v1/jobs/${id}`));
    if (['succeeded', 'failed', 'cancelled'].includes(job.status)) return job;
    if (Date.now() > deadline) throw new Error(`job ${id} still ${job.status} after ${timeoutMs} ms`);
    await sleep(100);
  }
}

const submit = async (api: ServerProcess, path: string): Promise<Job> => {
  const response = await fetch(`${api.url}${path}`, { headers: { Prefer: 'respond-async' } });
  assert.equal(response.status, 202, await response.clone().text());
  return json<Job>(response);
};

describe('two replicas, two workers', { skip: testRedis.skip }, () => {
  let environment: Record<string, string>;
  let replicas: ServerProcess[] = [];
  let workers: WorkerProcess[] = [];

  before(async () => {
    environment = {
      REDIS_URL: testRedis.address(),
      REDIS_PREFIX: `faults-${randomBytes(4).toString('hex')}`,
      POOL_THREADS: '1',
      // Short claims so a dead worker's jobs are taken over within seconds in the test.
      WORKER_LOCK_DURATION_MS: '2000',
      WORKER_STALLED_INTERVAL_MS: '1000',
    };
    [replicas, workers] = await Promise.all([
      Promise.all([startServerProcess(environment), startServerProcess(environment)]),
      Promise.all([startWorkerProcess(environment), startWorkerProcess(environment)]),
    ]);
  });
  after(async () => {
    await Promise.all([...replicas.map((replica) => replica.stop()), ...workers.map((worker) => worker.kill('SIGKILL'))]);
  });

  test('fan-out spreads a job over every worker: each of its shards runs on another worker', async () => {
    const [api] = replicas as [ServerProcess];
    // pi(x) is cut into one shard per thread of the cluster: two here, one thread per worker.
    const job = await submit(api, '/v1/primes/count?to=100000000000000&method=pi');
    const result = await finished(api, job.id, 60_000);
    assert.equal(result.result?.count, '3204941750802');
    const tasks = new Queue('tasks', { connection: { url: testRedis.address() }, prefix: environment['REDIS_PREFIX'] as string });
    try {
      const shards = (await tasks.getJobs(['completed'])).filter((shard) => shard.id?.startsWith(`${job.id}.`));
      assert.equal(shards.length, 2);
      const ranOn = new Set(shards.map((shard) => shard.processedBy));
      assert.equal(ranOn.size, 2, `both shards ran on ${[...ranOn].join(', ')}`);
    } finally {
      await tasks.close();
    }
  });

  test('a worker killed with SIGKILL mid-job loses nothing: every job succeeds with the right answer', async () => {
    const [api] = replicas as [ServerProcess];
    const stalled: string[] = [];
    const watchers = ['jobs', 'tasks'].map((queue) => {
      const events = new QueueEvents(queue, { connection: { url: testRedis.address() }, prefix: environment['REDIS_PREFIX'] as string });
      events.on('stalled', ({ jobId }) => stalled.push(jobId));
      return events;
    });
    await Promise.all(watchers.map((events) => events.waitUntilReady()));
    // Sieve counts of about a second each, fanned out over both workers' threads.
    const ranges = Array.from({ length: 6 }, (_, index) => [index * 1_000_000_000, (index + 1) * 1_000_000_000 + 12_345] as const);
    const jobs = await Promise.all(ranges.map(([from, to]) => submit(api, `/v1/primes/count?from=${from}&to=${to}&method=sieve`)));
    // Let both workers get going, then kill one.
    for (let waited = 0; waited < 10_000; waited += 100) {
      const states = await Promise.all(jobs.map(async (job) => json<Job>(await fetch(`${api.url}/v1/jobs/${job.id}`))));
      if (states.filter((job) => job.status === 'running').length >= 2) break;
      await sleep(100);
    }
    assert.equal(await (workers[0] as WorkerProcess).kill('SIGKILL'), 'SIGKILL');
    const results = await Promise.all(jobs.map((job) => finished(api, job.id, 60_000)));
    for (const [index, result] of results.entries()) {
      assert.equal(result.status, 'succeeded', JSON.stringify(result));
      const [from, to] = ranges[index] as readonly [number, number];
      // The same count by the other method, on the replica's own pool.
      const expected = await json<{ count: string }>(await fetch(`${api.url}/v1/primes/count?from=${from}&to=${to}&method=pi`));
      assert.equal(result.result?.count, expected.count, `[${from}, ${to}]`);
    }
    // The killed worker did hold work, which another took over.
    assert.ok(stalled.length > 0, 'nothing the killed worker held was taken over');
    await Promise.all(watchers.map((events) => events.close()));
  });

  test('submitted on one replica: polled, streamed and cancelled on the other', async () => {
    const [first, second] = replicas as [ServerProcess, ServerProcess];
    // Far longer than the test (minutes on two threads): it must still run when it is cancelled.
    const job = await submit(first, '/v1/primes/count?from=0&to=400000000000&method=sieve');
    const events = await fetch(`${second.url}/v1/jobs/${job.id}/events`);
    assert.match(String(events.headers.get('content-type')), /text\/event-stream/);
    const reader = events.body!.getReader();
    let text = '';
    while (!/"phase":"sieve"/.test(text)) {
      const chunk = await reader.read();
      if (chunk.done) break;
      text += Buffer.from(chunk.value).toString('utf8');
    }
    assert.match(text, /event: progress/);
    const polled = await json<Job>(await fetch(`${second.url}/v1/jobs/${job.id}`));
    assert.equal(polled.status, 'running');
    const startedAt = performance.now();
    const cancelled = await fetch(`${second.url}/v1/jobs/${job.id}`, { method: 'DELETE' });
    assert.equal(cancelled.status, 200);
    assert.equal((await json<Job>(cancelled)).status, 'cancelled');
    assert.ok(performance.now() - startedAt < 10_000);
    // The stream on the second replica ends with the final state.
    for (;;) {
      const chunk = await reader.read();
      if (chunk.done) break;
      text += Buffer.from(chunk.value).toString('utf8');
    }
    assert.match(text, /"status":"cancelled"/);
    assert.equal((await json<Job>(await fetch(`${first.url}/v1/jobs/${job.id}`))).status, 'cancelled');
    // The work stopped: a small job runs at once on the remaining worker.
    const next = await submit(first, '/v1/primes/count?to=100000000&method=sieve');
    assert.equal((await finished(first, next.id, 10_000)).result?.count, '5761455');
  });
});

describe('a job the queue gives up on', { skip: testRedis.skip }, () => {
  let environment: Record<string, string>;
  let api: ServerProcess;
  const workers: WorkerProcess[] = [];

  before(async () => {
    environment = {
      REDIS_URL: testRedis.address(),
      REDIS_PREFIX: `lost-${randomBytes(4).toString('hex')}`,
      POOL_THREADS: '1',
      WORKER_LOCK_DURATION_MS: '2000',
      WORKER_STALLED_INTERVAL_MS: '1000',
      // No second chance: the first stall fails the job in BullMQ.
      WORKER_MAX_STALLED: '0',
    };
    api = await startServerProcess(environment);
  });
  after(async () => {
    await Promise.all([api.stop(), ...workers.map((worker) => worker.kill('SIGKILL'))]);
  });

  test('past WORKER_MAX_STALLED a killed worker\'s job ends failed with a problem instead of running for ever', async () => {
    workers.push(await startWorkerProcess(environment));
    const job = await submit(api, '/v1/primes/count?from=0&to=60000000000&method=sieve');
    for (let waited = 0; ; waited += 100) {
      if ((await json<Job>(await fetch(`${api.url}/v1/jobs/${job.id}`))).status === 'running') break;
      assert.ok(waited < 10_000, 'the job did not start');
      await sleep(100);
    }
    // A second worker, which will find the first one's job stalled.
    workers.push(await startWorkerProcess(environment));
    assert.equal(await (workers[0] as WorkerProcess).kill('SIGKILL'), 'SIGKILL');
    const result = await finished(api, job.id, 30_000);
    assert.equal(result.status, 'failed', JSON.stringify(result));
    assert.equal(result.problem?.type, 'https://crunch.dev/problems/internal');
  });
});

describe('Redis going away', { skip: testRedis.skip }, () => {
  let redis: PrivateRedis;
  let api: ServerProcess;
  before(async () => {
    redis = await startPrivateRedis();
    api = await startServerProcess({ REDIS_URL: redis.url, POOL_THREADS: '1' });
  });
  after(async () => {
    await api.stop();
    await redis.stop();
  });

  test('jobs get a 503 problem while it is away, synchronous calls keep working, and jobs come back by themselves', async () => {
    await redis.stop();
    await sleep(200);
    const refused = await fetch(`${api.url}/v1/primes/97`, { headers: { Prefer: 'respond-async' } });
    assert.equal(refused.status, 503);
    const problem = await json<{ type: string }>(refused);
    assert.equal(problem.type, 'https://crunch.dev/problems/jobs-unavailable');
    assert.ok(Number(refused.headers.get('retry-after')) > 0);
    const sync = await fetch(`${api.url}/v1/primes/97`);
    assert.equal(sync.status, 200);
    await redis.restart();
    for (let attempt = 0; ; attempt += 1) {
      const again = await fetch(`${api.url}/v1/primes/97`, { headers: { Prefer: 'respond-async' } });
      if (again.status === 202) break;
      assert.ok(attempt < 100, 'the replica did not reconnect within 10 s');
      await sleep(100);
    }
  });

  test('a full Redis (maxmemory reached, noeviction) refuses submissions with a 503 overloaded problem, not a 500', async () => {
    const admin = new Redis(redis.url);
    try {
      await admin.config('SET', 'maxmemory', '1');
      const refused = await fetch(`${api.url}/v1/primes/97`, { headers: { Prefer: 'respond-async' } });
      assert.equal(refused.status, 503, await refused.clone().text());
      const problem = await json<{ type: string; detail: string }>(refused);
      assert.equal(problem.type, 'https://crunch.dev/problems/overloaded');
      assert.match(problem.detail, /maxmemory/);
      assert.ok(Number(refused.headers.get('retry-after')) > 0);
      await admin.config('SET', 'maxmemory', '0');
      const accepted = await fetch(`${api.url}/v1/primes/97`, { headers: { Prefer: 'respond-async' } });
      assert.equal(accepted.status, 202);
    } finally {
      await admin.config('SET', 'maxmemory', '0').catch(() => undefined);
      admin.disconnect();
    }
  });
});

describe('Redis checked at start', { skip: testRedis.skip }, () => {
  test('a Redis that may evict keys is refused by the server and the worker, with what to change', async () => {
    const evicting = await startPrivateRedis(['--maxmemory', '100mb', '--maxmemory-policy', 'allkeys-lru']);
    try {
      for (const entry of ['src/server.ts', 'src/worker.ts']) {
        const { code, output } = await runToExit(entry, { REDIS_URL: evicting.url, LOG_LEVEL: 'silent' });
        assert.equal(code, 2, output);
        assert.match(output, /maxmemory-policy allkeys-lru/);
        assert.match(output, /noeviction/);
      }
    } finally {
      await evicting.stop();
    }
  });

  test('a worker without REDIS_URL says what to set', async () => {
    const { code, output } = await runToExit('src/worker.ts', { REDIS_URL: '' });
    assert.equal(code, 2);
    assert.match(output, /REDIS_URL/);
  });
});
