/**
 * Job overhead: a trivial computation called synchronously (baseline), as a job awaited
 * with `Prefer: wait`, and as a job followed to `succeeded` over its event stream; plus the
 * delay between a job finishing on the server and its SSE event reaching the client.
 */
import { followJobEvents } from './lib/job-events.js';
import { startServer } from './lib/server.js';
import { printTable } from './lib/table.js';

const iterations = Number(process.env['BENCH_JOB_ITERATIONS'] ?? 300);

function percentile(sorted: readonly number[], fraction: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * fraction))] ?? Number.NaN;
}

async function timed(action: () => Promise<unknown>): Promise<number[]> {
  const times: number[] = [];
  for (let index = 0; index < iterations; index += 1) {
    const startedAt = performance.now();
    await action();
    times.push(performance.now() - startedAt);
  }
  return times.sort((a, b) => a - b);
}


const server = await startServer({ POOL_THREADS: '2', JOB_MAX_QUEUED: '100000' });
try {
  const url = `${server.url}/v1/primes/97`;
  for (let index = 0; index < 50; index += 1) await (await fetch(url)).text();

  const sync = await timed(async () => (await fetch(url)).text());
  const waited = await timed(async () => {
    const response = await fetch(url, { headers: { prefer: 'wait=10' } });
    if (response.status !== 200) throw new Error(`expected 200, got ${response.status}`);
    await response.text();
  });
  const streamed = await timed(async () => {
    const accepted = await fetch(url, { headers: { prefer: 'respond-async' } });
    await accepted.text();
    const { job } = await followJobEvents(`${server.url}${accepted.headers.get('location')}/events`);
    if (job.status !== 'succeeded') throw new Error(job.status);
  });

  // Event latency: the job's finishedAt (server clock) to the client reading the event (same host, same clock).
  const latencies: number[] = [];
  const heavy = { numbers: Array.from({ length: 2 }, () => (2n ** 2203n - 1n).toString()) };
  for (let index = 0; index < Math.min(iterations, 100); index += 1) {
    const accepted = await fetch(`${server.url}/v1/primes/check`, {
      method: 'POST',
      headers: { prefer: 'respond-async', 'content-type': 'application/json' },
      body: JSON.stringify(heavy),
    });
    await accepted.text();
    const { receivedAt, job } = await followJobEvents(`${server.url}${accepted.headers.get('location')}/events`);
    latencies.push(receivedAt - Date.parse(job.finishedAt));
  }
  latencies.sort((a, b) => a - b);

  const row = (name: string, times: readonly number[]) => ({
    case: name,
    'p50 ms': percentile(times, 0.5),
    'p99 ms': percentile(times, 0.99),
    'overhead vs sync (p50)': `${(percentile(times, 0.5) - percentile(sync, 0.5)).toFixed(2)} ms`,
  });
  printTable(`Job overhead: GET /v1/primes/97, ${iterations} sequential calls`, [
    row('synchronous (baseline)', sync),
    row('job, Prefer: wait=10 (one round trip)', waited),
    row('job, 202 then SSE until succeeded', streamed),
  ]);
  printTable('SSE event latency: job finishedAt (server) to event read by the client', [
    { jobs: latencies.length, 'p50 ms': percentile(latencies, 0.5), 'p99 ms': percentile(latencies, 0.99), 'max ms': latencies.at(-1) ?? Number.NaN },
  ]);
} finally {
  await server.stop();
}
