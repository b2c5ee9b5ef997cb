/**
 * A custom MapReduce job over any runner of the sandbox tasks (the pool, in production):
 * map batches in parallel lanes, reduce one partition per task, merge. Plus the helpers that
 * cut an input into batches. Pure orchestration: no HTTP, no pool import, no config.
 *
 * Contract (the one the README documents):
 * - map(document, emit) is called once per document, in order within a batch; keys are
 *   strings or finite numbers, values any JSON value;
 * - without combine, reduce(key, values) gets every value emitted for key, in document
 *   order, whatever the batching;
 * - with combine, reduce gets one combine(key, values) output per batch that emitted key,
 *   in batch order; so reduce must give the same answer for values split and combined at
 *   any boundary (associative, and combine must return what reduce accepts); later versions
 *   may also apply reduce to its own outputs;
 * - results come in key order: numbers ascending, then strings by code point.
 */
import { splitInput } from '../compute/mapreduce/split.js';
import { mergeSandboxResults } from './results.js';
import type {
  SandboxDocuments,
  SandboxFunctions,
  SandboxLimits,
  SandboxMapOutput,
  SandboxMapRequest,
  SandboxReduceOutput,
  SandboxReduceRequest,
  SandboxResult,
} from './types.js';

/**
 * Adapts `run('sandboxMap', …)` / `run('sandboxReduce', …)` of a PoolRunner. `R` is what a
 * reduce run answers: its results, or (runCustomPhases) anything a caller's task makes of them.
 */
export interface SandboxRunner<R = SandboxReduceOutput> {
  map(request: SandboxMapRequest): Promise<SandboxMapOutput>;
  reduce(request: SandboxReduceRequest): Promise<R>;
}

export interface SandboxBatch {
  readonly documents: SandboxDocuments;
  readonly firstDocument: number;
}

export interface CustomJob {
  readonly functions: SandboxFunctions;
  readonly batches: readonly SandboxBatch[];
  readonly partitions: number;
  readonly limits: SandboxLimits;
  /** Map tasks in flight at once (two per pool thread keeps the pool queue short). */
  readonly lanes: number;
}

export interface CustomJobProgress {
  (update: { readonly phase: 'map' | 'reduce'; readonly done: number; readonly total: number }): void;
}

export interface CustomJobResult {
  readonly results: SandboxResult[];
  readonly documents: number;
  readonly emitted: number;
}

export async function runCustomJob(runner: SandboxRunner, job: CustomJob, progress: CustomJobProgress = () => {}): Promise<CustomJobResult> {
  const { partials, documents, emitted } = await runCustomPhases(runner, job, progress);
  return { results: mergeSandboxResults(partials, job.limits.maxResultBytes), documents, emitted };
}

/** What map and reduce gave, before the merge: one reduce answer per partition, in partition order. */
export interface CustomJobPhases<R> {
  readonly partials: R[];
  readonly documents: number;
  readonly emitted: number;
}

/**
 * Map, then reduce, leaving the merge to the caller: runCustomJob merges here, the API merges
 * on a pool thread so that the results never exist as objects on its event loop.
 */
export async function runCustomPhases<R>(runner: SandboxRunner<R>, job: CustomJob, progress: CustomJobProgress = () => {}): Promise<CustomJobPhases<R>> {
  const partitions = Math.max(1, Math.floor(job.partitions));
  const { functions, limits, batches } = job;
  if (batches.length === 0) return { partials: [], documents: 0, emitted: 0 };
  // By batch index, not completion order: reduce must see values in document order.
  const outputs: SandboxMapOutput[] = new Array<SandboxMapOutput>(batches.length);
  let next = 0;
  let mapped = 0;
  progress({ phase: 'map', done: 0, total: batches.length });
  await Promise.all(
    Array.from({ length: Math.max(1, Math.min(job.lanes, batches.length)) }, async () => {
      for (let index = next++; index < batches.length; index = next++) {
        const batch = batches[index]!;
        outputs[index] = await runner.map({ functions, documents: batch.documents, firstDocument: batch.firstDocument, partitions, limits });
        progress({ phase: 'map', done: ++mapped, total: batches.length });
      }
    }),
  );
  let reduced = 0;
  progress({ phase: 'reduce', done: 0, total: partitions });
  const partials = await Promise.all(
    Array.from({ length: partitions }, async (_, p) => {
      const partial = await runner.reduce({ functions, parts: outputs.map((output) => output.partitions[p]!), limits });
      progress({ phase: 'reduce', done: ++reduced, total: partitions });
      return partial;
    }),
  );
  let documents = 0;
  let emitted = 0;
  for (const output of outputs) {
    documents += output.documents;
    emitted += output.emitted;
  }
  return { partials, documents, emitted };
}

export const MIN_BATCH_BYTES = 1 << 20;
export const MAX_BATCH_BYTES = 8 << 20;

/**
 * A batch size for `totalBytes` of input on `threads`: two batches per thread, between 1 and
 * 8 MiB. Every batch is a run in a fresh isolate, which pays about 5 ms of setup, a pool and
 * IPC round trip and a cold JIT (the user's functions and the engine start interpreted), some
 * 20-40 ms in all: with 1 MiB batches a user word count took 0.9-2.4x the time of warm plain
 * Node, with 4-8 MiB batches 0.5-1.5x (bench/sandbox.ts, on a shared 2-core machine).
 */
export function sandboxBatchBytes(totalBytes: number, threads: number): number {
  return Math.min(MAX_BATCH_BYTES, Math.max(MIN_BATCH_BYTES, Math.ceil(totalBytes / (2 * Math.max(1, threads)))));
}

/**
 * The buffer a map request may hand over to the pool thread instead of copying it: a text
 * batch's own buffer (as textBatches makes them), never a view of a larger or shared one.
 * Once transferred, the batch is empty here: a job retried must cut its batches anew.
 */
export function transferablesOf(request: SandboxMapRequest): ArrayBuffer[] {
  const { documents } = request;
  if (documents.format === 'values' || typeof documents.text === 'string') return [];
  const { buffer, byteOffset, byteLength } = documents.text;
  return buffer instanceof ArrayBuffer && byteOffset === 0 && byteLength === buffer.byteLength ? [buffer] : [];
}

/** Batches of whole lines of UTF-8 text (`lines` or `ndjson`), about `batchBytes` each. */
export function textBatches(text: Uint8Array, format: 'lines' | 'ndjson', batchBytes: number): SandboxBatch[] {
  return splitInput(text, batchBytes, { lineNumbers: true }).map((chunk) => ({
    documents: { format, text: chunk.bytes },
    firstDocument: chunk.firstLine - 1,
  }));
}

/** Batches of at most `perBatch` JSON documents. */
export function valueBatches(documents: readonly unknown[], perBatch: number): SandboxBatch[] {
  const size = Math.max(1, Math.floor(perBatch));
  const batches: SandboxBatch[] = [];
  for (let start = 0; start < documents.length; start += size) {
    batches.push({ documents: { format: 'values', documents: documents.slice(start, start + size) }, firstDocument: start });
  }
  return batches;
}
