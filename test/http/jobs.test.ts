import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, test } from 'node:test';
import { type JobMode, type TestApp, jobModes, problemOf, skipMode, startModeApp } from '../helpers/app.js';
import { type JobBody, pollUntilFinished, readEvents } from '../helpers/jobs.js';

/** About 0.3 s of BPSW per copy on this machine: a job slow enough to watch and cancel. */
const slowPrime = (2n ** 3217n - 1n).toString();
const slowBatch = { numbers: Array.from({ length: 40 }, () => slowPrime) };

function jobSuite(mode: JobMode): void {
  describe(`jobs for compute calls (${mode})`, { skip: skipMode(mode) }, () => {
    let app: Awaited<ReturnType<typeof startModeApp>>;
    before(async () => {
      app = await startModeApp(mode, { JOB_TTL_SECONDS: '2' });
    });
    after(() => app.close());

    test('Prefer: respond-async answers 202 with a job whose result is the sync body', async () => {
      const body = { numbers: [2, 91, '18446744073709551557', '170141183460469231731687303715884105727'] };
      const sync = await app.request.post('/v1/primes/check').send(body).expect(200);
      const accepted = await app.request.post('/v1/primes/check').set('Prefer', 'respond-async').send(body).expect(202);
      const job = accepted.body as JobBody;
      assert.equal(accepted.headers['location'], `/v1/jobs/${job.id}`);
      assert.equal(accepted.headers['preference-applied'], 'respond-async');
      assert.match(job.id, /^[A-Za-z0-9_-]{22}$/);
      assert.equal(job.operation, 'primes.check');
      assert.deepEqual(job.links, { self: `/v1/jobs/${job.id}`, events: `/v1/jobs/${job.id}/events` });
      const finished = await pollUntilFinished(app, accepted.headers['location'] as string);
      assert.equal(finished.status, 'succeeded');
      assert.deepEqual(finished.result, sync.body);
      assert.ok(finished.expiresAt !== null);
    });

    test('Prefer: wait=N returns the result itself when it is ready in time', async () => {
      const response = await app.request.get('/v1/primes/97').set('Prefer', 'wait=5').expect(200);
      assert.deepEqual(response.body, { n: '97', prime: true, test: 'deterministic' });
      assert.match(String(response.headers['content-location']), /^\/v1\/jobs\/[A-Za-z0-9_-]{22}$/);
      const job = await app.request.get(response.headers['content-location'] as string).expect(200);
      assert.deepEqual(job.body.result, response.body);
    });

    test('Prefer: wait=N falls back to 202 when the work takes longer', async () => {
      const response = await app.request.post('/v1/primes/check').set('Prefer', 'respond-async, wait=0.2').send(slowBatch).expect(202);
      const job = response.body as JobBody;
      // Unfinished; on a loaded machine the worker may not have taken it within the 0.2 s yet.
      assert.ok(job.status === 'running' || job.status === 'queued', job.status);
      await app.request.delete(`/v1/jobs/${job.id}`).expect(200);
    });

    test('a failing job ends failed with the problem the sync call would give', async () => {
      const local = await startModeApp(mode, { JOB_TIMEOUT_MS: '1500' });
      try {
        // Two 62-bit prime factors: estimated like any 124-bit number, but rho needs ~2^31 steps.
        const hard = (4611686018427387847n * 4611686018427388039n).toString();
        const accepted = await local.request.post('/v1/primes/factor').set('Prefer', 'respond-async').send({ numbers: [hard] }).expect(202);
        const finished = await pollUntilFinished(local, accepted.headers['location'] as string);
        assert.equal(finished.status, 'failed');
        assert.equal(finished.problem?.type, 'https://crunch.dev/problems/deadline-exceeded');
        assert.equal(finished.problem?.status, 422);
        assert.match(String(finished.problem?.detail), /1500 ms/);
        // The process and its pool survive: the next call works.
        await local.request.get('/v1/primes/97').expect(200);
      } finally {
        await local.close();
      }
    });

    test('a job whose estimate is beyond the job deadline is refused with 422 too-costly before it starts', async () => {
      const local = await startModeApp(mode, { JOB_TIMEOUT_MS: '100' });
      try {
        const refused = await local.request.post('/v1/primes/check').set('Prefer', 'respond-async').send(slowBatch).expect(422);
        const problem = problemOf(refused);
        assert.equal(problem.type, 'https://crunch.dev/problems/too-costly');
        assert.match(problem.detail, /beyond its deadline of 100 ms/);
        assert.deepEqual((await local.request.get('/v1/jobs').expect(200)).body.jobs, []);
      } finally {
        await local.close();
      }
    });

    test('DELETE cancels a running job and stops its pool work; cancelling again is a 409', async () => {
      const accepted = await app.request.post('/v1/primes/check').set('Prefer', 'respond-async').send(slowBatch).expect(202);
      const location = accepted.headers['location'] as string;
      await sleep(100);
      const startedAt = performance.now();
      const cancelled = await app.request.delete(location).expect(200);
      assert.equal(cancelled.body.status, 'cancelled');
      assert.ok(performance.now() - startedAt < 5_000, 'cancellation waited for the whole batch');
      assert.equal((await app.request.get(location).expect(200)).body.status, 'cancelled');
      const again = await app.request.delete(location).expect(409);
      assert.equal(problemOf(again).type, 'https://crunch.dev/problems/job-finished');
      // The pool still works after its thread was stopped.
      await app.request.get(`/v1/primes/${(2n ** 1279n - 1n).toString()}`).set('X-Crunch-Route', 'pool').expect(200);
    });

    test('a cancel whose broadcast never arrives still stops a running job (distributed: the worker reads the flag)', { skip: mode === 'embedded' && 'a distributed worker only' }, async () => {
      const accepted = await app.request.post('/v1/primes/check').set('Prefer', 'respond-async').send(slowBatch).expect(202);
      const location = accepted.headers['location'] as string;
      let job = (await app.request.get(location).expect(200)).body as JobBody;
      for (let attempt = 0; job.status !== 'running' && attempt < 200; attempt += 1) {
        await sleep(20);
        job = (await app.request.get(location).expect(200)).body as JobBody;
      }
      assert.equal(job.status, 'running');
      // The flag alone, as DELETE writes it, without the pub/sub message that may be lost.
      await app.worker!.state.records.requestCancel(job.id);
      const finished = await pollUntilFinished(app, location);
      assert.equal(finished.status, 'cancelled');
    });

    test('events stream progress and end with the final state', async () => {
      const numbers = Array.from({ length: 8_000 }, (_, index) => (10n ** 30n + BigInt(index)).toString());
      const accepted = await app.request
        .post('/v1/primes/check')
        .set('Prefer', 'respond-async')
        .set('X-Crunch-Route', 'pool')
        .send({ numbers })
        .expect(202);
      const events = await readEvents(app, `${accepted.headers['location'] as string}/events`);
      assert.ok(events.length >= 2, `expected several events, got ${events.length}`);
      const last = events.at(-1)!;
      assert.equal(last.event, 'status');
      assert.equal(last.data.status, 'succeeded');
      assert.equal((last.data.result as { count: number }).count, numbers.length);
      const progress = events.filter((event) => event.event === 'progress').map((event) => event.data.progress!);
      for (const update of progress) assert.ok(update.done <= update.total && update.total === numbers.length);
      const final = await app.request.get(accepted.headers['location'] as string).expect(200);
      assert.deepEqual(final.body.progress, { phase: 'numbers', done: numbers.length, total: numbers.length });
    });

    test('events of a finished job: one status event, then the stream ends', async () => {
      const accepted = await app.request.get('/v1/primes/7').set('Prefer', 'respond-async').expect(202);
      await pollUntilFinished(app, accepted.headers['location'] as string);
      const events = await readEvents(app, `${accepted.headers['location'] as string}/events`);
      assert.equal(events.length, 1);
      assert.equal(events[0]!.data.status, 'succeeded');
    });

    test('Idempotency-Key returns the same job for the same request, and refuses a different one', async () => {
      const body = { numbers: [5, 6, 7] };
      const first = await app.request.post('/v1/primes/check').set('Prefer', 'respond-async').set('Idempotency-Key', 'key-1').send(body).expect(202);
      const second = await app.request.post('/v1/primes/check').set('Prefer', 'respond-async').set('Idempotency-Key', 'key-1').send(body).expect(202);
      assert.equal(second.body.id, first.body.id);
      assert.equal(second.headers['idempotent-replayed'], 'true');
      const other = await app.request
        .post('/v1/primes/check')
        .set('Prefer', 'respond-async')
        .set('Idempotency-Key', 'key-1')
        .send({ numbers: [5, 6, 8] })
        .expect(422);
      assert.equal(problemOf(other).type, 'https://crunch.dev/problems/idempotency-conflict');
      const fresh = await app.request.post('/v1/primes/check').set('Prefer', 'respond-async').set('Idempotency-Key', 'key-2').send(body).expect(202);
      assert.notEqual(fresh.body.id, first.body.id);
    });

    test('Idempotency-Key works with a binary upload the route reads itself', async () => {
      const body = (values: number[]) => Buffer.from(new Float64Array(values).buffer);
      const submit = (values: number[]) =>
        app.request
          .post('/v1/reduce?op=sum&type=float64')
          .set('Content-Type', 'application/octet-stream')
          .set('Prefer', 'wait=5')
          .set('Idempotency-Key', 'binary-1')
          .send(body(values));
      const first = await submit([1, 2, 3]).expect(200);
      assert.equal(first.body.result, 6);
      const again = await submit([1, 2, 3]).expect(200);
      assert.equal(again.headers['content-location'], first.headers['content-location']);
      assert.equal(again.headers['idempotent-replayed'], 'true');
      assert.equal(problemOf(await submit([1, 2, 4]).expect(422)).type, 'https://crunch.dev/problems/idempotency-conflict');
    });

    test('large uploads as jobs give the synchronous answers (in the distributed mode: by blob, in ranges, over the workers)', async () => {
      const words = ['alpha', 'beta', 'gamma', 'délta', 'ε', 'zeta'];
      const text = Array.from({ length: 300_000 }, (_, index) => words[(index * 7) % words.length] + (index % 13 === 0 ? '\n' : ' ')).join('');
      const upload = (prefer?: string) => {
        const request = app.request.post('/v1/mapreduce?job=wordcount&top=3').set('Content-Type', 'text/plain');
        return (prefer === undefined ? request : request.set('Prefer', prefer)).send(text);
      };
      const sync = await upload().expect(200);
      const accepted = await upload('respond-async').expect(202);
      assert.deepEqual((await pollUntilFinished(app, accepted.headers['location'] as string)).result, sync.body);
      const values = new Float64Array(500_000).map((_, index) => index * 0.5);
      const binary = Buffer.from(values.buffer);
      const reduce = (prefer?: string) => {
        const request = app.request.post('/v1/reduce?op=sum&type=float64').set('Content-Type', 'application/octet-stream');
        return (prefer === undefined ? request : request.set('Prefer', prefer)).send(binary);
      };
      const syncSum = await reduce().expect(200);
      const job = await reduce('respond-async').expect(202);
      assert.deepEqual((await pollUntilFinished(app, job.headers['location'] as string)).result, syncSum.body);
    });

    test('bad Prefer and Idempotency-Key values are 400 problems', async () => {
      problemOf(await app.request.get('/v1/primes/7').set('Prefer', 'wait=soon').expect(400));
      problemOf(await app.request.get('/v1/primes/7').set('Prefer', 'respond-async').set('Idempotency-Key', 'has space').expect(400));
    });

    test('GET /v1/jobs lists recent jobs first, filtered by status', async () => {
      const a = await app.request.get('/v1/primes/11').set('Prefer', 'wait=5').expect(200);
      const b = await app.request.get('/v1/primes/13').set('Prefer', 'wait=5').expect(200);
      const list = await app.request.get('/v1/jobs?status=succeeded&limit=2').expect(200);
      const ids = (list.body.jobs as JobBody[]).map((job) => job.links.self);
      assert.deepEqual(ids, [b.headers['content-location'], a.headers['content-location']]);
      for (const job of list.body.jobs as JobBody[]) assert.equal(job.result, undefined);
      problemOf(await app.request.get('/v1/jobs?status=done').expect(422));
      problemOf(await app.request.get('/v1/jobs?limit=1000').expect(422));
    });

    test('unknown ids are 404, expired ones 410', async () => {
      assert.equal(problemOf(await app.request.get('/v1/jobs/nope').expect(404)).type, 'https://crunch.dev/problems/job-not-found');
      problemOf(await app.request.delete('/v1/jobs/nope').expect(404));
      problemOf(await app.request.get('/v1/jobs/nope/events').expect(404));
      const done = await app.request.get('/v1/primes/17').set('Prefer', 'wait=5').expect(200);
      await sleep(2_100);
      const gone = await app.request.get(done.headers['content-location'] as string).expect(410);
      assert.equal(problemOf(gone).type, 'https://crunch.dev/problems/job-expired');
    });
  });

  describe(`the job queue is bounded (${mode})`, { skip: skipMode(mode) }, () => {
    let app: TestApp;
    before(async () => {
      app = await startModeApp(mode, { JOB_CONCURRENCY: '1', JOB_MAX_QUEUED: '1' });
    });
    after(() => app.close());

    test('beyond the queue a submission gets 503 with Retry-After; a queued job can be cancelled', async () => {
      const running = await app.request.post('/v1/primes/check').set('Prefer', 'respond-async').send(slowBatch).expect(202);
      const queued = await app.request.post('/v1/primes/check').set('Prefer', 'respond-async').send(slowBatch).expect(202);
      assert.equal(queued.body.status, 'queued');
      const refused = await app.request.post('/v1/primes/check').set('Prefer', 'respond-async').send(slowBatch).expect(503);
      assert.equal(problemOf(refused).type, 'https://crunch.dev/problems/overloaded');
      assert.ok(Number(refused.headers['retry-after']) > 0);
      assert.equal((await app.request.delete(queued.headers['location'] as string).expect(200)).body.status, 'cancelled');
      assert.equal((await app.request.delete(running.headers['location'] as string).expect(200)).body.status, 'cancelled');
      // Synchronous calls are not affected by the job queue.
      await app.request.get('/v1/primes/97').expect(200);
    });

    test('a job cancelled the moment it is submitted ends cancelled, whatever stage it had reached', async () => {
      // The cancel lands at every stage of a start: still queued, taken by the worker while its
      // record is read, running. Each must end cancelled, never run on to success.
      for (let attempt = 0; attempt < 25; attempt += 1) {
        const submitted = await app.request.post('/v1/primes/check').set('Prefer', 'respond-async').send(slowBatch).expect(202);
        if (attempt % 5 > 0) await sleep(attempt % 5);
        const cancelled = await app.request.delete(submitted.headers['location'] as string).expect(200);
        assert.equal(cancelled.body.status, 'cancelled', `attempt ${attempt}`);
      }
    });
  });

  describe(`finished jobs are bounded in number (${mode})`, { skip: skipMode(mode) }, () => {
    let app: TestApp;
    before(async () => {
      app = await startModeApp(mode, { JOB_MAX_RETAINED: '2' });
    });
    after(() => app.close());

    test('beyond JOB_MAX_RETAINED the oldest finished job expires early (410)', async () => {
      const locations: string[] = [];
      for (const n of [11, 13, 17]) {
        const response = await app.request.get(`/v1/primes/${n}`).set('Prefer', 'wait=5').expect(200);
        locations.push(response.headers['content-location'] as string);
      }
      // Distributed, the eviction follows the finishing write that announced the job (and
      // ended the wait) by a round trip to Redis.
      let oldest = await app.request.get(locations[0] as string);
      for (let attempt = 0; oldest.status === 200 && attempt < 40; attempt += 1) {
        await sleep(50);
        oldest = await app.request.get(locations[0] as string);
      }
      assert.equal(oldest.status, 410);
      problemOf(oldest);
      await app.request.get(locations[1] as string).expect(200);
      await app.request.get(locations[2] as string).expect(200);
    });
  });
}

for (const mode of jobModes) jobSuite(mode);
