/**
 * The distributed mode against the embedded one, in one run: the same jobs on
 *   (a) one embedded server, POOL_THREADS=2 (the baseline);
 *   (b) one API replica and 1 worker process, POOL_THREADS=1;
 *   (c) one API replica and 2 worker processes, POOL_THREADS=1 each;
 * each distributed setup on a throwaway redis-server (no persistence) under a fresh prefix.
 *
 * Figures: pi(10^15) and word count of 100 MB (bench/lib/text.ts) as jobs (submit to result,
 * median of the runs, plus the time the job record says it ran); the overhead of a trivial
 * job (GET /v1/primes/97) over the synchronous call, as `Prefer: respond-async` then the event
 * stream until succeeded, and as one `Prefer: respond-async, wait=5` round trip (p50, p99);
 * and small jobs per second with 32 clients each waiting for its job's result.
 *
 *   npm run bench -- distributed
 *   BENCH_DISTRIBUTED_RUNS=3 BENCH_JOB_ITERATIONS=200 BENCH_DISTRIBUTED_MB=100 (the defaults)
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { loadavg } from 'node:os';
import { createInterface } from 'node:readline';
import { startPrivateRedis, type PrivateRedis } from '../test/helpers/redis-server.js';
import { followJobEvents } from './lib/job-events.js';
import { startServer, type BenchServer } from './lib/server.js';
import { formatNumber, printTable } from './lib/table.js';
import { generateText } from './lib/text.js';

const runs = Number(process.env['BENCH_DISTRIBUTED_RUNS'] ?? 3);
const iterations = Number(process.env['BENCH_JOB_ITERATIONS'] ?? 200);
const megabytes = Number(process.env['BENCH_DISTRIBUTED_MB'] ?? 100);
const throughputSeconds = 5;
const throughputClients = 32;

interface JobRecord {
  id: string;
  status: string;
  startedAt: string | null;
  finishedAt: string | null;
  result?: unknown;
}

interface Setup {
  readonly name: string;
  readonly url: string;
  stop(): Promise<void>;
}

interface Figures {
  readonly pi: { totalS: number[]; runS: number[] };
  readonly wordcount: { totalS: number[]; runS: number[] };
  readonly syncMs: number[];
  readonly streamedMs: number[];
  readonly waitedMs: number[];
  readonly jobsPerSecond: number;
  readonly throughputLate: number;
  readonly load: string;
}

function percentile(values: readonly number[], fraction: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * fraction))] ?? Number.NaN;
}
const median = (values: readonly number[]): number => percentile(values, 0.5);
const range = (values: readonly number[]): string => `${formatNumber(Math.min(...values))}–${formatNumber(Math.max(...values))}`;

/** A worker process (`dist/worker.js`), resolved once it says it has started. */
async function startWorker(environment: Record<string, string>): Promise<ChildProcess> {
  const child = spawn(process.execPath, ['dist/worker.js'], {
    env: { ...process.env, ...environment, LOG_LEVEL: 'info' },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  process.once('exit', () => child.kill('SIGKILL'));
  const lines = createInterface({ input: child.stdout! });
  await new Promise<void>((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`a worker exited with ${code} before starting`)));
    lines.on('line', (line) => {
      if (line.includes('"worker started"')) resolve();
    });
  });
  // Only warnings from here on: its access to Redis is what is measured, not its logging.
  lines.removeAllListeners('line');
  child.stdout!.resume();
  return child;
}

async function stopWorker(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = once(child, 'exit');
  child.kill('SIGTERM');
  await exited;
}

const commonEnvironment = {
  JOB_MAX_QUEUED: '100000',
  MAX_BINARY_BODY_BYTES: String(256 * 1024 * 1024),
  REQUEST_TIMEOUT_MS: '600000',
};

async function embedded(): Promise<Setup> {
  const server = await startServer({ ...commonEnvironment, POOL_THREADS: '2' });
  return { name: 'embedded, 2 threads', url: server.url, stop: () => server.stop() };
}

async function distributed(redis: PrivateRedis, workers: number, prefix: string): Promise<Setup> {
  const environment = { ...commonEnvironment, REDIS_URL: redis.url, REDIS_PREFIX: prefix, POOL_THREADS: '1' };
  const [server, ...children]: [BenchServer, ...ChildProcess[]] = await Promise.all([
    startServer(environment),
    ...Array.from({ length: workers }, () => startWorker(environment)),
  ]);
  // Each worker learns how many threads the cluster has from the others' heartbeats (every 2 s).
  await new Promise((resolve) => setTimeout(resolve, 2_500));
  return {
    name: `${workers} worker${workers === 1 ? '' : 's'} × 1 thread`,
    url: server.url,
    async stop() {
      await Promise.all([server.stop(), ...children.map(stopWorker)]);
    },
  };
}

/** Submits a job and waits for its result in the same request; the seconds it took end to end and as run. */
async function job(url: string, init: RequestInit = {}): Promise<{ totalS: number; runS: number; record: JobRecord }> {
  const startedAt = performance.now();
  const headers = { ...(init.headers as Record<string, string> | undefined), Prefer: 'respond-async, wait=60' };
  const response = await fetch(url, { ...init, headers });
  await response.arrayBuffer();
  const location = response.headers.get('content-location') ?? response.headers.get('location');
  if (location === null) throw new Error(`no job for ${url}: ${response.status}`);
  let record = (await (await fetch(new URL(location, url))).json()) as JobRecord;
  while (!['succeeded', 'failed', 'cancelled'].includes(record.status)) {
    await new Promise((resolve) => setTimeout(resolve, 20));
    record = (await (await fetch(new URL(location, url))).json()) as JobRecord;
  }
  const totalS = (performance.now() - startedAt) / 1_000;
  if (record.status !== 'succeeded') throw new Error(`job ${location} ${record.status}: ${JSON.stringify(record)}`);
  return { totalS, runS: (Date.parse(record.finishedAt ?? '') - Date.parse(record.startedAt ?? '')) / 1_000, record };
}


async function timed(action: () => Promise<unknown>): Promise<number[]> {
  const times: number[] = [];
  for (let index = 0; index < iterations; index += 1) {
    const startedAt = performance.now();
    await action();
    times.push(performance.now() - startedAt);
  }
  return times;
}

/**
 * Clients that each submit a trivial job and wait for its result, again and again: jobs
 * done per second. A 202 (not done within the wait) or an error is counted apart, not as done.
 */
async function smallJobs(url: string): Promise<{ done: number; late: number; seconds: number }> {
  const startedAt = performance.now();
  const deadline = startedAt + throughputSeconds * 1_000;
  let done = 0;
  let late = 0;
  await Promise.all(
    Array.from({ length: throughputClients }, async () => {
      while (performance.now() < deadline) {
        try {
          const response = await fetch(url, { headers: { Prefer: 'respond-async, wait=10' } });
          await response.arrayBuffer();
          if (response.status === 200) done += 1;
          else late += 1;
        } catch {
          late += 1;
        }
      }
    }),
  );
  return { done, late, seconds: (performance.now() - startedAt) / 1_000 };
}

async function measure(setup: Setup, text: Buffer, expected: { pi: unknown; words: unknown }): Promise<Figures> {
  const before = loadavg()[0] ?? 0;
  const piUrl = `${setup.url}/v1/primes/count?to=1000000000000000&method=pi`;
  const wordUrl = `${setup.url}/v1/mapreduce?job=wordcount&top=10`;
  const upload = { method: 'POST', body: text, headers: { 'content-type': 'text/plain; charset=utf-8' } } satisfies RequestInit;
  const check = (name: string, got: unknown, want: unknown): void => {
    if (JSON.stringify(got) !== JSON.stringify(want)) throw new Error(`${setup.name}: ${name} gave ${JSON.stringify(got)}, not ${JSON.stringify(want)}`);
  };
  // Warm-up: threads compile their WebAssembly, connections open.
  await job(piUrl);
  await job(wordUrl, upload);
  const pi = { totalS: [] as number[], runS: [] as number[] };
  const wordcount = { totalS: [] as number[], runS: [] as number[] };
  for (let run = 0; run < runs; run += 1) {
    const counted = await job(piUrl);
    check('pi(10^15)', counted.record.result, expected.pi);
    pi.totalS.push(counted.totalS);
    pi.runS.push(counted.runS);
    const words = await job(wordUrl, upload);
    check('word count', words.record.result, expected.words);
    wordcount.totalS.push(words.totalS);
    wordcount.runS.push(words.runS);
  }

  const trivial = `${setup.url}/v1/primes/97`;
  for (let index = 0; index < 50; index += 1) await (await fetch(trivial, { headers: { Prefer: 'respond-async, wait=5' } })).text();
  const syncMs = await timed(async () => (await fetch(trivial)).text());
  const streamedMs = await timed(async () => {
    const accepted = await fetch(trivial, { headers: { Prefer: 'respond-async' } });
    await accepted.text();
    const { status } = (await followJobEvents(`${setup.url}${accepted.headers.get('location')}/events`)).job;
    if (status !== 'succeeded') throw new Error(status);
  });
  const waitedMs = await timed(async () => {
    const response = await fetch(trivial, { headers: { Prefer: 'respond-async, wait=5' } });
    if (response.status !== 200) throw new Error(`expected the result, got ${response.status}`);
    await response.text();
  });

  const throughput = await smallJobs(trivial);
  const after = loadavg()[0] ?? 0;
  return {
    pi,
    wordcount,
    syncMs,
    streamedMs,
    waitedMs,
    jobsPerSecond: throughput.done / throughput.seconds,
    throughputLate: throughput.late,
    load: `${before.toFixed(1)} → ${after.toFixed(1)}`,
  };
}

async function main(): Promise<void> {
  console.log(`generating ${megabytes} MB of text…`);
  const text = Buffer.from(generateText(megabytes * 1e6), 'utf8');

  let redis: PrivateRedis | undefined;
  try {
    redis = await startPrivateRedis();
  } catch (error) {
    console.log(`redis-server could not start (${error instanceof Error ? error.message : String(error)}): install it with apt-get install -y redis-server`);
  }

  const results: Array<{ name: string; figures: Figures }> = [];
  // The answers every setup must give: the embedded server's, checked against the known pi(10^15).
  let expected: { pi: unknown; words: unknown } | undefined;
  const factories: Array<() => Promise<Setup>> = [embedded];
  if (redis !== undefined) {
    const server = redis;
    factories.push(
      () => distributed(server, 1, `bench-1w-${Date.now()}`),
      () => distributed(server, 2, `bench-2w-${Date.now()}`),
    );
  }
  try {
    for (const factory of factories) {
      const setup = await factory();
      try {
        if (expected === undefined) {
          const pi = (await job(`${setup.url}/v1/primes/count?to=1000000000000000&method=pi`)).record.result;
          if ((pi as { count?: string }).count !== '29844570422669') throw new Error(`pi(10^15) = ${JSON.stringify(pi)}`);
          const words = (await job(`${setup.url}/v1/mapreduce?job=wordcount&top=10`, {
            method: 'POST',
            body: text,
            headers: { 'content-type': 'text/plain; charset=utf-8' },
          })).record.result;
          expected = { pi, words };
        }
        console.log(`measuring ${setup.name}…`);
        results.push({ name: setup.name, figures: await measure(setup, text, expected) });
      } finally {
        await setup.stop();
      }
    }
  } finally {
    await redis?.stop();
  }

  const baseline = results[0]!.figures;
  type Row = { what: string; value: (figures: Figures) => number; unit: string; spread?: (figures: Figures) => string };
  const rows: Row[] = [
    { what: 'pi(10^15) job, submit to result', value: (f) => median(f.pi.totalS), unit: 's', spread: (f) => range(f.pi.totalS) },
    { what: 'pi(10^15) job, as run (record)', value: (f) => median(f.pi.runS), unit: 's' },
    { what: `word count ${megabytes} MB job, upload to result`, value: (f) => median(f.wordcount.totalS), unit: 's', spread: (f) => range(f.wordcount.totalS) },
    { what: `word count ${megabytes} MB job, as run (record)`, value: (f) => median(f.wordcount.runS), unit: 's' },
    { what: 'GET /v1/primes/97 synchronous, p50', value: (f) => median(f.syncMs), unit: 'ms' },
    { what: 'trivial job, 202 then SSE until succeeded, p50', value: (f) => median(f.streamedMs), unit: 'ms' },
    { what: 'trivial job, 202 then SSE until succeeded, p99', value: (f) => percentile(f.streamedMs, 0.99), unit: 'ms' },
    { what: 'trivial job, Prefer: wait=5, p50', value: (f) => median(f.waitedMs), unit: 'ms' },
    { what: 'trivial job, Prefer: wait=5, p99', value: (f) => percentile(f.waitedMs, 0.99), unit: 'ms' },
    { what: 'job overhead over sync (wait=5, p50)', value: (f) => median(f.waitedMs) - median(f.syncMs), unit: 'ms' },
    { what: `small jobs per second (${throughputClients} clients, wait=10)`, value: (f) => f.jobsPerSecond, unit: '/s' },
  ];
  const table = rows.map((row) => {
    const cells: Record<string, string | number> = { what: row.what };
    for (const { name, figures } of results) {
      const value = row.value(figures);
      cells[name] = `${formatNumber(value)} ${row.unit}${row.spread === undefined ? '' : ` (${row.spread(figures)})`}`;
    }
    for (const { name, figures } of results.slice(1)) cells[`${name} / embedded`] = `${(row.value(figures) / row.value(baseline)).toFixed(2)}×`;
    return cells;
  });
  if (results.length === 3) {
    const [, one, two] = results as [unknown, { figures: Figures }, { figures: Figures }];
    table.forEach((cells, index) => {
      const row = rows[index]!;
      cells['1 worker / 2 workers'] = `${(row.value(one.figures) / row.value(two.figures)).toFixed(2)}×`;
    });
  }
  printTable(`Distributed vs embedded: medians of ${runs} runs (range), ${iterations} trivial jobs, ${throughputSeconds} s of small jobs`, table);
  printTable(
    'Conditions',
    results.map(({ name, figures }) => ({
      setup: name,
      'load average (1 min) before → after': figures.load,
      'small jobs not done within wait=10 or failed': figures.throughputLate,
    })),
  );
}

await main();
