/**
 * /metrics for operators: route labels are the route that answered (and `unmatched` for any
 * unknown path, however many), refusals by reason, requests in flight and open event streams,
 * jobs by state and their durations in both job modes, build info; and `promtool check
 * metrics` finds nothing to say about crunch's own metrics.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { after, before, describe, test } from 'node:test';
import { promisify } from 'node:util';
import { jobModes, skipMode, startModeApp, startTestApp, type TestApp } from '../helpers/app.js';
import { testPromtool } from '../helpers/services.js';

const run = promisify(execFile);

/** The samples of one metric family as `labels → value`. */
function samples(text: string, name: string): Map<string, number> {
  const found = new Map<string, number>();
  for (const match of text.matchAll(new RegExp(`^${name}(\\{[^}]*\\})? (\\S+)$`, 'gm'))) found.set(match[1] ?? '', Number(match[2]));
  return found;
}

function sample(text: string, name: string, labels: string): number | undefined {
  return samples(text, name).get(labels);
}

async function scrape(app: TestApp): Promise<string> {
  return (await app.request.get('/metrics').expect(200)).text;
}

async function untilFinished(app: TestApp, id: string): Promise<string> {
  for (let attempt = 0; attempt < 500; attempt += 1) {
    const { body } = await app.request.get(`/v1/jobs/${id}`);
    if (['succeeded', 'failed', 'cancelled'].includes((body as { status: string }).status)) return (body as { status: string }).status;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  throw new Error(`job ${id} did not finish`);
}

describe('/metrics', () => {
  let app: TestApp;
  before(async () => {
    app = startTestApp({ MAX_BODY_BYTES: '1024' });
    // Listening, so a plain fetch can hold an event stream open beside supertest's requests.
    await new Promise<void>((resolve) => app.server.listen(0, '127.0.0.1', resolve));
  });
  after(() => app.close());

  test('route labels name the route that answered; unknown paths share one label', async () => {
    await app.request.get('/v1/primes/count?to=1000').expect(200);
    await app.request.get('/v1/jobs/no-such-job').expect(404);
    for (let index = 0; index < 50; index += 1) await app.request.get(`/nowhere/${index}/${Math.random()}`).expect(404);
    await app.request.post('/v1/primes/count').expect(405);
    const text = await scrape(app);
    const name = 'crunch_http_request_duration_seconds_count';
    assert.equal(sample(text, name, '{method="GET",route="/v1/primes/count",status="200"}'), 1);
    assert.equal(sample(text, name, '{method="GET",route="/v1/jobs/:id",status="404"}'), 1);
    assert.equal(sample(text, name, '{method="GET",route="unmatched",status="404"}'), 50);
    assert.equal(sample(text, name, '{method="POST",route="unmatched",status="405"}'), 1);
    const routes = new Set([...samples(text, name).keys()].map((labels) => /route="([^"]*)"/.exec(labels)?.[1]));
    assert.ok(![...routes].some((route) => route?.startsWith('/nowhere')), [...routes].join(', '));
  });

  test('refusals are counted by reason, every reason shown from 0', async () => {
    const before = await scrape(app);
    assert.equal(sample(before, 'crunch_refusals_total', '{reason="overloaded"}'), 0);
    const tooCostly = sample(before, 'crunch_refusals_total', '{reason="too-costly"}') ?? 0;
    await app.request.get('/v1/primes/count?to=100000000000000000').expect(422);
    await app.request.post('/v1/primes/check').set('content-type', 'application/json').send(JSON.stringify({ numbers: new Array(600).fill(7) })).expect(413);
    const text = await scrape(app);
    assert.equal(sample(text, 'crunch_refusals_total', '{reason="too-costly"}'), tooCostly + 1);
    assert.equal(sample(text, 'crunch_refusals_total', '{reason="body-too-large"}'), 1);
    // A bad request is not a refusal.
    await app.request.get('/v1/primes/-3').expect(422);
    assert.equal(samples(await scrape(app), 'crunch_refusals_total').has('{reason="validation-failed"}'), false);
  });

  test('requests in flight and open event streams', async () => {
    const accepted = await app.request.get('/v1/primes/count?to=9007199254740992&method=pi').set('Prefer', 'respond-async').expect(202);
    const id = (accepted.body as { id: string }).id;
    const controller = new AbortController();
    const response = await fetch(`http://127.0.0.1:${(app.server.address() as { port: number }).port}/v1/jobs/${id}/events`, {
      signal: controller.signal,
    });
    const reader = response.body!.getReader();
    await reader.read();
    const during = await scrape(app);
    assert.equal(sample(during, 'crunch_job_event_streams_open', ''), 1);
    // The scrape itself: a request is in flight until its response starts, and a stream's has.
    assert.equal(sample(during, 'crunch_http_requests_in_flight', ''), 1);
    assert.equal(sample(during, 'crunch_jobs', '{state="running"}'), 1);
    controller.abort();
    await app.request.delete(`/v1/jobs/${id}`).expect(200);
    for (let attempt = 0; attempt < 100 && sample(await scrape(app), 'crunch_job_event_streams_open', '') !== 0; attempt += 1) {
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    const afterwards = await scrape(app);
    assert.equal(sample(afterwards, 'crunch_job_event_streams_open', ''), 0);
    assert.equal(sample(afterwards, 'crunch_http_requests_in_flight', ''), 1);
  });

  test('build info names the version and the Node.js running it', async () => {
    assert.equal(sample(await scrape(app), 'crunch_build_info', `{version="0.1.0",node="${process.version}"}`), 1);
  });

  test('promtool check metrics: nothing to say about crunch_* metrics', { skip: testPromtool.skip }, async () => {
    await app.request.get('/v1/primes/97?x=1').set('Prefer', 'wait=5').expect(200);
    const text = await scrape(app);
    // prom-client's own default nodejs_* gauges end in _total (promtool says so); they are not crunch's.
    const families = text.split(/\n(?=# HELP )/).filter((family) => family.startsWith('# HELP crunch_'));
    assert.ok(families.length >= 15, `${families.length} crunch families`);
    const child = run(testPromtool.address(), ['check', 'metrics']);
    child.child.stdin?.end(`${families.join('\n')}\n`);
    const { stdout, stderr } = await child.catch((error: { stdout: string; stderr: string }) => error);
    assert.equal(`${stdout}${stderr}`.trim(), '');
  });
});

for (const mode of jobModes) {
  describe(`job metrics (${mode})`, { skip: skipMode(mode) }, () => {
    let app: TestApp;
    before(async () => {
      app = await startModeApp(mode);
    });
    after(() => app?.close());

    test('jobs by state, queue depth, finished jobs and their durations by operation and status', async () => {
      const before = await scrape(app);
      const finished = (text: string, status: string): number =>
        sample(text, 'crunch_jobs_finished_total', `{operation="primes.count",status="${status}"}`) ?? 0;
      const durations = (text: string, status: string): number =>
        sample(text, 'crunch_job_duration_seconds_count', `{operation="primes.count",status="${status}"}`) ?? 0;

      const quick = await app.request.get('/v1/primes/count?to=100000').set('Prefer', 'respond-async').expect(202);
      assert.equal(await untilFinished(app, (quick.body as { id: string }).id), 'succeeded');
      const slow = await app.request.get('/v1/primes/count?to=9007199254740992&method=pi').set('Prefer', 'respond-async').expect(202);
      const slowId = (slow.body as { id: string }).id;
      for (let attempt = 0; attempt < 200; attempt += 1) {
        if ((await app.request.get(`/v1/jobs/${slowId}`)).body.status === 'running') break;
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      const during = await scrape(app);
      assert.equal(sample(during, 'crunch_jobs', '{state="running"}'), 1);
      assert.equal(sample(during, 'crunch_job_queue_depth', ''), 0);
      await app.request.delete(`/v1/jobs/${slowId}`).expect(200);

      // BullMQ lets go of a cancelled job a moment after its record says so.
      let text = await scrape(app);
      for (let attempt = 0; attempt < 100 && sample(text, 'crunch_jobs', '{state="running"}') !== 0; attempt += 1) {
        await new Promise((resolve) => setTimeout(resolve, 20));
        text = await scrape(app);
      }
      assert.equal(finished(text, 'succeeded'), finished(before, 'succeeded') + 1);
      assert.equal(finished(text, 'cancelled'), finished(before, 'cancelled') + 1);
      assert.equal(durations(text, 'succeeded'), durations(before, 'succeeded') + 1);
      // Buckets are cumulative up to +Inf, which counts them all; they reach hours.
      const buckets = [...samples(text, 'crunch_job_duration_seconds_bucket')].filter(([labels]) =>
        labels.includes('operation="primes.count",status="succeeded"'),
      );
      assert.ok(buckets.some(([labels]) => labels.includes('le="14400"')));
      const values = buckets.map(([, value]) => value);
      assert.deepEqual(values, [...values].sort((a, b) => a - b));
      assert.equal(values.at(-1), durations(text, 'succeeded'));
      assert.equal(sample(text, 'crunch_jobs', '{state="running"}'), 0);
    });
  });
}
