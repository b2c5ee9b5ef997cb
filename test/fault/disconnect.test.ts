/** A client that hangs up stops its pool work: the thread is freed for others. */
import assert from 'node:assert/strict';
import { request } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, test } from 'node:test';
import { type TestApp, startTestApp } from '../helpers/app.js';

let app: TestApp;
before(async () => {
  app = startTestApp({ POOL_THREADS: '1' });
  await new Promise<void>((resolve) => app.server.listen(0, '127.0.0.1', resolve));
});
after(() => app.close());

test('closing the connection aborts the request’s pool task', async () => {
  const { port } = app.server.address() as AddressInfo;
  // ~6 s of BPSW on one thread if it were left to run.
  const body = JSON.stringify({ numbers: Array.from({ length: 20 }, () => (2n ** 3217n - 1n).toString()) });
  const req = request({ port, host: '127.0.0.1', method: 'POST', path: '/v1/primes/check', headers: { 'content-type': 'application/json' } });
  req.on('error', () => undefined);
  req.end(body);
  const waitFor = async (condition: () => boolean, what: string): Promise<void> => {
    for (let attempt = 0; attempt < 200 && !condition(); attempt += 1) await new Promise((resolve) => setTimeout(resolve, 10));
    assert.ok(condition(), what);
  };
  await waitFor(() => app.services.pool.inFlight > 0, 'the task never reached the pool');
  const hungUpAt = performance.now();
  req.destroy();
  await waitFor(() => app.services.pool.inFlight === 0, 'the pool task kept running after the client left');
  assert.ok(performance.now() - hungUpAt < 2_000);
  // The replaced thread serves the next request.
  const started = performance.now();
  await app.request.get(`/v1/primes/${(2n ** 1279n - 1n).toString()}`).set('X-Crunch-Route', 'pool').expect(200);
  assert.ok(performance.now() - started < 3_000, 'the next pool request waited for the abandoned work');
});
