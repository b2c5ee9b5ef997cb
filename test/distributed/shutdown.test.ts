/**
 * A worker on SIGTERM, with real processes on a real Redis: within SHUTDOWN_TIMEOUT_MS it
 * finishes the job it runs; past it, it hands the job (and its shards) back to the queue at
 * once, and another worker finishes it. Either way the answer is right and the worker exits 0.
 * And the image's health check (src/healthcheck.ts) on the same processes: a worker is
 * healthy while its heartbeat file is fresh and not once it stopped, a replica while /healthz answers.
 *
 * Claims last a minute here, so a job that was not handed back (left to stall) would not be
 * taken over within the test's wait: only a real hand-back passes.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, test } from 'node:test';
import { QueueEvents } from 'bullmq';
import { runToExit, type ServerProcess, startServerProcess, startWorkerProcess, type WorkerProcess } from '../helpers/server.js';
import { testRedis } from '../helpers/services.js';

interface Job {
  id: string;
  status: string;
  progress: { done: number; total: number } | null;
  finishedAt: string | null;
  result?: { count: string };
  problem?: unknown;
}

async function json<T>(response: Response): Promise<T> {
  return (await response.json()) as T;
}

async function until(api: ServerProcess, id: string, done: (job: Job) => boolean, timeoutMs: number): Promise<Job> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const job = await json<Job>(await fetch(`${api.url}/v1/jobs/${id}`));
    if (done(job)) return job;
    if (Date.now() > deadline) throw new Error(`job ${id} still ${job.status} after ${timeoutMs} ms: ${JSON.stringify(job)}`);
    await sleep(50);
  }
}

/** The whole text of an event stream, once it ends. */
async function readStream(url: string): Promise<string> {
  const response = await fetch(url);
  return response.text();
}

const isFinished = (job: Job): boolean => ['succeeded', 'failed', 'cancelled'].includes(job.status);

describe('a worker on SIGTERM', { skip: testRedis.skip }, () => {
  let environment: Record<string, string>;
  let api: ServerProcess;
  let impatient: WorkerProcess;
  let patient: WorkerProcess | undefined;
  let events: QueueEvents;
  const stalled: string[] = [];
  const healthDirectory = mkdtempSync(join(tmpdir(), 'crunch-worker-health-'));
  const healthFile = join(healthDirectory, 'impatient');

  before(async () => {
    if (testRedis.skip !== false) return;
    environment = {
      REDIS_URL: testRedis.address(),
      REDIS_PREFIX: `shutdown-${randomBytes(4).toString('hex')}`,
      POOL_THREADS: '1',
      WORKER_LOCK_DURATION_MS: '60000',
    };
    events = new QueueEvents('jobs', { connection: { url: testRedis.address() }, prefix: environment['REDIS_PREFIX'] as string });
    events.on('stalled', ({ jobId }) => stalled.push(jobId));
    [api, impatient] = await Promise.all([
      startServerProcess(environment),
      startWorkerProcess({ ...environment, SHUTDOWN_TIMEOUT_MS: '300', WORKER_HEALTH_FILE: healthFile }),
      events.waitUntilReady(),
    ]);
  });
  after(async () => {
    if (testRedis.skip !== false) return;
    await Promise.all([api.stop(), impatient.kill('SIGKILL'), patient?.kill('SIGKILL'), events.close()]);
    rmSync(healthDirectory, { recursive: true, force: true });
  });

  const submit = async (path: string): Promise<Job> => {
    const response = await fetch(`${api.url}${path}`, { headers: { Prefer: 'respond-async' } });
    assert.equal(response.status, 202, await response.clone().text());
    return json<Job>(response);
  };
  /** The same count by the other method, on the replica's own pool. */
  const expectedCount = async (to: number): Promise<string> =>
    (await json<{ count: string }>(await fetch(`${api.url}/v1/primes/count?to=${to}&method=pi`))).count;

  test('the health check: a worker is healthy by its heartbeat file, a replica by /healthz, nothing listening is not', async () => {
    const [worker, replica, nothing] = await Promise.all([
      runToExit('src/healthcheck.ts', { WORKER_HEALTH_FILE: healthFile }),
      runToExit('src/healthcheck.ts', { WORKER_HEALTH_FILE: join(healthDirectory, 'none'), PORT: String(api.port) }),
      runToExit('src/healthcheck.ts', { PORT: '1' }),
    ]);
    assert.equal(worker.code, 0, worker.output);
    assert.equal(replica.code, 0, replica.output);
    assert.equal(nothing.code, 1, nothing.output);
    assert.match(nothing.output, /unhealthy: server/);
  });

  test('past SHUTDOWN_TIMEOUT_MS it hands its job back at once: another worker finishes it right, and it exits 0', async () => {
    // Several seconds of sieving on one thread, fanned out as shards over the workers alive.
    const to = 20_000_000_000;
    const job = await submit(`/v1/primes/count?to=${to}&method=sieve`);
    const stream = readStream(`${api.url}/v1/jobs/${job.id}/events`);
    await until(api, job.id, (state) => state.status === 'running' || isFinished(state), 10_000);
    patient = await startWorkerProcess({ ...environment, SHUTDOWN_TIMEOUT_MS: '60000' });
    const running = await json<Job>(await fetch(`${api.url}/v1/jobs/${job.id}`));
    assert.equal(running.status, 'running', 'the job ended before the worker could be stopped: make it longer');

    const stoppedAt = Date.now();
    assert.equal(await impatient.kill('SIGTERM'), 0);
    const exitedAt = Date.now();
    assert.ok(exitedAt - stoppedAt < 10_000, `the worker took ${exitedAt - stoppedAt} ms to stop`);
    assert.ok(impatient.log.some((line) => line.includes('handed back')), impatient.log.join('\n'));
    assert.equal(existsSync(healthFile), false, 'a stopped worker left its health file');

    const finished = await until(api, job.id, isFinished, 45_000);
    assert.equal(finished.status, 'succeeded', JSON.stringify(finished));
    assert.equal(finished.result?.count, await expectedCount(to));
    assert.ok(Date.parse(finished.finishedAt ?? '') > exitedAt, 'the stopped worker finished the job itself');
    assert.deepEqual(stalled, [], 'the job was left to stall instead of being handed back');
    // The stream saw it go back to queued and run again, its events numbered on across both runs.
    const events = (await stream).split('\n\n').filter((block) => block.includes('data: '));
    const statuses = events.filter((block) => block.startsWith('event: status')).map((block) => /"status":"(\w+)"/.exec(block)?.[1]);
    assert.deepEqual(statuses.slice(-3), ['queued', 'running', 'succeeded'], statuses.join(' '));
    // The first frame is the state when the stream opened, which carries no id.
    const numbers = events.flatMap((block) => /^id: [\w-]+\.(\d+)$/m.exec(block)?.[1] ?? []).map(Number);
    assert.ok(numbers.length >= 3, numbers.join(' '));
    assert.ok(numbers.every((number, index) => index === 0 || number > (numbers[index - 1] as number)), numbers.join(' '));
  });

  test('within SHUTDOWN_TIMEOUT_MS it finishes the job it runs before exiting 0', async () => {
    assert.ok(patient !== undefined);
    const to = 6_000_000_000;
    const job = await submit(`/v1/primes/count?to=${to}&method=sieve`);
    await until(api, job.id, (state) => state.status === 'running' || isFinished(state), 10_000);
    assert.equal(await patient.kill('SIGTERM'), 0);
    const exitedAt = Date.now();
    // The only worker is gone: what it did not finish, nobody will.
    const finished = await json<Job>(await fetch(`${api.url}/v1/jobs/${job.id}`));
    assert.equal(finished.status, 'succeeded', JSON.stringify(finished));
    assert.ok(Date.parse(finished.finishedAt ?? '') <= exitedAt);
    assert.equal(finished.result?.count, await expectedCount(to));
  });
});
