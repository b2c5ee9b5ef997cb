/**
 * The log for operators: one JSON line per request with its route, where the work ran, the
 * problem type and the job id where they apply (4xx at info, 5xx at error), and job lifecycle
 * lines (submitted, started, finished with its duration, cancelled) from the embedded runner
 * and from a distributed worker alike.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { Writable } from 'node:stream';
import { after, before, describe, test } from 'node:test';
import { type Logger, pino } from 'pino';
import supertest from 'supertest';
import { createAppServer } from '../../src/app.js';
import { DistributedWorker } from '../../src/distributed/worker.js';
import { closeServices, createServices } from '../../src/services.js';
import { jobModes, skipMode, testConfig } from '../helpers/app.js';
import { testRedis } from '../helpers/services.js';

interface Line {
  level: number;
  msg: string;
  [field: string]: unknown;
}

/** A pino logger whose lines land in `lines`, parsed. */
function capture(): { logger: Logger; lines: Line[] } {
  const lines: Line[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const text of chunk.toString().split('\n')) if (text !== '') lines.push(JSON.parse(text) as Line);
      done();
    },
  });
  const logger: Logger = pino({ level: 'info' }, sink);
  return { logger, lines };
}

const info = 30;
const error = 50;

for (const mode of jobModes) {
  describe(`logs (${mode} jobs)`, { skip: skipMode(mode) }, () => {
    const api = capture();
    const workerLog = capture();
    let request: supertest.Agent;
    let close: () => Promise<void>;
    let services: ReturnType<typeof createServices>;

    before(async () => {
      const settings: Record<string, string> =
        mode === 'embedded'
          ? {}
          : { REDIS_URL: testRedis.address(), REDIS_PREFIX: `test-${randomBytes(6).toString('hex')}`, POOL_THREADS: '1' };
      const config = testConfig(settings);
      services = createServices(config, { logger: api.logger });
      await services.ready;
      const { server } = createAppServer(services);
      request = supertest.agent(server);
      const worker = mode === 'distributed' ? new DistributedWorker(config, workerLog.logger) : undefined;
      await worker?.start();
      close = async () => {
        server.close();
        await closeServices(services);
        await worker?.close(1_000);
      };
    });
    after(() => close?.());

    const requestLines = (lines: Line[], path: string): Line[] => lines.filter((line) => line.msg === 'request' && line['path'] === path);

    test('one line per request: route, placement; a 4xx at info with its problem type', async () => {
      await request.get('/v1/primes/count').query({ to: '1000' }).expect(200);
      await request.get('/v1/primes/-3').expect(422);
      const [ok] = requestLines(api.lines, '/v1/primes/count');
      assert.equal(requestLines(api.lines, '/v1/primes/count').length, 1);
      assert.equal(ok?.level, info);
      assert.equal(ok?.['route'], '/v1/primes/count');
      assert.equal(ok?.['status'], 200);
      assert.match(String(ok?.['placement']), /^(inline|sliced|pool)$/);
      assert.equal(typeof ok?.['requestId'], 'string');
      const [bad] = requestLines(api.lines, '/v1/primes/-3');
      assert.equal(bad?.level, info);
      assert.equal(bad?.['problem'], 'validation-failed');
      assert.equal(bad?.['route'], '/v1/primes/:n');
    });

    test('a 5xx at error, with its problem type', async () => {
      services.lifecycle.shuttingDown = true;
      try {
        await request.get('/v1/system/pool').expect(503);
      } finally {
        services.lifecycle.shuttingDown = false;
      }
      const [line] = requestLines(api.lines, '/v1/system/pool');
      assert.equal(line?.level, error);
      assert.equal(line?.['problem'], 'shutting-down');
    });

    test('job lifecycle: submitted, started, finished with its duration, cancelled; requests name the job', async () => {
      const jobLines = (id: string): Line[] => [...api.lines, ...workerLog.lines].filter((line) => line['jobId'] === id && line.msg !== 'request');
      const accepted = await request.get('/v1/primes/count').query({ to: '100000' }).set('Prefer', 'respond-async').expect(202);
      const id = (accepted.body as { id: string }).id;
      for (let attempt = 0; attempt < 500 && !jobLines(id).some((line) => line.msg === 'job succeeded'); attempt += 1) {
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      assert.deepEqual(
        jobLines(id).map((line) => line.msg),
        ['job submitted', 'job started', 'job succeeded'],
      );
      const done = jobLines(id).at(-1);
      assert.equal(done?.['operation'], 'primes.count');
      assert.ok(typeof done?.['ms'] === 'number' && done['ms'] >= 0);
      // In the distributed mode the API submits and the worker runs.
      const runner = mode === 'embedded' ? api.lines : workerLog.lines;
      assert.ok(runner.some((line) => line['jobId'] === id && line.msg === 'job started'));
      assert.equal(requestLines(api.lines, '/v1/primes/count').at(-1)?.['jobId'], id);

      const slow = await request.get('/v1/primes/count').query({ to: '9007199254740992', method: 'pi' }).set('Prefer', 'respond-async').expect(202);
      const slowId = (slow.body as { id: string }).id;
      for (let attempt = 0; attempt < 500 && !jobLines(slowId).some((line) => line.msg === 'job started'); attempt += 1) {
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      await request.delete(`/v1/jobs/${slowId}`).expect(200);
      for (let attempt = 0; attempt < 500 && !jobLines(slowId).some((line) => line.msg === 'job cancelled'); attempt += 1) {
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      const cancelled = jobLines(slowId).find((line) => line.msg === 'job cancelled');
      assert.equal(cancelled?.['status'], 'cancelled');
      assert.equal(cancelled?.level, info);
      assert.equal(requestLines(api.lines, `/v1/jobs/${slowId}`).at(-1)?.['jobId'], slowId);
    });
  });
}
