/**
 * Custom jobs (user functions) as jobs, in both modes: embedded, and distributed (an API
 * replica and a worker on a real Redis, every pool task fanned out over the `tasks` queue, so
 * the sandbox tasks' inputs and outputs go through the distributed codec). The job's result
 * is the synchronous body, progress runs through `map` then `reduce`, a failure is the
 * problem the synchronous call answers, and DELETE stops user code that would run on.
 */
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, test } from 'node:test';
import { type JobMode, type TestApp, jobModes, problemOf, skipMode, startModeApp } from '../helpers/app.js';
import { type JobBody, pollUntilFinished, readEvents } from '../helpers/jobs.js';

const WORDS = 'function map(line, emit) { for (const word of line.split(/[^a-z]+/)) if (word) emit(word, 1); }';
const SUM = (name: string) => `function ${name}(key, values) { let total = 0; for (const v of values) total += v; return total; }`;

function customSuite(mode: JobMode): void {
  describe(`custom jobs (${mode})`, { skip: skipMode(mode) }, () => {
    let app: TestApp;
    before(async () => {
      // Small batches: an upload of a few hundred KiB is many map runs, and its job shows progress.
      app = await startModeApp(mode, { POOL_THREADS: '1', SANDBOX_BATCH_BYTES: String(64 * 1024), SANDBOX_CPU_MS: '60000', REQUEST_TIMEOUT_MS: '10000' });
    });
    after(() => app.close());

    test('Prefer: respond-async gives the synchronous body, for sources in JSON', async () => {
      const body = { job: 'custom', map: WORDS, reduce: SUM('reduce'), documents: ['the cat', 'the dog', 'a cat'] };
      const sync = await app.request.post('/v1/mapreduce').send(body).expect(200);
      const accepted = await app.request.post('/v1/mapreduce').set('Prefer', 'respond-async').send(body).expect(202);
      assert.equal((accepted.body as JobBody).operation, 'mapreduce.custom');
      const finished = await pollUntilFinished(app, accepted.headers['location'] as string);
      assert.equal(finished.status, 'succeeded', JSON.stringify(finished.problem));
      assert.deepEqual(finished.result, sync.body);
      assert.deepEqual(finished.progress, { phase: 'reduce', done: 1, total: 1 });
    });

    test('a stored function over a text upload: progress through map (batches) then reduce, the result the sync one', async () => {
      const stored = await app.request.post('/v1/functions').send({ name: 'words', map: WORDS, combine: SUM('combine'), reduce: SUM('reduce') }).expect(201);
      const words = ['alpha', 'beta', 'gamma', 'delta'];
      const text = Array.from({ length: 40_000 }, (_, index) => `${words[index % 4]} ${words[(index * 3) % 4]} x${index % 50}`).join('\n');
      const upload = (prefer?: string) => {
        const request = app.request.post(`/v1/mapreduce?job=custom&function=${stored.body.id}`).set('Content-Type', 'text/plain');
        return (prefer === undefined ? request : request.set('Prefer', prefer)).send(text);
      };
      const sync = await upload().expect(200);
      assert.equal(sync.body.documents, 40_000);
      assert.equal(sync.body.results.find((result: { key: string }) => result.key === 'alpha').value, 20_000);
      const accepted = await upload('respond-async').expect(202);
      const events = await readEvents(app, `${accepted.headers['location'] as string}/events`);
      const last = events.at(-1)!;
      assert.equal(last.data.status, 'succeeded', JSON.stringify(last.data.problem));
      assert.deepEqual(last.data.result, sync.body);
      const progress = events.map((event) => event.data.progress).filter((update) => update !== null);
      // Events report the record as it is when they are delivered: some steps may be skipped, never reordered.
      const maps = progress.filter((update) => update.phase === 'map');
      assert.ok(maps.length > 0, JSON.stringify(progress));
      for (const update of maps) assert.ok(update.total > 1 && update.done <= update.total, JSON.stringify(update));
      assert.ok(progress.findLastIndex((update) => update.phase === 'map') < progress.findIndex((update) => update.phase === 'reduce'), JSON.stringify(progress));
      assert.deepEqual(last.data.progress, { phase: 'reduce', done: 1, total: 1 });
    });

    test('a failing custom job ends failed with the synchronous problem (line and column)', async () => {
      const body = { job: 'custom', map: 'function map(d, emit) {\n  emit(d, 1)\n  )\n}', reduce: SUM('reduce'), documents: ['x'] };
      const sync = problemOf(await app.request.post('/v1/mapreduce').send(body).expect(422)) as JobBody['problem'] & object;
      const accepted = await app.request.post('/v1/mapreduce').set('Prefer', 'respond-async').send(body).expect(202);
      const finished = await pollUntilFinished(app, accepted.headers['location'] as string);
      assert.equal(finished.status, 'failed');
      assert.equal(finished.problem?.type, 'https://crunch.dev/problems/sandbox-syntax');
      assert.deepEqual([finished.problem?.line, finished.problem?.column], [3, 3]);
      assert.equal(finished.problem?.detail, sync.detail);
    });

    test('DELETE stops user code that would run for a minute; the thread then runs the next job', async () => {
      const accepted = await app.request
        .post('/v1/mapreduce')
        .set('Prefer', 'respond-async')
        .send({ job: 'custom', map: 'function map(d, emit) { for (;;) {} }', reduce: SUM('reduce'), documents: ['x'] })
        .expect(202);
      const location = accepted.headers['location'] as string;
      for (let attempt = 0; attempt < 200; attempt += 1) {
        const job = (await app.request.get(location).expect(200)).body as JobBody;
        if (job.progress?.phase === 'map') break;
        await sleep(25);
      }
      await sleep(200);
      const cancelled = await app.request.delete(location).expect(200);
      assert.equal(cancelled.body.status, 'cancelled');
      // One thread does all the work here: this job runs only if the endless loop stopped.
      const next = await app.request.post('/v1/mapreduce').set('Prefer', 'respond-async').send({ job: 'custom', map: WORDS, reduce: SUM('reduce'), documents: ['ok ok'] }).expect(202);
      const finished = await pollUntilFinished(app, next.headers['location'] as string);
      assert.equal(finished.status, 'succeeded', JSON.stringify(finished.problem));
      assert.deepEqual((finished.result as { results: unknown }).results, [{ key: 'ok', value: 2 }]);
    });
  });
}

for (const mode of jobModes) customSuite(mode);
