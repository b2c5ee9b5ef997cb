/**
 * What the sandbox costs: one user word-count function (test/helpers/sandbox.ts's WORD_COUNT,
 * the built-in word definition) run
 *   (a) unsandboxed, in plain Node on this thread: the same engine source (src/sandbox/harness.ts)
 *       over the same 1 MiB batches, so the ratio isolates what the sandbox adds;
 *   (a') unsandboxed, a bare loop: map and reduce called directly with a Map (no engine, no JSON);
 *   (b) sandboxed on one pool thread: runCustomJob -> sandboxMap/sandboxReduce tasks -> the
 *       thread's sandbox host process -> a fresh isolate per batch, with 1 MiB, 4 MiB and
 *       sandboxBatchBytes' batches (each run pays a cold JIT, so the batch size matters);
 * beside the built-in wordcount kernel (runJobInline, WebAssembly) on one thread, on 10 MB and
 * 100 MB of generated text, best of a few runs each.
 *
 * TODO(c): sandboxed over HTTP on all threads (POST /v1/mapreduce with job "custom") once the
 * endpoint exists; bench/lib/server.ts starts the server the other HTTP benches use.
 *
 *   node --import tsx bench/sandbox.ts [megabytes...=10,100]
 */
import { compareCodePoints, MAX_TOP_WORDS, runJobInline, type WordCountResult } from '../src/compute/mapreduce/index.js';
import { defaultConfig } from '../src/config.js';
import { WorkerPool } from '../src/pool/pool.js';
import { HARNESS_SOURCE } from '../src/sandbox/harness.js';
import { runCustomJob, sandboxBatchBytes, textBatches, type SandboxResult } from '../src/sandbox/index.js';
import { evaluableSource } from '../src/sandbox/source.js';
import { poolRunner, WORD_COUNT } from '../test/helpers/sandbox.js';
import { printTable } from './lib/table.js';
import { generateText } from './lib/text.js';

const sizes = (process.argv.slice(2).length > 0 ? process.argv.slice(2) : ['10', '100']).map(Number);
const MiB = 1 << 20;
const limits = defaultConfig().sandbox;

async function best<T>(runs: number, run: () => Promise<T> | T): Promise<{ value: T; seconds: number }> {
  let value: T | undefined;
  let seconds = Number.POSITIVE_INFINITY;
  for (let i = 0; i < runs; i++) {
    const start = performance.now();
    value = await run();
    seconds = Math.min(seconds, (performance.now() - start) / 1000);
  }
  return { value: value as T, seconds };
}

type Dispatch = (op: string, ...args: unknown[]) => unknown;

/** The engine in this process, as the sandbox runs it but without the sandbox. */
function plainEngine(): Dispatch {
  const create = new Function(`return ${HARNESS_SOURCE}`)() as (global: object, evaluate: (code: string) => unknown, lockdown: boolean) => Dispatch;
  const dispatch = create(globalThis, (code) => (0, eval)(code), false);
  for (const name of ['map', 'combine', 'reduce'] as const) {
    const outcome = JSON.parse(dispatch('load', name, evaluableSource(name, WORD_COUNT[name]!)) as string) as { ok: boolean };
    if (!outcome.ok) throw new Error(`could not load ${name}`);
  }
  return dispatch;
}

function runPlainEngine(dispatch: Dispatch, bytes: Uint8Array, batchBytes: number): SandboxResult[] {
  const decoder = new TextDecoder();
  const parts: string[] = [];
  for (const { documents, firstDocument } of textBatches(bytes, 'lines', batchBytes)) {
    if (documents.format !== 'lines' || typeof documents.text === 'string') throw new Error('textBatches gave no bytes');
    const text = decoder.decode(documents.text);
    const answer = dispatch('map', text, 'lines', firstDocument, 1, limits.maxEmits, limits.maxEmitBytes) as string[];
    parts.push(answer[1]!);
  }
  const answer = dispatch('reduce', parts, limits.maxResultBytes) as string[];
  return (JSON.parse(answer[1]!) as Array<[string, number]>).map(([key, value]) => ({ key, value }));
}

/** The same user functions called directly: the least any JavaScript implementation pays. */
function runBareLoop(text: string): SandboxResult[] {
  const map = new Function(`${WORD_COUNT.map}; return map;`)() as (document: string, emit: (key: string, value: number) => void) => void;
  const reduce = new Function(`${WORD_COUNT.reduce}; return reduce;`)() as (key: string, values: number[]) => number;
  const groups = new Map<string, number[]>();
  const emit = (key: string, value: number): void => {
    const list = groups.get(key);
    if (list === undefined) groups.set(key, [value]);
    else list.push(value);
  };
  let start = 0;
  while (start < text.length) {
    let end = text.indexOf('\n', start);
    if (end === -1) end = text.length;
    map(text.slice(start, end), emit);
    start = end + 1;
  }
  return [...groups].map(([key, values]) => ({ key, value: reduce(key, values) }));
}

function asWordCount(results: readonly SandboxResult[]): Pick<WordCountResult, 'totalWords' | 'distinctWords'> & { first: string } {
  const sorted = results.map(({ key, value }) => ({ word: String(key), count: value as number })).sort((a, b) => b.count - a.count || compareCodePoints(a.word, b.word));
  return { totalWords: sorted.reduce((sum, entry) => sum + entry.count, 0), distinctWords: sorted.length, first: sorted[0]?.word ?? '' };
}

async function main(): Promise<void> {
  const largest = Math.max(...sizes);
  console.log(`generating ${largest} MB of text...`);
  const all = generateText(largest * 1e6);
  const pool = new WorkerPool({ threads: 1, maxQueue: 64 });
  const runner = poolRunner(pool);
  // Start the thread and its sandbox process before timing anything.
  await runCustomJob(runner, { functions: WORD_COUNT, batches: textBatches(new TextEncoder().encode('warm up\n'), 'lines', MiB), partitions: 1, limits, lanes: 1 });
  const engine = plainEngine();
  const rows: Array<Record<string, string | number>> = [];
  for (const megabytes of sizes) {
    const cut = all.lastIndexOf('\n', megabytes * 1e6) + 1;
    const text = all.slice(0, cut);
    const bytes = new TextEncoder().encode(text);
    const mb = bytes.length / 1e6;
    const runs = megabytes <= 20 ? 3 : 2;

    const builtin = await best(runs, () => runJobInline({ kind: 'wordcount', top: MAX_TOP_WORDS }, bytes, { chunkBytes: MiB }));
    const plain = await best(runs, () => runPlainEngine(engine, bytes, MiB));
    const bare = await best(runs, () => runBareLoop(text));
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

    const reference = builtin.value.kind === 'wordcount' ? builtin.value : undefined;
    for (const [name, results] of [['plain engine', plain.value], ['bare loop', bare.value], ...sandboxed.map((run) => [`sandbox ${run.batchBytes / MiB} MiB`, run.value.results] as const)] as const) {
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
    rows.push(row('(a) user function, plain Node, same engine', plain.seconds, 'the baseline; 1 MiB batches, JIT warm across them'));
    rows.push(row("(a') user function, plain Node, bare loop", bare.seconds, 'no engine, no batches, no JSON'));
    for (const run of sandboxed) {
      const name = `(b) user function, sandboxed, 1 pool thread, ${(run.batchBytes / MiB).toFixed(1)} MiB batches`;
      rows.push(row(name, run.seconds, `${run.batches} runs, a fresh isolate each${run.batchBytes === recommended ? '; sandboxBatchBytes' : ''}`));
    }
    rows.push(row('(c) sandboxed over HTTP, all threads', undefined, 'TODO: needs POST /v1/mapreduce job "custom"'));
  }
  await pool.close();
  printTable(`word count as a user function, best of 2-3 runs, node ${process.version}`, rows);
  console.log('\ngoal: (b) at most 1.50 x (a)');
}

await main();
