/**
 * Memory is bounded in bytes: request bodies as they arrive, inputs of waiting jobs, results
 * of finished ones. Each budget is set small here and pushed past its limit; the limit holds,
 * the refusal is a 4xx/503 problem, and the charge returns to zero afterwards.
 */
import assert from 'node:assert/strict';
import { connect, type Socket } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, test } from 'node:test';
import { type TestApp, problemOf, startTestApp } from '../helpers/app.js';
import { closeMirror, portOf } from '../helpers/raw-http.js';

const MiB = 1024 * 1024;

async function until(condition: () => boolean, what: string, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(5);
  }
}

/** Opens a connection and sends the head of a text/plain upload that declares `declared` bytes. */
async function startUpload(app: TestApp, declared: number, path = '/v1/mapreduce?job=wordcount'): Promise<Socket> {
  const socket = connect(await portOf(app), '127.0.0.1');
  await new Promise((resolve) => socket.once('connect', resolve));
  socket.write(`POST ${path} HTTP/1.1\r\nHost: x\r\nContent-Type: text/plain\r\nContent-Length: ${declared}\r\nConnection: close\r\n\r\n`);
  return socket;
}

function responseOf(socket: Socket): Promise<string> {
  return new Promise((resolve) => {
    let text = '';
    socket.on('data', (chunk: Buffer) => (text += chunk.toString('utf8')));
    socket.on('close', () => resolve(text));
    socket.on('error', () => resolve(text));
  });
}

describe('request bodies', () => {
  let app: TestApp;
  before(() => {
    app = startTestApp({ MAX_BODY_BYTES: String(MiB), MAX_BINARY_BODY_BYTES: String(4 * MiB), REQUEST_BODIES_MAX_BYTES: String(6 * MiB) });
  });
  after(async () => {
    await closeMirror(app);
    await app.close();
  });

  test('a body declared large holds only what has arrived, and its charge is returned when the client hangs up', async () => {
    const budget = app.services.budgets.requestBodies;
    const socket = await startUpload(app, 4 * MiB);
    socket.write('word '.repeat(2_000));
    await until(() => budget.used > 0, 'the body to be charged');
    assert.ok(budget.used <= 64 * 1024, `${budget.used} bytes held for 10 000 received`);
    socket.destroy();
    await until(() => budget.used === 0, 'the charge to be credited');
    // The hang-up is counted as a client closing its request, not as a server error.
    const metrics = await app.request.get('/metrics').expect(200);
    assert.match(metrics.text, /crunch_http_request_duration_seconds_count\{[^}]*status="499"[^}]*\} 1/);
    assert.doesNotMatch(metrics.text, /status="5\d\d"/);
  });

  test('bodies beyond the budget are refused with 503 while earlier ones are read, and all charges return', async () => {
    const budget = app.services.budgets.requestBodies;
    const chunk = 'lorem ipsum '.repeat(400_000);
    const uploads = await Promise.all([startUpload(app, 4 * MiB), startUpload(app, 4 * MiB)]);
    const answers = uploads.map(responseOf);
    // Each grows its buffer to 4 MiB as the bytes arrive: 8 MiB is more than the 6 MiB budget.
    for (const socket of uploads) socket.write(chunk.slice(0, 3 * MiB));
    for (const socket of uploads) socket.write(chunk.slice(0, 4 * MiB - 3 * MiB));
    const texts = await Promise.all(answers);
    const statuses = texts.map((text) => Number(/^HTTP\/1\.1 (\d+)/.exec(text)?.[1]));
    assert.deepEqual([...statuses].sort(), [200, 503], texts.map((text) => text.slice(0, 300)).join('\n'));
    assert.match(texts[statuses.indexOf(503)] ?? '', /request bodies/);
    // What stays charged is at most the one large buffer kept for reuse (src/http/upload.ts).
    await until(() => budget.used <= 4 * MiB, 'every charge to be credited');
    assert.ok(budget.peak <= budget.limit);
  });
});

/** A page of 2 000 primes is about 15 kB of JSON. */
const listing = (from: number) => `/v1/primes?from=${from}&to=10000000000&limit=2000`;

async function finished(app: TestApp, location: string): Promise<{ status: string; problem?: { type: string } }> {
  for (;;) {
    const response = await app.request.get(location);
    if (response.status !== 200) return { status: String(response.status) };
    if (['succeeded', 'failed', 'cancelled'].includes(response.body.status as string)) return response.body as { status: string };
    await sleep(10);
  }
}

describe('job results', () => {
  let app: TestApp;
  before(() => {
    app = startTestApp({ JOB_RESULTS_MAX_BYTES: String(100 * 1024), JOB_RESULT_MAX_BYTES: String(40 * 1024) });
  });
  after(() => app.close());

  test('kept results never exceed their budget: the oldest finished jobs expire early (410)', async () => {
    const budget = app.services.budgets.jobResults;
    const locations: string[] = [];
    for (let index = 0; index < 15; index += 1) {
      const accepted = await app.request.get(listing(index * 1_000_000)).set('Prefer', 'respond-async').expect(202);
      locations.push(accepted.headers['location'] as string);
      await finished(app, accepted.headers['location'] as string);
      assert.ok(budget.used <= budget.limit, `${budget.used} bytes kept`);
    }
    assert.ok(budget.used > 50 * 1024, 'the budget was used');
    await app.request.get(locations[0] as string).expect(410);
    const last = await app.request.get(locations.at(-1) as string).expect(200);
    assert.equal(last.body.status, 'succeeded');
    assert.equal(last.body.result.count, 2000);
  });

  test('a result above JOB_RESULT_MAX_BYTES fails its job with result-too-large', async () => {
    const accepted = await app.request.get('/v1/primes?to=10000000&limit=20000').set('Prefer', 'respond-async').expect(202);
    const job = await finished(app, accepted.headers['location'] as string);
    assert.equal(job.status, 'failed');
    assert.equal(job.problem?.type, 'https://crunch.dev/problems/result-too-large');
  });
});

describe('job inputs', () => {
  let app: TestApp;
  before(() => {
    app = startTestApp({
      MAX_BODY_BYTES: String(MiB),
      MAX_BINARY_BODY_BYTES: String(MiB),
      JOB_INPUTS_MAX_BYTES: String(2 * MiB),
      JOB_CONCURRENCY: '1',
    });
  });
  after(() => app.close());

  test('uploads waiting to run are bounded in bytes: beyond the budget a submission gets 503, and the charge returns', async () => {
    const budget = app.services.budgets.jobInputs;
    // Far longer than the test: it must still be running when it is cancelled.
    const slow = { numbers: Array.from({ length: 400 }, () => (2n ** 3217n - 1n).toString()) };
    const blocker = await app.request.post('/v1/primes/check').set('Prefer', 'respond-async').send(slow).expect(202);
    const text = 'tick tock '.repeat(90_000);
    const upload = () => app.request.post('/v1/mapreduce?job=wordcount').set('Content-Type', 'text/plain').set('Prefer', 'respond-async').send(text);
    const queued = [await upload(), await upload()];
    for (const response of queued) assert.equal(response.status, 202, response.text);
    const refused = await upload();
    assert.equal(refused.status, 503);
    assert.match(problemOf(refused).detail, /JOB_INPUTS_MAX_BYTES/);
    assert.ok(budget.used <= budget.limit);
    await app.request.delete(blocker.headers['location'] as string).expect(200);
    for (const response of queued) assert.equal((await finished(app, response.headers['location'] as string)).status, 'succeeded');
    await until(() => budget.used === 0, 'the inputs to be credited');
  });
});

describe('responses to slow readers', () => {
  let app: TestApp;
  before(() => {
    app = startTestApp({ RESPONSES_MAX_BYTES: String(16 * MiB), MAX_LIST_PAGE: '1000000' });
  });
  after(async () => {
    await closeMirror(app);
    await app.close();
  });

  test('large responses not yet read are bounded in bytes: beyond the budget a request gets 503, and the charge returns on hang-up', async () => {
    const budget = app.services.budgets.responses;
    // 10^6 primes: about 11 MB of JSON (encoded on the pool), held per response until its
    // client has read it: more than the kernel's socket buffers take off its hands, and
    // more than half the budget.
    const path = '/v1/primes?to=100000000&limit=1000000';
    const reader = connect(await portOf(app), '127.0.0.1');
    await new Promise((resolve) => reader.once('connect', resolve));
    reader.pause();
    reader.write(`GET ${path} HTTP/1.1\r\nHost: x\r\n\r\n`);
    await until(() => budget.used > 0, 'the slow response to be charged');
    const refused = await app.request.get(path).expect(503);
    assert.match(problemOf(refused).detail, /RESPONSES_MAX_BYTES/);
    // Small answers are not held back.
    await app.request.get('/v1/primes?to=1000&limit=10').expect(200);
    reader.destroy();
    await until(() => budget.used === 0, 'the charge to be credited');
    const served = await app.request.get(path).expect(200);
    assert.equal(served.body.count, 1_000_000);
    assert.ok(budget.peak <= budget.limit);
  });
});
