/**
 * The event loop stays free while the pool is saturated: heavy checks run on the worker
 * threads, so /healthz and small inline checks keep answering promptly.
 */
import assert from 'node:assert/strict';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { after, before, test } from 'node:test';
import { type TestApp, startTestApp } from '../helpers/app.js';

let app: TestApp;
before(() => {
  app = startTestApp({ POOL_THREADS: '2' });
});
after(() => app.close());

test('/healthz answers promptly while every pool thread is busy', async () => {
  // Each request is ~0.8 s of BPSW on 3217-bit numbers: the pool stays busy for all the probes.
  const heavy = { numbers: Array.from({ length: 3 }, () => (2n ** 3217n - 1n).toString()) };
  const inFlight = Array.from({ length: 4 }, () =>
    app.request.post('/v1/primes/check').send(heavy).then((response) => response.status),
  );
  // Wait (on a loaded machine it can take a while) until every thread has work.
  for (let attempt = 0; attempt < 500 && app.services.pool.inFlight < app.config.pool.threads; attempt += 1) {
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  assert.ok(app.services.pool.inFlight >= app.config.pool.threads, 'the pool is not saturated');

  const delay = monitorEventLoopDelay({ resolution: 5 });
  delay.enable();
  const latencies: number[] = [];
  for (let probe = 0; probe < 20; probe += 1) {
    const startedAt = performance.now();
    await app.request.get('/healthz').expect(200);
    await app.request.get('/v1/primes/1000003').expect(200);
    latencies.push(performance.now() - startedAt);
  }
  delay.disable();
  latencies.sort((a, b) => a - b);
  const worst = latencies.at(-1) as number;
  // Generous bound for a shared, noisy CI machine: a blocked loop would take seconds.
  assert.ok(worst < 500, `a probe took ${worst.toFixed(1)} ms while the pool was busy`);
  assert.ok(delay.max / 1e6 < 500, `event-loop delay reached ${(delay.max / 1e6).toFixed(1)} ms`);
  assert.deepEqual(await Promise.all(inFlight), [200, 200, 200, 200]);
});
