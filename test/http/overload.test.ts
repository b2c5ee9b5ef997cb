import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { type TestApp, problemOf, startTestApp } from '../helpers/app.js';

let app: TestApp;
before(() => {
  app = startTestApp({ POOL_THREADS: '1', POOL_MAX_BACKLOG_MS: '0' });
});
after(() => app.close());

test('when the admitted backlog is full, pool requests get 503 with Retry-After at once, and inline work still runs', async () => {
  const n = (2n ** 3217n - 1n).toString();
  const busy = app.request.get(`/v1/primes/${n}`).then((response) => response.status);
  while (app.services.pool.inFlight === 0) await new Promise((resolve) => setTimeout(resolve, 5));
  const refused = await app.request.get(`/v1/primes/${n}`).expect(503);
  const problem = problemOf(refused);
  assert.equal(problem.type, 'https://crunch.dev/problems/overloaded');
  assert.ok(Number(refused.headers['retry-after']) >= 1);
  await app.request.get('/v1/primes/97').expect(200);
  assert.equal(await busy, 200);
});

test('/readyz answers 503 while the admitted backlog is full, says why, and 200 again once it drains', async () => {
  const n = (2n ** 3217n - 1n).toString();
  const busy = app.request.get(`/v1/primes/${n}`).then((response) => response.status);
  while (app.services.dispatcher.admission.admitted === 0) await new Promise((resolve) => setTimeout(resolve, 5));
  const saturated = await app.request.get('/readyz').expect(503);
  assert.equal(saturated.body.status, 'not-ready');
  assert.match(saturated.body.reasons[0], /the pool is saturated: .*POOL_MAX_BACKLOG_MS/);
  assert.equal(await busy, 200);
  // Ready again once the backlog has drained and a second has passed without a refusal.
  let ready = await app.request.get('/readyz');
  for (let attempt = 0; ready.status !== 200 && attempt < 60; attempt += 1) {
    await new Promise((resolve) => setTimeout(resolve, 50));
    ready = await app.request.get('/readyz');
  }
  assert.equal(ready.status, 200);
  assert.deepEqual(ready.body.reasons, []);
});

