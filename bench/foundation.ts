/**
 * Foundation figures: requests/s and latency of prime checks on each route beside a bare
 * Hono hello-world measured in the same run, and the event-loop delay while the pool is
 * saturated (beside the same heavy work forced onto the loop, the freeze crunch avoids).
 */
import { load, type LoadFigures } from './lib/load.js';
import { startServer } from './lib/server.js';
import { printTable } from './lib/table.js';

const durationSeconds = Number(process.env['BENCH_SECONDS'] ?? 5);
const connections = 16;

/** A deterministic list of 64-bit integers (xorshift), as decimal strings. */
function random64(count: number, seed = 0x9e3779b97f4a7c15n): string[] {
  const mask = (1n << 64n) - 1n;
  let state = seed;
  const values: string[] = [];
  for (let index = 0; index < count; index += 1) {
    state ^= (state << 13n) & mask;
    state ^= state >> 7n;
    state ^= (state << 17n) & mask;
    values.push((state | (1n << 63n)).toString());
  }
  return values;
}

function row(name: string, figures: LoadFigures, baseline: LoadFigures, unitsPerRequest = 1): Record<string, string | number> {
  return {
    case: name,
    'req/s': figures.requestsPerSecond,
    'p50 ms': figures.p50Ms,
    'p99 ms': figures.p99Ms,
    'numbers/s': figures.requestsPerSecond * unitsPerRequest,
    'vs hello': `${(figures.requestsPerSecond / baseline.requestsPerSecond).toFixed(2)}x`,
    errors: figures.errors + figures.non2xx,
  };
}

async function eventLoopP99(url: string): Promise<number> {
  const text = await (await fetch(`${url}/metrics`)).text();
  const match = /^nodejs_eventloop_lag_p99_seconds (\S+)$/m.exec(text);
  return match === null ? Number.NaN : Number(match[1]) * 1_000;
}

const hello = await startServer({}, ['--import', 'tsx', 'bench/lib/hello-server.ts']);
const server = await startServer({ ALLOW_ROUTE_OVERRIDE: 'true', POOL_THREADS: '2' });
try {
  const warm = { durationSeconds: 1, connections };
  await load({ url: `${hello.url}/`, ...warm });
  await load({ url: `${server.url}/v1/primes/97`, ...warm });

  const baseline = await load({ url: `${hello.url}/`, durationSeconds, connections });
  const inline = await load({ url: `${server.url}/v1/primes/1000003`, durationSeconds, connections });
  const pool64 = await load({
    url: `${server.url}/v1/primes/18446744073709551557`,
    headers: { 'x-crunch-route': 'pool' },
    durationSeconds,
    connections,
  });
  const batch = JSON.stringify({ numbers: random64(10_000) });
  const batchFigures = await load({
    url: `${server.url}/v1/primes/check`,
    method: 'POST',
    body: batch,
    headers: { 'content-type': 'application/json' },
    durationSeconds,
    connections: 4,
  });
  printTable('Prime checking over HTTP (2 pool threads, 16 connections; batch: 4 connections)', [
    row('bare Hono hello-world (baseline)', baseline, baseline),
    row('GET /v1/primes/1000003 (inline)', inline, baseline),
    row('GET /v1/primes/<64-bit prime> (pool)', pool64, baseline),
    row('POST /v1/primes/check, 10000 random 64-bit', batchFigures, baseline, 10_000),
  ]);

  // Saturation: each request is ~0.3 s of BPSW on a 3217-bit prime.
  const heavy = (2n ** 3217n - 1n).toString();
  const saturated: Array<Record<string, string | number>> = [];
  for (const route of ['pool', 'inline'] as const) {
    await eventLoopP99(server.url); // prom-client resets the histogram on every scrape
    const [heavyFigures, probe] = await Promise.all([
      load({ url: `${server.url}/v1/primes/${heavy}`, headers: { 'x-crunch-route': route }, durationSeconds, connections: 4 }),
      load({ url: `${server.url}/healthz`, durationSeconds, connections: 1 }),
    ]);
    saturated.push({
      'heavy work on': route === 'pool' ? 'the pool (crunch)' : 'the event loop (forced)',
      'heavy req/s': heavyFigures.requestsPerSecond,
      'event-loop delay p99 ms': await eventLoopP99(server.url),
      '/healthz p50 ms': probe.p50Ms,
      '/healthz p99 ms': probe.p99Ms,
      '/healthz req/s': probe.requestsPerSecond,
    });
  }
  printTable('Event loop while saturated with 3217-bit BPSW checks (4 connections) and probed on /healthz', saturated);
} finally {
  await server.stop();
  await hello.stop();
}
