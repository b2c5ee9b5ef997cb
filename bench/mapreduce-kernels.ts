/**
 * Word count throughput: the naive regex reference, our kernels on one thread, our
 * kernels on 2 worker threads (end to end: split, map, shuffle, reduce, merge), and the
 * classic `tr | sort | uniq -c` shell pipeline, over the same ~100 MB of generated text.
 *
 *   node --import tsx bench/mapreduce-kernels.ts [megabytes=100] [chunkMiB=4]
 *
 * Text: Zipf-distributed vocabulary of 5000 words (some with accented letters, some
 * capitalised, some with apostrophes), punctuation, lines of 6..17 words. Deterministic.
 */
import { execSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { isDeepStrictEqual } from 'node:util';
import {
  mapChunk,
  mergePartials,
  reducePartition,
  runJobInline,
  splitInput,
  splitOptionsFor,
  type Chunk,
  type JobResult,
  type JobSpec,
  type MapOutput,
  type Partial,
  type PartitionOutput,
} from '../src/compute/mapreduce/index.js';
import { generateText } from './lib/text.js';

const megabytes = Number(process.argv[2] ?? 100);
const chunkBytes = Number(process.argv[3] ?? 4) * 1024 * 1024;


function naiveWordCount(text: string): Map<string, number> {
  const counts = new Map<string, number>();
  for (const word of text.toLowerCase().split(/[^\p{L}]+/u)) {
    if (word !== '') counts.set(word, (counts.get(word) ?? 0) + 1);
  }
  return counts;
}

function timed<T>(run: () => T): [T, number] {
  const start = performance.now();
  const value = run();
  return [value, (performance.now() - start) / 1000];
}

class WorkerGroup {
  private workers: Worker[];
  private next = 0;
  private pending = new Map<number, (value: unknown) => void>();

  constructor(count: number) {
    // Node 20 does not apply the parent's `--import tsx` to a worker's modules: register tsx first.
    const url = JSON.stringify(new URL('./mapreduce-worker.ts', import.meta.url).href);
    const entry = `import('tsx/esm/api').then((tsx) => { tsx.register(); return import(${url}); })`;
    this.workers = Array.from({ length: count }, () => new Worker(entry, { eval: true }));
    for (const worker of this.workers) {
      worker.on('message', ({ id, result }: { id: number; result: unknown }) => {
        this.pending.get(id)!(result);
        this.pending.delete(id);
      });
    }
  }

  run<T>(task: Record<string, unknown>, worker: number): Promise<T> {
    const id = this.next++;
    return new Promise<T>((resolve) => {
      this.pending.set(id, resolve as (value: unknown) => void);
      this.workers[worker]!.postMessage({ id, ...task });
    });
  }

  async warm(): Promise<void> {
    const job: JobSpec = { kind: 'wordcount', top: 1 };
    const chunk = splitInput(new TextEncoder().encode('warm up\n'), 64)[0]!;
    await Promise.all(this.workers.map((_, w) => this.run({ op: 'map', job, chunk, partitions: 1 }, w)));
  }

  close(): Promise<number[]> {
    return Promise.all(this.workers.map((worker) => worker.terminate()));
  }
}

/** Maps chunks on the workers (each takes the next chunk when done), reduces partition p on worker p. */
async function runOnWorkers(group: WorkerGroup, workers: number, job: JobSpec, input: Uint8Array): Promise<JobResult> {
  const chunks = splitInput(input, chunkBytes, splitOptionsFor(job));
  const outputs: MapOutput[] = new Array(chunks.length);
  let taken = 0;
  const partitions = workers;
  await Promise.all(
    Array.from({ length: workers }, async (_, w) => {
      while (taken < chunks.length) {
        const index = taken++;
        outputs[index] = await group.run<MapOutput>({ op: 'map', job, chunk: chunks[index] as Chunk, partitions }, w);
      }
    }),
  );
  const partials = await Promise.all(
    Array.from({ length: partitions }, (_, p) =>
      group.run<Partial>({ op: 'reduce', job, parts: outputs.map((output) => output.partitions[p] as PartitionOutput) }, p % workers),
    ),
  );
  return mergePartials(job, partials);
}

async function main(): Promise<void> {
  console.log(`generating ${megabytes} MB of text…`);
  const text = generateText(megabytes * 1e6);
  const encoded = new TextEncoder().encode(text);
  const shared = new Uint8Array(new SharedArrayBuffer(encoded.length));
  shared.set(encoded);
  const mb = shared.length / 1e6;
  const job: JobSpec = { kind: 'wordcount', top: 100 };
  const rows: { name: string; seconds: number; note: string }[] = [];

  const [naive, naiveSeconds] = timed(() => naiveWordCount(text));
  rows.push({ name: 'naive: toLowerCase + split(/[^\\p{L}]+/u) + Map', seconds: naiveSeconds, note: `${naive.size} distinct` });

  const [single, singleSeconds] = timed(() => runJobInline(job, shared, { chunkBytes }));
  rows.push({ name: 'ours, 1 thread (runJobInline)', seconds: singleSeconds, note: '' });

  const [mapOnly, mapSeconds] = timed(() => {
    let words = 0;
    for (const chunk of splitInput(shared, chunkBytes, { share: 'view', ...splitOptionsFor(job) })) {
      for (const part of mapChunk(job, chunk, 1).partitions) if (part.kind === 'wordcount') words += part.size;
    }
    return words;
  });
  rows.push({ name: 'ours, 1 thread, map phase only', seconds: mapSeconds, note: `${mapOnly} chunk-distinct` });

  const group = new WorkerGroup(2);
  const [, startSeconds] = await (async () => {
    const start = performance.now();
    await group.warm();
    return [null, (performance.now() - start) / 1000] as const;
  })();
  const start = performance.now();
  const parallel = await runOnWorkers(group, 2, job, shared);
  const parallelSeconds = (performance.now() - start) / 1000;
  rows.push({ name: 'ours, 2 workers (split..merge)', seconds: parallelSeconds, note: `worker start ${startSeconds.toFixed(2)} s excluded` });
  await group.close();

  const dir = mkdtempSync(join(tmpdir(), 'crunch-bench-'));
  try {
    const file = join(dir, 'text.txt');
    writeFileSync(file, shared);
    const [, shellSeconds] = timed(() =>
      execSync(`tr -cs '[:alpha:]' '\\n' < ${file} | tr '[:upper:]' '[:lower:]' | sort | uniq -c > /dev/null`, { shell: '/bin/bash' }),
    );
    rows.push({ name: "shell: tr -cs '[:alpha:]' | tr | sort | uniq -c", seconds: shellSeconds, note: `LC_ALL=${process.env['LC_ALL'] ?? ''}` });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }

  if (!isDeepStrictEqual(single, parallel)) throw new Error('1-thread and 2-worker results differ');
  if (single.kind === 'wordcount') {
    const naiveTotal = [...naive.values()].reduce((a, b) => a + b, 0);
    console.log(`ours: ${single.totalWords} words, ${single.distinctWords} distinct; naive: ${naiveTotal} words (splits at apostrophes)`);
  }

  console.log(`\nword count over ${mb.toFixed(1)} MB, chunks of ${chunkBytes / 1024 / 1024} MiB, node ${process.version}\n`);
  const base = naiveSeconds;
  const header = ['run', 'seconds', 'MB/s', 'x naive', 'note'];
  const table = rows.map((row) => [row.name, row.seconds.toFixed(2), (mb / row.seconds).toFixed(1), (base / row.seconds).toFixed(2), row.note]);
  const widths = header.map((h, c) => Math.max(h.length, ...table.map((r) => r[c]!.length)));
  const format = (cells: string[]): string => cells.map((cell, c) => (c === 0 || c === 4 ? cell.padEnd(widths[c]!) : cell.padStart(widths[c]!))).join('  ');
  console.log(format(header));
  for (const r of table) console.log(format(r));
}

await main();
