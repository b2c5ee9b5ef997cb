/**
 * The attacks of the overload bench: each finding of issue 9, full size at scale 1. An attack
 * drives the server and says what it sent (`load`) and what came back (`outcome`); the
 * runner (bench/overload.ts) measures memory, /healthz latency, event-loop blocking and 5xx
 * around it, on a fresh server per attack.
 */
import { connect, type Socket } from 'node:net';
import { fork } from 'node:child_process';
import type { BenchServer } from './server.js';
import { distinctWords, jsonArrayBody, repeatedText } from './payloads.js';
import { KeepAliveConnection, ResponseParser, exchange, hammer, requestBytes, requestHead, type RawResponse } from './raw-http.js';
import { floodFlag, type FloodMessage, type FloodStats } from './socket-flood.js';
import { generateText } from './text.js';

export interface AttackContext {
  readonly host: string;
  readonly port: number;
  readonly server: BenchServer;
  /** Multiplies counts, sizes and durations (1: the sizes the issue measured). */
  readonly scale: number;
  log(message: string): void;
}

export interface AttackResult {
  /** What was sent, at this scale. */
  readonly load: string;
  /** What came back. */
  readonly outcome: string;
  /** 5xx responses the attack's own clients received. */
  readonly serverErrorsSeen: number;
}

export interface Attack {
  readonly name: string;
  run(context: AttackContext): Promise<AttackResult>;
}

const MiB = 1024 * 1024;
const countPath = '/v1/primes/count?from=0&to=1000000000&method=sieve';
const listingPath = '/v1/primes?from=0&to=10000000000&limit=100000';
/** About 170 s of sieving on two threads: keeps a job slot busy for any attack's length. */
const blockerPath = '/v1/primes/count?from=0&to=999999999999&method=sieve';
const async = { prefer: 'respond-async' };

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
const scaled = (context: AttackContext, full: number, minimum = 1): number => Math.max(minimum, Math.round(full * context.scale));
const seconds = (context: AttackContext, full: number, minimum: number): number => Math.max(minimum, full * context.scale) * 1000;
const mib = (bytes: number): string => `${(bytes / MiB).toFixed(bytes < 10 * MiB ? 1 : 0)} MiB`;
const ms = (value: number): string => (Number.isFinite(value) ? `${Math.round(value).toLocaleString('en-US')} ms` : '–');

function percentile(values: readonly number[], fraction: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * fraction))] ?? Number.NaN;
}

/** "200 ×3, 503 ×2, error ×1" */
function tally(statuses: ReadonlyArray<number | string>): string {
  const counts = new Map<number | string, number>();
  for (const status of statuses) counts.set(status, (counts.get(status) ?? 0) + 1);
  return [...counts].map(([status, count]) => (count === 1 ? String(status) : `${status} ×${count}`)).join(', ');
}

const isServerError = (status: number | string): boolean => typeof status === 'number' && status >= 500;

/** One request on a new connection; the status, or what went wrong instead. */
async function call(
  context: AttackContext,
  method: string,
  path: string,
  options: { headers?: Record<string, string>; body?: Buffer | string; timeoutMs?: number } = {},
): Promise<{ status: number | string; response?: RawResponse; ms: number }> {
  const headers = { connection: 'close', ...options.headers };
  const bytes =
    options.body !== undefined && options.body.length > MiB
      ? [requestHead(method, path, headers, options.body.length), Buffer.from(options.body)]
      : requestBytes(method, path, { headers, ...(options.body === undefined ? {} : { body: options.body }) });
  const result = await exchange(context.host, context.port, bytes, options.timeoutMs ?? 120_000);
  return { status: result.response?.status ?? result.error ?? 'error', ...(result.response === undefined ? {} : { response: result.response }), ms: result.ms };
}

function jsonOf(response: RawResponse | undefined): Record<string, unknown> {
  try {
    return JSON.parse(response?.body.toString('utf8') ?? '') as Record<string, unknown>;
  } catch {
    return {};
  }
}

/** The last segment of a problem's type URI, or its status when it is not a problem. */
function problemName(result: { status: number | string; response?: RawResponse }): string {
  const type = jsonOf(result.response)['type'];
  return typeof type === 'string' ? `${result.status} ${type.slice(type.lastIndexOf('/') + 1)}` : String(result.status);
}

async function poolThreads(context: AttackContext): Promise<number> {
  const threads = (jsonOf((await call(context, 'GET', '/readyz')).response)['pool'] as { threads?: number } | undefined)?.threads;
  return threads ?? 2;
}

/**
 * Submits `count` jobs, `concurrency` at a time; their ids and every submission's status.
 * With `retryOverloaded`, a 503 is retried after its Retry-After and a reset connection at once,
 * as a patient client does.
 */
async function submitJobs(
  context: AttackContext,
  count: number,
  request: Buffer,
  concurrency = 16,
  retryOverloaded = false,
): Promise<{ ids: string[]; statuses: Array<number | string> }> {
  const ids: string[] = [];
  const statuses: Array<number | string> = [];
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(concurrency, count) }, async () => {
      const connection = new KeepAliveConnection(context.host, context.port);
      while (next < count && alive(context)) {
        next += 1;
        try {
          const response = await connection.request(request);
          statuses.push(response.status);
          const location = response.headers.get('location');
          if (response.status === 202 && location !== undefined) ids.push(location.slice(location.lastIndexOf('/') + 1));
          if (response.status === 503 && retryOverloaded) {
            next -= 1;
            await sleep(1000 * Number(response.headers.get('retry-after') ?? 1));
          }
        } catch (error) {
          statuses.push((error as NodeJS.ErrnoException).code ?? 'error');
          connection.close();
          // A reset keep-alive connection lost the submission before the server read it.
          if (retryOverloaded) next -= 1;
        }
      }
      connection.close();
    }),
  );
  return { ids, statuses };
}

/** Fills every job slot with a long sieve, so that the next submissions wait in the job queue. */
async function occupyJobSlots(context: AttackContext): Promise<string[]> {
  const slots = 2 * (await poolThreads(context));
  const { ids } = await submitJobs(context, slots, requestBytes('GET', blockerPath, { headers: async }), slots);
  return ids;
}

async function cancelJobs(context: AttackContext, ids: readonly string[]): Promise<Array<number | string>> {
  const statuses: Array<number | string> = [];
  for (const id of ids) statuses.push((await call(context, 'DELETE', `/v1/jobs/${id}`, { timeoutMs: 30_000 })).status);
  return statuses;
}

const alive = (context: AttackContext): boolean => context.server.process.exitCode === null && context.server.process.signalCode === null;

/** A raw connection that the attack writes to at its own pace; records when and how it ended. */
function openRaw(context: AttackContext): {
  socket: Socket;
  ended: Promise<{ afterMs: number; received: string }>;
} {
  const socket = connect({ host: context.host, port: context.port, noDelay: true });
  const startedAt = performance.now();
  let received = '';
  socket.on('data', (chunk: Buffer) => {
    if (received.length < 4096) received += chunk.toString('latin1');
  });
  const ended = new Promise<{ afterMs: number; received: string }>((resolve) => {
    socket.on('error', () => undefined);
    socket.on('close', () => resolve({ afterMs: performance.now() - startedAt, received }));
  });
  return { socket, ended };
}

function goodput(connections: number): Attack {
  return {
    name: `goodput-${connections}`,
    async run(context) {
      const durationMs = seconds(context, 20, 3);
      await call(context, 'GET', countPath); // warm the pool threads
      // Beside the flood, a client that honours Retry-After: one request on a new connection
      // every 250 ms. Its refusals are the time to refuse a client sees; the flood's own are
      // slowed down on purpose when it ignores Retry-After (src/http/refusal-backoff.ts).
      const polite: number[] = [];
      let flooding = true;
      const prober = (async () => {
        while (flooding) {
          const answer = await call(context, 'GET', countPath, { timeoutMs: 60_000 });
          if (answer.status === 503) polite.push(answer.ms);
          await sleep(250);
        }
      })();
      const figures = await hammer({
        host: context.host,
        port: context.port,
        request: requestBytes('GET', countPath),
        connections,
        durationMs,
      });
      flooding = false;
      await prober;
      const ok = figures.byStatus.get(200) ?? [];
      const refused = figures.byStatus.get(503) ?? [];
      const others = [...figures.byStatus].filter(([status]) => status !== 200 && status !== 503);
      let serverErrorsSeen = 0;
      for (const [status, latencies] of figures.byStatus) if (status >= 500) serverErrorsSeen += latencies.length;
      return {
        load: `GET ${countPath}, ${connections} connections, ${(durationMs / 1000).toFixed(0)} s`,
        outcome:
          `${(ok.length / figures.seconds).toFixed(1)} ok/s (${ok.length} × 200${ok.length === 0 ? '' : `, p50 ${ms(percentile(ok, 0.5))}`}); ` +
          (refused.length === 0
            ? 'no 503'
            : `${refused.length} × 503 (p50 ${ms(percentile(refused, 0.5))}, backed off), time to refuse a new connection p50 ` +
              (polite.length === 0 ? 'n/a (never refused)' : `${ms(percentile(polite, 0.5))}, p99 ${ms(percentile(polite, 0.99))}`)) +
          (others.length === 0 ? '' : `; ${others.map(([status, latencies]) => `${status} ×${latencies.length}`).join(', ')}`) +
          (figures.errors === 0 ? '' : `; ${figures.errors} connection errors`),
        serverErrorsSeen,
      };
    },
  };
}

const retainedResults: Attack = {
  name: 'retained-results',
  async run(context) {
    const count = scaled(context, 1330);
    const startedAt = performance.now();
    const { ids, statuses } = await submitJobs(context, count, requestBytes('GET', listingPath, { headers: async }), 16, true);
    context.log(`${ids.length} listings accepted; waiting for them to finish`);
    const deadline = performance.now() + seconds(context, 180, 20);
    let finished = false;
    while (alive(context) && performance.now() < deadline) {
      const busy = await Promise.all(
        ['queued', 'running'].map(async (status) => {
          const result = await call(context, 'GET', `/v1/jobs?status=${status}&limit=1`, { timeoutMs: 30_000 });
          return result.status !== 200 || (jsonOf(result.response)['jobs'] as unknown[] | undefined)?.length !== 0;
        }),
      );
      if (!busy.includes(true)) {
        finished = true;
        break;
      }
      await sleep(500);
    }
    const elapsed = (performance.now() - startedAt) / 1000;
    const first = ids[0] === undefined || !alive(context) ? undefined : await call(context, 'GET', `/v1/jobs/${ids[0]}`);
    return {
      load: `${count} × GET ${listingPath} with Prefer: respond-async (~0.9 MB result each; a 503 retried after Retry-After)`,
      outcome:
        `submissions: ${tally(statuses)}; ` +
        (finished ? `all finished after ${elapsed.toFixed(1)} s` : alive(context) ? `still running after ${elapsed.toFixed(0)} s` : 'the process died') +
        (first === undefined ? '' : `; the first job now: ${first.status === 200 ? String(jsonOf(first.response)['status']) : problemName(first)}`),
      serverErrorsSeen: statuses.filter(isServerError).length,
    };
  },
};

const queuedUploads: Attack = {
  name: 'queued-uploads',
  async run(context) {
    const uploads = scaled(context, 8);
    const bytes = Math.max(MiB, Math.round(256 * MiB * context.scale));
    const text = repeatedText(Buffer.from(generateText(4 * MiB)), bytes);
    const blockers = await occupyJobSlots(context);
    // The slow body declares the largest upload and sends a byte a second.
    const slow = openRaw(context);
    slow.socket.write(requestHead('POST', '/v1/mapreduce?job=wordcount', { 'content-type': 'text/plain', ...async }, 256 * MiB));
    slow.socket.write(text.subarray(0, 1024));
    const dribble = setInterval(() => slow.socket.write(text.subarray(0, 1)), 1000);
    const results = await Promise.all(
      Array.from({ length: uploads }, () =>
        call(context, 'POST', '/v1/mapreduce?job=wordcount', { headers: { 'content-type': 'text/plain', ...async }, body: text }),
      ),
    );
    context.log('uploads queued; holding');
    await sleep(seconds(context, 10, 3));
    clearInterval(dribble);
    slow.socket.destroy();
    const ids = results.map((result) => result.response?.headers.get('location')?.split('/').at(-1)).filter((id): id is string => id !== undefined);
    const cancelled = alive(context) ? await cancelJobs(context, [...ids, ...blockers]) : [];
    return {
      load: `${blockers.length} long jobs, then ${uploads} × ${mib(bytes)} text uploads with Prefer: respond-async, and a slow body declaring 256 MiB`,
      outcome:
        `uploads: ${tally(results.map((result) => result.status))}` +
        `; DELETE of the jobs: ${tally(cancelled)}`,
      serverErrorsSeen: results.filter((result) => isServerError(result.status)).length,
    };
  },
};

const factorCancel: Attack = {
  name: 'factor-cancel',
  async run(context) {
    const copies = scaled(context, 100_000);
    // Two 64-bit primes: rho needs about 2^32 steps for each product, far beyond any deadline.
    const semiprime = (18446744073709551557n * 18446744073709551533n).toString();
    const body = JSON.stringify({ numbers: Array.from({ length: copies }, () => semiprime) });
    const submitted = await call(context, 'POST', '/v1/primes/factor', { headers: { 'content-type': 'application/json', ...async }, body });
    const location = submitted.response?.headers.get('location');
    await sleep(1000);
    const job = location === undefined ? undefined : await call(context, 'GET', location);
    const jobState = jsonOf(job?.response);
    const problem = (jobState['problem'] as { status?: number } | undefined)?.status;
    const deleted = location === undefined ? undefined : await call(context, 'DELETE', location);
    const deletedAt = performance.now();
    // Other pool requests, one at a time, after the DELETE: do they get threads back?
    const statuses: Array<number | string> = [];
    let firstOkMs: number | undefined;
    const until = deletedAt + seconds(context, 20, 5);
    while (performance.now() < until) {
      const probe = await call(context, 'GET', countPath, { timeoutMs: 30_000 });
      statuses.push(probe.status);
      if (probe.status === 200) firstOkMs ??= performance.now() - deletedAt;
      await sleep(500);
    }
    return {
      load: `POST /v1/primes/factor with ${copies.toLocaleString('en-US')} × a 128-bit semiprime, as a job; DELETE after 1 s; then pool requests every 0.5 s`,
      outcome:
        `submit ${submitted.status}; after 1 s the job is ${String(jobState['status'])}${problem === undefined ? '' : ` (problem ${problem})`}; ` +
        `DELETE ${deleted === undefined ? 'not sent' : problemName(deleted)}; pool requests after it: ${tally(statuses)}` +
        (firstOkMs === undefined ? ', none served' : `, first served ${ms(firstOkMs)} after the DELETE`),
      serverErrorsSeen: [submitted.status, ...statuses].filter(isServerError).length,
    };
  },
};

function jsonBodyAttack(name: string, path: string, build: () => { body: Buffer; items: number }, what: (items: number) => string): Attack {
  return {
    name,
    async run(context) {
      const { body, items } = build();
      const repeats = scaled(context, 3);
      const results = [];
      for (let index = 0; index < repeats; index += 1) {
        results.push(await call(context, 'POST', path, { headers: { 'content-type': 'application/json' }, body }));
      }
      return {
        load: `${repeats} × POST ${path}, ${mib(body.length)} JSON: ${what(items)}`,
        outcome: `${tally(results.map(problemName))}; ${results.map((result) => ms(result.ms)).join(', ')}`,
        serverErrorsSeen: results.filter((result) => isServerError(result.status)).length,
      };
    },
  };
}

const maxJsonBytes = 16 * MiB;

const jsonCheckObjects = jsonBodyAttack(
  'json-check-objects',
  '/v1/primes/check',
  () => jsonArrayBody('{"numbers":[', () => '{}', ']}', maxJsonBytes),
  (items) => `${items.toLocaleString('en-US')} × {}`,
);

const jsonIntReduce = jsonBodyAttack(
  'json-int-reduce',
  '/v1/reduce',
  () => jsonArrayBody('{"op":"sum","type":"int","values":[', () => '7', ']}', maxJsonBytes),
  (items) => `int sum of ${(items / 1e6).toFixed(1)} M values`,
);

const jsonFloatReduce = jsonBodyAttack(
  'json-float-reduce',
  '/v1/reduce',
  () => {
    let seed = 1;
    return jsonArrayBody(
      '{"op":"sum","type":"float64","values":[',
      () => {
        seed = (seed * 48271) % 2147483647;
        return String(seed / 2147483647);
      },
      ']}',
      maxJsonBytes,
    );
  },
  (items) => `float64 sum of ${(items / 1e6).toFixed(2)} M values`,
);

/** An event-stream subscriber that counts bytes and resolves when the stream ends. */
function subscribe(context: AttackContext, path: string): { firstBytes: Promise<boolean>; done: Promise<{ ended: boolean; bytes: number }>; socket: Socket } {
  const socket = connect({ host: context.host, port: context.port, noDelay: true });
  const parser = new ResponseParser({ keepBody: false });
  let sawBytes!: (value: boolean) => void;
  const firstBytes = new Promise<boolean>((resolve) => (sawBytes = resolve));
  let bytes = 0;
  const done = new Promise<{ ended: boolean; bytes: number }>((resolve) => {
    socket.on('connect', () => socket.write(requestBytes('GET', path)));
    socket.on('data', (chunk: Buffer) => {
      bytes += chunk.length;
      sawBytes(true);
      if (parser.push(chunk).length > 0) {
        socket.destroy();
        resolve({ ended: true, bytes });
      }
    });
    socket.on('error', () => undefined);
    socket.on('close', () => {
      sawBytes(false);
      resolve({ ended: false, bytes });
    });
  });
  return { firstBytes, done, socket };
}

const sseFanout: Attack = {
  name: 'sse-fanout',
  async run(context) {
    const subscribers = scaled(context, 2000);
    const blockers = await occupyJobSlots(context);
    const target = await submitJobs(context, 1, requestBytes('GET', listingPath, { headers: async }), 1);
    const id = target.ids[0];
    if (id === undefined) throw new Error(`the listing job was refused: ${tally(target.statuses)}`);
    const streams: Array<ReturnType<typeof subscribe>> = [];
    for (let index = 0; index < subscribers; index += 100) {
      const batch = Array.from({ length: Math.min(100, subscribers - index) }, () => subscribe(context, `/v1/jobs/${id}/events`));
      streams.push(...batch);
      await Promise.all(batch.map((stream) => Promise.race([stream.firstBytes, sleep(30_000)])));
    }
    context.log(`${streams.length} subscribers on a queued job; releasing its slot`);
    const releasedAt = performance.now();
    await cancelJobs(context, blockers);
    const timeout = sleep(seconds(context, 180, 30)).then(() => undefined);
    const ends = await Promise.all(streams.map((stream) => Promise.race([stream.done, timeout])));
    const elapsed = (performance.now() - releasedAt) / 1000;
    for (const stream of streams) stream.socket.destroy();
    const complete = ends.filter((end) => end?.ended === true);
    const bytes = complete.reduce((sum, end) => sum + (end?.bytes ?? 0), 0);
    return {
      load: `${subscribers} SSE subscribers to a queued listing job (~0.9 MB result), then its job slot freed`,
      outcome:
        `${complete.length}/${subscribers} streams ended with the final event within ${elapsed.toFixed(1)} s` +
        (complete.length === 0 ? '' : ` (${mib(bytes / complete.length)} each)`),
      serverErrorsSeen: 0,
    };
  },
};

/**
 * Slow readers as `slowhttptest -X -k 3 -z 32 -n 5` makes them: three pipelined requests per
 * connection, then 32 bytes read every 5 s. On loopback the kernel takes a whole first
 * response into its send buffer (it grows to 4 MiB), whatever the client's window; the
 * pipelined ones wait in the server's memory.
 */
const slowReaders: Attack = {
  name: 'slow-readers',
  async run(context) {
    const readers = scaled(context, 1000);
    const pipelined = 3;
    const statuses: Array<number | string> = [];
    const sockets: Socket[] = [];
    const request = Buffer.concat(Array.from({ length: pipelined }, () => requestBytes('GET', listingPath)));
    const open = (): Promise<void> =>
      new Promise((resolve) => {
        const socket = connect({ host: context.host, port: context.port, noDelay: true });
        sockets.push(socket);
        const timer = setTimeout(() => settle('timeout'), 30_000);
        let settled = false;
        const settle = (status: number | string): void => {
          if (settled) return;
          settled = true;
          clearTimeout(timer);
          statuses.push(status);
          resolve();
        };
        socket.on('connect', () => socket.write(request));
        socket.on('error', (error: NodeJS.ErrnoException) => settle(error.code ?? 'error'));
        socket.on('close', () => settle('closed'));
        // Paused mode: the socket reads from the kernel only to refill a 16 KiB buffer.
        socket.once('readable', () => {
          const head = socket.read(12) as Buffer | null;
          settle(Number(head?.toString('latin1').slice(9, 12) ?? 0) || 'no status');
        });
      });
    for (let index = 0; index < readers; index += 50) await Promise.all(Array.from({ length: Math.min(50, readers - index) }, open));
    context.log(`${sockets.length} slow readers open; holding`);
    const trickle = setInterval(() => {
      for (const socket of sockets) socket.read(32);
    }, 5000);
    const holdMs = seconds(context, 30, 5);
    await sleep(holdMs);
    clearInterval(trickle);
    const stillOpen = sockets.filter((socket) => !socket.destroyed).length;
    for (const socket of sockets) socket.destroy();
    return {
      load: `${readers} connections × ${pipelined} pipelined GET ${listingPath} (~0.9 MB each), read 32 bytes / 5 s, held ${(holdMs / 1000).toFixed(0)} s`,
      outcome: `first responses: ${tally(statuses)}; ${stillOpen} connections still open at the end`,
      serverErrorsSeen: statuses.filter(isServerError).length,
    };
  },
};

const idleSockets: Attack = {
  name: 'idle-sockets',
  async run(context) {
    const count = scaled(context, 20_000);
    const perProcess = 10_000;
    const floods = Array.from({ length: Math.ceil(count / perProcess) }, (_, index) => {
      const share = Math.min(perProcess, count - index * perProcess);
      const child = fork(new URL('./socket-flood.ts', import.meta.url), [floodFlag, context.host, String(context.port), String(share)], {
        execArgv: ['--import', 'tsx'],
        stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
      });
      const next = (type: FloodMessage['type']): Promise<FloodStats | undefined> =>
        new Promise((resolve) => {
          const onMessage = (message: FloodMessage): void => {
            if (message.type === type) {
              child.off('message', onMessage);
              resolve(message.stats);
            }
          };
          child.on('message', onMessage);
          child.once('exit', () => resolve(undefined));
        });
      return { child, opened: next('opened'), stopped: next('stopped') };
    });
    await Promise.race([Promise.all(floods.map((flood) => flood.opened)), sleep(seconds(context, 60, 10))]);
    context.log(`${count} idle sockets attempted; holding`);
    await sleep(seconds(context, 20, 5));
    const newClient = await call(context, 'GET', '/healthz', { timeoutMs: 30_000 });
    for (const flood of floods) flood.child.send({ type: 'stop' });
    const stats = (await Promise.all(floods.map((flood) => flood.stopped))).filter((value): value is FloodStats => value !== undefined);
    const sum = (key: 'connected' | 'closedByServer' | 'failed'): number => stats.reduce((total, value) => total + value[key], 0);
    const firstError = stats.find((value) => value.firstError !== undefined)?.firstError;
    return {
      load: `${count.toLocaleString('en-US')} idle TCP connections (never a byte sent), held ${(seconds(context, 20, 5) / 1000).toFixed(0)} s`,
      outcome:
        `${sum('connected').toLocaleString('en-US')} connected, ${sum('closedByServer').toLocaleString('en-US')} of them closed by the server, ` +
        `${sum('failed').toLocaleString('en-US')} failed${firstError === undefined ? '' : ` (${firstError})`}; ` +
        `a new client's /healthz at the end: ${newClient.status} in ${ms(newClient.ms)}`,
      serverErrorsSeen: isServerError(newClient.status) ? 1 : 0,
    };
  },
};

/** "408 after 31.2 s" / "closed without a response after 90.1 s" / "still open after 150 s" */
function endingOf(end: { afterMs: number; received: string } | undefined, capMs: number): string {
  if (end === undefined) return `still open after ${(capMs / 1000).toFixed(0)} s`;
  const status = /^HTTP\/1\.1 (\d{3})/.exec(end.received)?.[1];
  const problem = /"type":"[^"]*\/([a-z-]+)"/.exec(end.received)?.[1];
  return `${status === undefined ? 'closed without a response' : `${status}${problem === undefined ? '' : ` ${problem}`}, closed`} after ${(end.afterMs / 1000).toFixed(1)} s`;
}

const slowBody: Attack = {
  name: 'slow-body',
  async run(context) {
    const capMs = seconds(context, 150, 45);
    const body = openRaw(context);
    body.socket.write(requestHead('POST', '/v1/mapreduce?job=wordcount', { 'content-type': 'text/plain' }, 256 * MiB));
    body.socket.write('The slow body: ');
    const headers = openRaw(context);
    headers.socket.write('GET /healthz HTTP/1.1\r\nhost: localhost\r\nx-slow: ');
    const dribble = setInterval(() => {
      if (!body.socket.destroyed) body.socket.write('a');
      if (!headers.socket.destroyed) headers.socket.write('a');
    }, 1000);
    const cap = sleep(capMs).then(() => undefined);
    const [bodyEnd, headersEnd] = await Promise.all([Promise.race([body.ended, cap]), Promise.race([headers.ended, cap])]);
    clearInterval(dribble);
    body.socket.destroy();
    headers.socket.destroy();
    return {
      load: 'a text upload declaring 256 MiB sent at 1 byte/s; headers sent at 1 byte/s',
      outcome: `body: ${endingOf(bodyEnd, capMs)}; headers: ${endingOf(headersEnd, capMs)}`,
      serverErrorsSeen: [bodyEnd, headersEnd].filter((end) => /^HTTP\/1\.1 5/.test(end?.received ?? '')).length,
    };
  },
};

const deepNesting: Attack = {
  name: 'deep-nesting',
  async run(context) {
    const results = [];
    for (const depth of [5_000, 100_000]) {
      const body = `{"op":"sum","type":"int","values":${'['.repeat(depth)}1${']'.repeat(depth)}}`;
      results.push({ depth, result: await call(context, 'POST', '/v1/reduce', { headers: { 'content-type': 'application/json' }, body }) });
    }
    return {
      load: 'POST /v1/reduce with `values` nested 5 000 and 100 000 deep',
      outcome: results.map(({ depth, result }) => `depth ${depth.toLocaleString('en-US')}: ${problemName(result)}`).join('; '),
      serverErrorsSeen: results.filter(({ result }) => isServerError(result.status)).length,
    };
  },
};

function detailOf(result: { status: number | string; response?: RawResponse }): string {
  const detail = jsonOf(result.response)['detail'];
  return typeof detail === 'string' ? ` ("${detail.length > 90 ? `${detail.slice(0, 90)}…` : detail}")` : '';
}

/**
 * Runs an upload as a job (the synchronous deadline would cut it first and hide how it ends),
 * polling until it finishes or `waitMs` passes (then cancels it).
 */
async function uploadJob(
  context: AttackContext,
  path: string,
  text: Buffer,
  waitMs: number,
): Promise<{ summary: string; result?: Record<string, unknown>; serverError: boolean }> {
  const startedAt = performance.now();
  const submitted = await call(context, 'POST', path, { headers: { 'content-type': 'text/plain', ...async }, body: text, timeoutMs: 300_000 });
  const location = submitted.response?.headers.get('location');
  if (submitted.status !== 202 || location === undefined) {
    return { summary: `${problemName(submitted)}${detailOf(submitted)}`, serverError: isServerError(submitted.status) };
  }
  while (alive(context) && performance.now() - startedAt < waitMs) {
    await sleep(1000);
    const job = jsonOf((await call(context, 'GET', location, { timeoutMs: 60_000 })).response);
    const status = job['status'];
    const took = ms(performance.now() - startedAt);
    if (status === 'succeeded') return { summary: `succeeded in ${took}`, result: job['result'] as Record<string, unknown>, serverError: false };
    if (status === 'failed' || status === 'cancelled') {
      const problem = (job['problem'] ?? {}) as { status?: number; type?: string; detail?: string };
      const detail = problem.detail === undefined ? '' : ` ("${problem.detail.length > 90 ? `${problem.detail.slice(0, 90)}…` : problem.detail}")`;
      return {
        summary: `${String(status)} in ${took}: ${problem.status ?? ''} ${problem.type?.split('/').at(-1) ?? ''}${detail}`,
        serverError: (problem.status ?? 0) >= 500,
      };
    }
  }
  if (!alive(context)) return { summary: 'the process died', serverError: false };
  await call(context, 'DELETE', location);
  return { summary: `still running after ${ms(waitMs)} (cancelled)`, serverError: false };
}

const longLine: Attack = {
  name: 'long-line',
  async run(context) {
    const bytes = Math.max(MiB, Math.round(255 * MiB * context.scale));
    const { text, words } = distinctWords({ words: Number.MAX_SAFE_INTEGER, wordsPerLine: 0, maxBytes: bytes });
    const outcomes: string[] = [];
    let serverErrors = 0;
    for (const job of ['index', 'wordcount']) {
      const outcome = await uploadJob(context, `/v1/mapreduce?job=${job}`, text, seconds(context, 120, 30));
      const counted = outcome.result?.['distinctWords'];
      outcomes.push(`${job}: ${outcome.summary}${counted === undefined ? '' : `, distinctWords ${String(counted)}${counted === words ? ' (right)' : ` (want ${words})`}`}`);
      if (outcome.serverError) serverErrors += 1;
      if (!alive(context)) break;
    }
    return {
      load: `a ${mib(text.length)} single line of ${(words / 1e6).toFixed(1)} M distinct words, as jobs: mapreduce index, then wordcount`,
      outcome: outcomes.join('; '),
      serverErrorsSeen: serverErrors,
    };
  },
};

const distinctWordsAttack: Attack = {
  name: 'distinct-words',
  async run(context) {
    const { text, words } = distinctWords({ words: scaled(context, 44_800_000), wordsPerLine: 16, maxBytes: 256 * MiB });
    const outcome = await uploadJob(context, '/v1/mapreduce?job=wordcount&top=10', text, seconds(context, 240, 30));
    const counted = outcome.result?.['distinctWords'];
    return {
      load: `wordcount of ${(words / 1e6).toFixed(1)} M distinct words (${mib(text.length)}, 16 a line), as a job`,
      outcome: `${outcome.summary}${counted === undefined ? '' : `, distinctWords ${String(counted)}${counted === words ? ' (right)' : ` (want ${words})`}`}`,
      serverErrorsSeen: outcome.serverError ? 1 : 0,
    };
  },
};

/** Requests the server has answered, by status, from its request histogram. */
async function answeredByStatus(context: AttackContext): Promise<Map<string, number>> {
  const text = (await call(context, 'GET', '/metrics')).response?.body.toString('utf8') ?? '';
  const counts = new Map<string, number>();
  for (const match of text.matchAll(/^crunch_http_request_duration_seconds_count\{[^}]*status="(\d+)"[^}]*\} (\S+)$/gm)) {
    counts.set(match[1]!, (counts.get(match[1]!) ?? 0) + Number(match[2]));
  }
  return counts;
}

const hangups: Attack = {
  name: 'hangups',
  async run(context) {
    const answeredBefore = await answeredByStatus(context);
    const count = scaled(context, 300, 3);
    const kinds = [
      { path: '/v1/reduce', type: 'application/json', head: Buffer.from('{"op":"sum","type":"int","values":[1') },
      { path: '/v1/mapreduce?job=wordcount', type: 'text/plain', head: Buffer.from('the quick brown fox ') },
      { path: '/v1/reduce?op=sum&type=float64', type: 'application/octet-stream', head: Buffer.alloc(8) },
    ];
    const declared = MiB;
    const filler = (kind: (typeof kinds)[number]): Buffer => repeatedText(kind.type === 'application/json' ? Buffer.from(',1') : kind.head, declared / 2);
    const fillers = kinds.map(filler);
    let next = 0;
    await Promise.all(
      Array.from({ length: 20 }, async () => {
        while (next < count) {
          const index = next++ % kinds.length;
          const kind = kinds[index]!;
          const raw = openRaw(context);
          raw.socket.write(requestHead('POST', kind.path, { 'content-type': kind.type }, declared));
          raw.socket.write(kind.head);
          raw.socket.write(fillers[index]!);
          await sleep(50);
          raw.socket.destroy();
          await raw.ended;
        }
      }),
    );
    await sleep(1000);
    const answered = [...(await answeredByStatus(context))]
      .map(([status, total]) => [status, total - (answeredBefore.get(status) ?? 0)] as const)
      .filter(([status, added]) => added > 0 && status !== '200');
    return {
      load: `${count} uploads (JSON, text, binary) declaring 1 MiB, the client hanging up half-way`,
      outcome: `the server recorded ${answered.length === 0 ? 'nothing' : answered.map(([status, added]) => `${status} ×${added}`).join(', ')} (the clients had gone)`,
      serverErrorsSeen: 0,
    };
  },
};

const invalidUtf8: Attack = {
  name: 'invalid-utf8',
  async run(context) {
    const cases = [
      { path: '/v1/mapreduce', body: Buffer.concat([Buffer.from('{"job":"wordcount","documents":["ab'), Buffer.from([0xff]), Buffer.from('cd"]}')]) },
      { path: '/v1/primes/check', body: Buffer.concat([Buffer.from('{"numbers":[2,"3'), Buffer.from([0xc3]), Buffer.from('"]}')]) },
    ];
    const results = [];
    for (const { path, body } of cases) {
      const result = await call(context, 'POST', path, { headers: { 'content-type': 'application/json' }, body });
      const words = (jsonOf(result.response)['top'] as Array<{ word: string }> | undefined)?.map((entry) => entry.word);
      results.push({ path, result, note: words === undefined ? detailOf(result) : ` (words: ${words.join(', ')})` });
    }
    return {
      load: 'JSON bodies with an invalid UTF-8 byte inside a string (mapreduce documents, primes check)',
      outcome: results.map(({ path, result, note }) => `${path}: ${problemName(result)}${note}`).join('; ') + ' (want 400 with the offset)',
      serverErrorsSeen: results.filter(({ result }) => isServerError(result.status)).length,
    };
  },
};

const readyzQueued: Attack = {
  name: 'readyz-queued',
  async run(context) {
    const durationMs = seconds(context, 10, 3);
    const load = hammer({ host: context.host, port: context.port, request: requestBytes('GET', countPath), connections: 200, durationMs });
    const answers: Array<{ status: number | string; queued: number }> = [];
    await sleep(500);
    const until = performance.now() + durationMs - 1000;
    // Several pollers: under this load one /readyz can take seconds to come back.
    await Promise.all(
      Array.from({ length: 4 }, async () => {
        while (performance.now() < until) {
          const result = await call(context, 'GET', '/readyz', { timeoutMs: 10_000 });
          const queued = (jsonOf(result.response)['pool'] as { queued?: number } | undefined)?.queued ?? Number.NaN;
          answers.push({ status: result.status, queued });
          await sleep(250);
        }
      }),
    );
    const figures = await load;
    let serverErrorsSeen = 0;
    for (const [status, latencies] of figures.byStatus) if (status >= 500) serverErrorsSeen += latencies.length;
    // Half the default queue (64 per thread): the pool is refusing work by then.
    const saturated = answers.filter((answer) => answer.queued >= 64);
    return {
      load: `200 connections on GET ${countPath} for ${(durationMs / 1000).toFixed(0)} s; GET /readyz every 0.25 s`,
      outcome:
        `/readyz: ${tally(answers.map((answer) => answer.status))}; with ≥ 64 tasks queued: ${saturated.length === 0 ? 'never seen' : tally(saturated.map((answer) => answer.status))}` +
        ` (queue up to ${Math.max(...answers.map((answer) => answer.queued))}; want 503)`,
      serverErrorsSeen,
    };
  },
};

export const attacks: readonly Attack[] = [
  goodput(4),
  goodput(256),
  retainedResults,
  queuedUploads,
  factorCancel,
  jsonCheckObjects,
  jsonIntReduce,
  jsonFloatReduce,
  sseFanout,
  slowReaders,
  idleSockets,
  slowBody,
  deepNesting,
  longLine,
  distinctWordsAttack,
  hangups,
  invalidUtf8,
  readyzQueued,
];
