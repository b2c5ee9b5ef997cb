/**
 * What the sandbox costs: one user word-count function (test/helpers/sandbox.ts's WORD_COUNT,
 * the built-in word definition) run
 *   (a) unsandboxed, in plain Node on one thread: the same engine source (src/sandbox/harness.ts)
 *       over 1 MiB batches, its JIT warm from batch to batch, so the ratio isolates what the
 *       sandbox adds (bench/lib/plain-user-function.ts, in a worker thread of its own);
 *   (a') unsandboxed, a bare loop: map and reduce called directly with a Map (no engine, no JSON);
 *   (b) sandboxed on one pool thread: runCustomJob -> sandboxMap/sandboxReduce tasks -> the
 *       thread's sandbox host process -> a fresh isolate per batch, with 1 MiB, 4 MiB and
 *       sandboxBatchBytes' batches (each run pays a cold JIT, so the batch size matters);
 *   (c) sandboxed over HTTP on all threads: the built server (bench/lib/server.ts, POOL_THREADS
 *       = this machine's cores), the function stored once (POST /v1/functions), the text POSTed
 *       as text/plain with `?job=custom&function=<id>`, upload and answer included;
 * beside the built-in wordcount kernel (runJobInline, WebAssembly) on one thread, and the
 * built-in wordcount over HTTP on the same server, on 10 MB and 100 MB of generated text,
 * best of a few runs each.
 *
 *   node --import tsx bench/sandbox.ts [megabytes...=10,100]
 */
import { request } from 'node:http';
import { availableParallelism } from 'node:os';
import { compareCodePoints, MAX_TOP_WORDS, runJobInline, type WordCountResult } from '../src/compute/mapreduce/index.js';
import { defaultConfig } from '../src/config.js';
import { WorkerPool } from '../src/pool/pool.js';
import { Worker } from 'node:worker_threads';
import { runCustomJob, sandboxBatchBytes, textBatches, type SandboxResult } from '../src/sandbox/index.js';
import { poolRunner, WORD_COUNT } from '../test/helpers/sandbox.js';
import { best, type PlainRequest } from './lib/plain-user-function.js';
import { startServer, type BenchServer } from './lib/server.js';
import { printTable } from './lib/table.js';
import { generateText } from './lib/text.js';

const sizes = (process.argv.slice(2).length > 0 ? process.argv.slice(2) : ['10', '100']).map(Number);
const MiB = 1 << 20;
const limits = defaultConfig().sandbox;

/**
 * The unsandboxed rows run in a worker thread of their own: a fresh heap, like each sandbox
 * run's, rather than this thread's, which holds the whole text several times over and would
 * make plain Node pay for garbage collections the sandbox never sees.
 */
class PlainThread {
  readonly #worker: Worker;

  constructor() {
    // Node 20 does not apply the parent's `--import tsx` to a worker's modules: register tsx first.
    const url = JSON.stringify(new URL('./lib/plain-user-function.ts', import.meta.url).href);
    this.#worker = new Worker(`import('tsx/esm/api').then((tsx) => { tsx.register(); return import(${url}); })`, { eval: true });
  }

  run(request: PlainRequest): Promise<{ value: SandboxResult[]; seconds: number }> {
    return new Promise((resolve, reject) => {
      this.#worker.once('message', resolve);
      this.#worker.once('error', reject);
      this.#worker.postMessage(request);
    });
  }

  close(): Promise<number> {
    return this.#worker.terminate();
  }
}

interface Posted {
  readonly status: number;
  readonly text: string;
}

function post(url: string, body: Uint8Array | string, contentType: string): Promise<Posted> {
  const bytes = typeof body === 'string' ? Buffer.from(body) : body;
  return new Promise((resolve, reject) => {
    const req = request(url, { method: 'POST', headers: { 'Content-Type': contentType, 'Content-Length': bytes.length } }, (res) => {
      const parts: Buffer[] = [];
      res.on('data', (part: Buffer) => parts.push(part));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(parts).toString('utf8') }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(bytes);
  });
}

function answer<T>(posted: Posted, status = 200): T {
  if (posted.status !== status) throw new Error(`HTTP ${posted.status}: ${posted.text.slice(0, 300)}`);
  return JSON.parse(posted.text) as T;
}

/** The built server on every core, with the user word count stored once. */
async function startHttp(): Promise<{ server: BenchServer; threads: number; functionId: string }> {
  const threads = availableParallelism();
  const server = await startServer({ POOL_THREADS: String(threads), REQUEST_TIMEOUT_MS: '600000' });
  const stored = answer<{ id: string }>(await post(`${server.url}/v1/functions`, JSON.stringify({ name: 'wordcount', ...WORD_COUNT }), 'application/json'), 201);
  // The threads' sandbox processes start on first use: not inside a timed run.
  for (let i = 0; i < 2; i++) answer(await post(`${server.url}/v1/mapreduce?job=custom&function=${stored.id}`, 'warm up\n'.repeat(400_000), 'text/plain'));
  return { server, threads, functionId: stored.id };
}

function asWordCount(results: readonly SandboxResult[]): Pick<WordCountResult, 'totalWords' | 'distinctWords'> & { first: string } {
  const sorted = results.map(({ key, value }) => ({ word: String(key), count: value as number })).sort((a, b) => b.count - a.count || compareCodePoints(a.word, b.word));
  return { totalWords: sorted.reduce((sum, entry) => sum + entry.count, 0), distinctWords: sorted.length, first: sorted[0]?.word ?? '' };
}

async function main(): Promise<void> {
  const largest = Math.max(...sizes);
  console.log(`generating ${largest} MB of text...`);
  const all = generateText(largest * 1e6);
  const pool = new WorkerPool({ threads: 1, maxQueuedTasks: 64 });
  const runner = poolRunner(pool);
  // Start the thread and its sandbox process before timing anything.
  await runCustomJob(runner, { functions: WORD_COUNT, batches: textBatches(new TextEncoder().encode('warm up\n'), 'lines', MiB), partitions: 1, limits, lanes: 1 });
  const plainThread = new PlainThread();
  const http = await startHttp();
  const rows: Array<Record<string, string | number>> = [];
  for (const megabytes of sizes) {
    const cut = all.lastIndexOf('\n', megabytes * 1e6) + 1;
    const text = all.slice(0, cut);
    const bytes = new TextEncoder().encode(text);
    const mb = bytes.length / 1e6;
    const runs = megabytes <= 20 ? 3 : 2;

    const builtin = await best(runs, () => runJobInline({ kind: 'wordcount', top: MAX_TOP_WORDS }, bytes, { chunkBytes: MiB }));
    const plain = await plainThread.run({ kind: 'engine', bytes, batchBytes: MiB, runs });
    const bare = await plainThread.run({ kind: 'bare', bytes, batchBytes: MiB, runs });
    const sandboxed = [];
    const recommended = sandboxBatchBytes(bytes.length, 1);
    for (const batchBytes of [...new Set([MiB, 4 * MiB, recommended])].sort((a, b) => a - b)) {
      const batches = textBatches(bytes, 'lines', batchBytes).length;
      sandboxed.push({
        batchBytes,
        batches,
        ...(await best(runs, () => runCustomJob(runner, { functions: WORD_COUNT, batches: textBatches(bytes, 'lines', batchBytes), partitions: 1, limits, lanes: 2 }))),
      });
    }

    const url = http.server.url;
    const builtinHttp = await best(runs, async () => answer<WordCountResult>(await post(`${url}/v1/mapreduce?job=wordcount&top=1`, bytes, 'text/plain')));
    const overHttp = await best(runs, async () => answer<{ results: SandboxResult[] }>(await post(`${url}/v1/mapreduce?job=custom&function=${http.functionId}`, bytes, 'text/plain')));

    const reference = builtin.value.kind === 'wordcount' ? builtin.value : undefined;
    if (builtinHttp.value.totalWords !== reference?.totalWords || builtinHttp.value.distinctWords !== reference.distinctWords) {
      throw new Error(`the built-in wordcount over HTTP disagrees with the kernel on ${megabytes} MB`);
    }
    const named = [['plain engine', plain.value], ['bare loop', bare.value], ['sandbox over HTTP', overHttp.value.results], ...sandboxed.map((run) => [`sandbox ${run.batchBytes / MiB} MiB`, run.value.results] as const)] as const;
    for (const [name, results] of named) {
      const counted = asWordCount(results);
      if (counted.totalWords !== reference?.totalWords || counted.distinctWords !== reference.distinctWords || counted.first !== reference.top[0]?.word) {
        throw new Error(`${name} disagrees with the built-in word count on ${megabytes} MB`);
      }
    }
    const row = (run: string, seconds: number | undefined, note = ''): Record<string, string | number> => ({
      MB: mb.toFixed(1),
      run,
      seconds: seconds === undefined ? '-' : seconds.toFixed(3),
      'MB/s': seconds === undefined ? '-' : (mb / seconds).toFixed(1),
      'x (a)': seconds === undefined ? '-' : (seconds / plain.seconds).toFixed(2),
      note,
    });
    rows.push(row('built-in wordcount kernel, 1 thread', builtin.seconds, 'WebAssembly byte scanner'));
    rows.push(row(`built-in wordcount over HTTP, ${http.threads} pool threads`, builtinHttp.seconds, 'text/plain upload, answer included'));
    rows.push(row('(a) user function, plain Node, same engine', plain.seconds, 'the baseline; 1 MiB batches, JIT warm across them'));
    rows.push(row("(a') user function, plain Node, bare loop", bare.seconds, 'no engine, no batches, no JSON'));
    for (const run of sandboxed) {
      const name = `(b) user function, sandboxed, 1 pool thread, ${(run.batchBytes / MiB).toFixed(1)} MiB batches`;
      rows.push(row(name, run.seconds, `${run.batches} runs, a fresh isolate each${run.batchBytes === recommended ? '; sandboxBatchBytes' : ''}`));
    }
    const batches = Math.ceil(bytes.length / sandboxBatchBytes(bytes.length, http.threads));
    rows.push(row(`(c) user function, sandboxed over HTTP, ${http.threads} pool threads`, overHttp.seconds, `stored function, text/plain upload; about ${batches} map runs`));
  }
  await http.server.stop();
  await pool.close();
  await plainThread.close();
  printTable(`word count as a user function, best of 2-3 runs, node ${process.version}`, rows);
  console.log('\ngoal: (b) at most 1.50 x (a); (c) below (b), scaling with the threads');
}

await main();
