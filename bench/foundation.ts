/**
 * Foundation figures (issue 14): what the event loop costs per request and per number.
 *
 * - Cheap requests beside a bare Hono route serving the same JSON, in the same run: crunch's
 *   inline check at the default LOG_LEVEL=info (log to /dev/null) and at warn, and /healthz.
 *   The machine is noisy, so the cases take turns for BENCH_ROUNDS rounds; the table shows
 *   the median req/s of each and the median of its per-round ratio to bare Hono.
 * - Batch throughput by format: 100 000 random 64-bit numbers per request as JSON and as
 *   text (answered as JSON, text lines and a bitmap); factoring batches; 100 000-prime pages.
 * - The event-loop delay while the pool is saturated, beside the same heavy work forced onto
 *   the loop (the freeze crunch avoids).
 *
 * Arguments pick sections (`cheap`, `batches`, `saturation`); none runs them all.
 */
import { load, loadGenerator, type LoadFigures } from './lib/load.js';
import { startServer } from './lib/server.js';
import { printTable } from './lib/table.js';

const durationSeconds = Number(process.env['BENCH_SECONDS'] ?? 5);
const rounds = Number(process.env['BENCH_ROUNDS'] ?? 3);
const connections = 16;
const selected = process.argv.slice(2);
const runs = (section: 'cheap' | 'batches' | 'saturation'): boolean => selected.length === 0 || selected.includes(section);

/** A deterministic list of 64-bit integers (xorshift), as decimal strings; `bits` below 64 keeps them smaller. */
function random64(count: number, seed = 0x9e3779b97f4a7c15n, bits = 64): string[] {
  const mask = (1n << 64n) - 1n;
  const shift = BigInt(64 - bits);
  let state = seed;
  const values: string[] = [];
  for (let index = 0; index < count; index += 1) {
    state ^= (state << 13n) & mask;
    state ^= state >> 7n;
    state ^= (state << 17n) & mask;
    values.push(((state >> shift) | (1n << BigInt(bits - 1))).toString());
  }
  return values;
}

const median = (values: readonly number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? Number.NaN;
};

function batchRow(name: string, figures: LoadFigures, numbersPerRequest: number, bytes: number): Record<string, string | number> {
  return {
    case: name,
    'req/s': figures.requestsPerSecond,
    'p50 ms': figures.p50Ms,
    'p99 ms': figures.p99Ms,
    'numbers/s': figures.requestsPerSecond * numbersPerRequest,
    'body bytes': bytes,
    errors: figures.errors + figures.non2xx,
  };
}

async function eventLoopP99(url: string): Promise<number> {
  const text = await (await fetch(`${url}/metrics`)).text();
  const match = /^nodejs_eventloop_lag_p99_seconds (\S+)$/m.exec(text);
  return match === null ? Number.NaN : Number(match[1]) * 1_000;
}

const hello = await startServer({}, ['--import', 'tsx', 'bench/lib/hello-server.ts']);
const server = await startServer({ ALLOW_ROUTE_OVERRIDE: 'true', POOL_THREADS: '2', LOG_LEVEL: 'info' }, undefined, { discardStdout: true });
const quiet = await startServer({ POOL_THREADS: '2', LOG_LEVEL: 'warn' });
try {
  if (runs('cheap')) {
    const prime = '1000003';
    const cases = [
      { name: 'bare Hono, GET /v1/primes/:n, same JSON (baseline)', url: `${hello.url}/v1/primes/${prime}` },
      { name: 'crunch GET /v1/primes/1000003 (inline), LOG_LEVEL=info', url: `${server.url}/v1/primes/${prime}` },
      { name: 'crunch GET /v1/primes/1000003 (inline), LOG_LEVEL=warn', url: `${quiet.url}/v1/primes/${prime}` },
      { name: 'crunch GET /healthz, LOG_LEVEL=info', url: `${server.url}/healthz` },
    ];
    for (const { url } of cases) await load({ url, durationSeconds: 1, connections });
    const figures = cases.map(() => [] as LoadFigures[]);
    for (let round = 0; round < rounds; round += 1) {
      for (const [index, { url }] of cases.entries()) figures[index]!.push(await load({ url, durationSeconds, connections }));
    }
    const baseline = figures[0]!;
    printTable(`Cheap requests: ${connections} connections, ${loadGenerator}, median of ${rounds} rounds of ${durationSeconds} s, cases in turn`, cases.map(({ name }, index) => {
      const runs = figures[index]!;
      const ratios = runs.map((run, round) => run.requestsPerSecond / (baseline[round]?.requestsPerSecond ?? Number.NaN));
      return {
        case: name,
        'req/s': median(runs.map((run) => run.requestsPerSecond)),
        'p50 ms': median(runs.map((run) => run.p50Ms)),
        'p99 ms': median(runs.map((run) => run.p99Ms)),
        'vs bare Hono': `${median(ratios).toFixed(2)}x`,
        'ratio per round': ratios.map((ratio) => ratio.toFixed(2)).join(' '),
        errors: runs.reduce((sum, run) => sum + run.errors + run.non2xx, 0),
      };
    }));

  }

  if (runs('batches')) {
    const pool64 = await load({ url: `${server.url}/v1/primes/18446744073709551557`, headers: { 'x-crunch-route': 'pool' }, durationSeconds, connections });
    const numbers = random64(100_000);
    const json = JSON.stringify({ numbers });
    const text = `${numbers.join('\n')}\n`;
    const small = JSON.stringify({ numbers: numbers.slice(0, 10_000) });
    const post = (path: string, body: string, contentType: string, accept?: string) =>
      load({
        url: `${server.url}${path}`,
        method: 'POST',
        body,
        headers: { 'content-type': contentType, ...(accept === undefined ? {} : { accept }) },
        durationSeconds,
        connections: 4,
      });
    const batches = [
      batchRow('GET /v1/primes/<64-bit prime> (pool, 16 connections)', pool64, 1, 0),
      batchRow('POST /v1/primes/check, JSON, 10 000 per request', await post('/v1/primes/check', small, 'application/json'), 10_000, small.length),
      batchRow('POST /v1/primes/check, JSON in, JSON out', await post('/v1/primes/check', json, 'application/json'), 100_000, json.length),
      batchRow('POST /v1/primes/check/text, text in, text out', await post('/v1/primes/check/text', text, 'text/plain'), 100_000, text.length),
      batchRow('POST /v1/primes/check/text, text in, bitmap out', await post('/v1/primes/check/text', text, 'text/plain', 'application/octet-stream'), 100_000, text.length),
      batchRow('POST /v1/primes/check/text, text in, JSON out', await post('/v1/primes/check/text', text, 'text/plain', 'application/json'), 100_000, text.length),
    ];
    // Factoring: 40-bit numbers (a few µs each), so the figure is the cost of carrying them.
    const factorCount = 10_000;
    const factorBody = JSON.stringify({ numbers: random64(factorCount, 0x2545f4914f6cdd1dn, 40) });
    batches.push(batchRow(`POST /v1/primes/factor, ${factorCount} random 40-bit`, await post('/v1/primes/factor', factorBody, 'application/json'), factorCount, factorBody.length));
    const page = await load({ url: `${server.url}/v1/primes?from=1000000000&to=10000000000&limit=100000`, durationSeconds, connections: 4 });
    batches.push(batchRow('GET /v1/primes, pages of 100 000 primes above 10^9', page, 100_000, 0));
    printTable(`Batches: 100 000 random 64-bit numbers per request unless said (2 pool threads, 4 connections, ${loadGenerator})`, batches);

  }

  if (runs('saturation')) {
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
  }
} finally {
  await server.stop();
  await quiet.stop();
  await hello.stop();
}
