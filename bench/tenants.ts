/**
 * Tenant figures, in one run:
 * - fairness: tenant B's heavy check on an idle server, and while tenant A keeps 40 of the
 *   same in flight, with the pool's lanes taking turns (POOL_FAIR_SHARE=true) and first come,
 *   first served (false), beside each other;
 * - overhead: requests/s of an inline check with no keys, with keys, and with keys and a
 *   rate limit (never reached), against the same server build.
 */
import { load } from './lib/load.js';
import { type BenchServer, startServer } from './lib/server.js';
import { printTable } from './lib/table.js';

const durationSeconds = Number(process.env['BENCH_SECONDS'] ?? 5);
const aliceKey = 'alice-bench-key-0123456789';
const bobKey = 'bob-bench-key-9876543210';
const keys = `alice:${aliceKey},bob:${bobKey}`;
/** About 0.3 s of BPSW on one thread: six 2203-bit Mersenne primes, the measurement. */
const heavy = JSON.stringify({ numbers: Array.from({ length: 6 }, () => (2n ** 2203n - 1n).toString()) });

async function check(server: BenchServer, key: string): Promise<number> {
  const startedAt = performance.now();
  const response = await fetch(`${server.url}/v1/primes/check`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${key}`, 'x-crunch-route': 'pool' },
    body: heavy,
  });
  if (response.status !== 200) throw new Error(`check answered ${response.status}: ${await response.text()}`);
  await response.arrayBuffer();
  return performance.now() - startedAt;
}

const median = (values: number[]): number => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? Number.NaN;

async function fairness(fairShare: boolean): Promise<Record<string, string | number>> {
  const server = await startServer({
    API_KEYS: keys,
    POOL_THREADS: '2',
    POOL_FAIR_SHARE: String(fairShare),
    ALLOW_ROUTE_OVERRIDE: 'true',
    // Room for A's whole flood, so only the queue's order decides B's wait.
    POOL_MAX_BACKLOG_MS: '3600000',
    TENANT_MAX_BACKLOG_MS: '3600000',
  });
  try {
    await check(server, bobKey);
    const idle: number[] = [];
    for (let index = 0; index < 5; index += 1) idle.push(await check(server, bobKey));
    // A keeps 40 checks in flight: each finished one is replaced at once.
    let flooding = true;
    const lanes = Array.from({ length: 40 }, async () => {
      while (flooding) await check(server, aliceKey);
    });
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    const loaded: number[] = [];
    for (let index = 0; index < 5; index += 1) loaded.push(await check(server, bobKey));
    flooding = false;
    await Promise.all(lanes);
    return {
      queue: fairShare ? 'tenants take turns (fair)' : 'first come, first served',
      "B idle, median ms": median(idle),
      "B under A's 40 in flight, median ms": median(loaded),
      'ratio to idle': `${(median(loaded) / median(idle)).toFixed(1)}x`,
    };
  } finally {
    await server.stop();
  }
}

async function overhead(): Promise<Array<Record<string, string | number>>> {
  const cases: Array<[string, Record<string, string>, Record<string, string>]> = [
    ['no API keys (open)', {}, {}],
    ['API keys (2 tenants)', { API_KEYS: keys }, { authorization: `Bearer ${aliceKey}` }],
    ['API keys + rate limit', { API_KEYS: keys, RATE_LIMIT_PER_MINUTE: '10000000' }, { authorization: `Bearer ${aliceKey}` }],
  ];
  const rows: Array<Record<string, string | number>> = [];
  let baseline = Number.NaN;
  for (const [name, env, headers] of cases) {
    const server = await startServer({ POOL_THREADS: '2', ...env });
    try {
      const url = `${server.url}/v1/primes/1000003`;
      await load({ url, headers, durationSeconds: 1, connections: 16 });
      const figures = await load({ url, headers, durationSeconds, connections: 16 });
      if (Number.isNaN(baseline)) baseline = figures.requestsPerSecond;
      rows.push({
        case: name,
        'req/s': figures.requestsPerSecond,
        'p99 ms': figures.p99Ms,
        'vs open': `${(figures.requestsPerSecond / baseline).toFixed(2)}x`,
        errors: figures.errors + figures.non2xx,
      });
    } finally {
      await server.stop();
    }
  }
  return rows;
}

printTable("Fairness: tenant B's heavy check (6 x 2203-bit) while tenant A floods the same, 2 threads", [
  await fairness(false),
  await fairness(true),
]);
printTable('Overhead of authentication and rate limiting on an inline check (GET /v1/primes/1000003, 16 connections)', await overhead());
