/**
 * A MapReduce job as dispatchable work. The three routes run the same kernels:
 *
 * - inline: `runJobInline`, everything at once on the event loop (small inputs);
 * - sliced: chunks of SLICE_BYTES mapped on the loop with a yield between slices;
 * - pool: split into chunks, map batches of chunks on every thread with at most two tasks
 *   per thread in flight (so a big input never floods the pool queue), then reduce one
 *   partition per task, then merge on the main thread. Chunks of an input in a
 *   SharedArrayBuffer (big uploads) are views of it, shared with the threads; other chunks
 *   are copies with their own ArrayBuffer, transferred to the thread, never cloned.
 *
 * Progress: phase `map` counts chunks mapped, phase `reduce` counts partitions reduced.
 * The result does not depend on the route, the chunk size or the thread count.
 */
import {
  estimateMapReduceMicros,
  jobNeedsLineNumbers,
  mapChunk,
  mergePartials,
  reducePartition,
  runJobInline,
  splitInput,
  type Chunk,
  type JobResult,
  type JobSpec,
  type MapOutput,
} from '../../compute/mapreduce/index.js';
import type { Progress, Work } from '../../dispatch/dispatcher.js';

export type MapReduceInput = Uint8Array | readonly string[];

/** Bytes mapped between two yields on the sliced route. */
export const SLICE_BYTES = 32 * 1024;
const MIN_POOL_CHUNK = 16 * 1024;
const MAX_POOL_CHUNK = 4 * 1024 * 1024;
/** Inputs above this are never sliced, so the handler need not split them up front. */
const MAX_SLICED_BYTES = 16 * 1024 * 1024;

export function inputBytes(input: MapReduceInput): number {
  if (input instanceof Uint8Array) return input.length;
  let total = 0;
  for (const document of input) total += Buffer.byteLength(document, 'utf8');
  return total;
}

/** About eight chunks per thread, for balance, within [16 KiB, 4 MiB]. */
export function poolChunkBytes(bytes: number, threads: number): number {
  return Math.min(MAX_POOL_CHUNK, Math.max(MIN_POOL_CHUNK, Math.ceil(bytes / (Math.max(1, threads) * 8))));
}

/** Consecutive chunks grouped until a group holds at least `target` bytes. */
function groupChunks(chunks: readonly Chunk[], target: number): Chunk[][] {
  const groups: Chunk[][] = [];
  let current: Chunk[] = [];
  let size = 0;
  for (const chunk of chunks) {
    current.push(chunk);
    size += chunk.bytes.length;
    if (size >= target) {
      groups.push(current);
      current = [];
      size = 0;
    }
  }
  if (current.length > 0) groups.push(current);
  return groups;
}

/** The chunks' own buffers, each once; views of a shared or larger buffer are cloned instead. */
function transferables(chunks: readonly Chunk[]): ArrayBuffer[] {
  const buffers = new Set<ArrayBuffer>();
  for (const { bytes } of chunks) {
    const buffer = bytes.buffer;
    if (buffer instanceof ArrayBuffer && bytes.byteOffset === 0 && bytes.byteLength === buffer.byteLength && buffer.byteLength > 0) {
      buffers.add(buffer);
    }
  }
  return [...buffers];
}

export interface MapReduceWorkOptions {
  /** The caller has checked that a byte input is UTF-8 (the route has, before building the work). */
  readonly validated?: boolean;
  /**
   * The event-loop budget (the larger of the inline and sliced ones). A grep is costed above
   * it, so it always runs on the pool, where the deadline can stop it: the pattern guard leaves
   * polynomial patterns such as `a*a*a*a*c` possible (one line of 80 characters takes seconds),
   * and even a literal search can be slow (a 16 001-character `a…aba…a` in a megabyte of `a`
   * took 4 s).
   */
  readonly loopBudgetMicros?: number;
}

/** Whether a job may run far longer than its input size suggests (grep: the pattern decides). */
function untrustedTime(job: JobSpec): boolean {
  return job.kind === 'grep';
}

export function mapReduceWork(job: JobSpec, input: MapReduceInput, threads: number, options: MapReduceWorkOptions = {}): Work<JobResult> {
  const validated = options.validated ?? false;
  const poolOnly = untrustedTime(job);
  const bytes = inputBytes(input);
  const lineNumbers = jobNeedsLineNumbers(job);
  const sliceChunks =
    bytes <= MAX_SLICED_BYTES && !poolOnly ? splitInput(input, SLICE_BYTES, { share: 'view', lineNumbers, validated }) : undefined;
  let longestSlice = 0;
  for (const chunk of sliceChunks ?? []) longestSlice = Math.max(longestSlice, chunk.bytes.length);
  const documents = input instanceof Uint8Array ? 1 : input.length;

  return {
    operation: `mapreduce.${job.kind}`,
    // A small fixed cost per document covers its chunk bookkeeping.
    costMicros: Math.max(
      estimateMapReduceMicros(job, bytes) + documents * 0.2,
      poolOnly ? (options.loopBudgetMicros ?? Number.MAX_SAFE_INTEGER - 1) + 1 : 0,
    ),
    ...(sliceChunks === undefined ? {} : { sliceMicros: estimateMapReduceMicros(job, Math.max(SLICE_BYTES, longestSlice)) }),
    describe: `${job.kind} over ${bytes} bytes`,
    inline: () => runJobInline(job, input),
    ...(sliceChunks === undefined
      ? {}
      : {
          sliced: async (yieldNow, progress) => {
            const outputs: MapOutput[] = [];
            let sinceYield = 0;
            for (let index = 0; index < sliceChunks.length; index++) {
              const chunk = sliceChunks[index]!;
              outputs.push(mapChunk(job, chunk, 1));
              sinceYield += chunk.bytes.length;
              if (sinceYield >= SLICE_BYTES && index + 1 < sliceChunks.length) {
                progress({ phase: 'map', done: index + 1, total: sliceChunks.length });
                await yieldNow();
                sinceYield = 0;
              }
            }
            progress({ phase: 'map', done: sliceChunks.length, total: sliceChunks.length });
            const partial = reducePartition(job, outputs.map((output) => output.partitions[0]!));
            progress({ phase: 'reduce', done: 1, total: 1 });
            return mergePartials(job, [partial]);
          },
        }),
    pool: (run, _signal, progress) => runOnPool(job, input, bytes, threads, validated, run, progress),
  };
}

type Runner = Parameters<Work<JobResult>['pool']>[0];

async function runOnPool(
  job: JobSpec,
  input: MapReduceInput,
  bytes: number,
  threads: number,
  validated: boolean,
  run: Runner,
  progress: Progress,
): Promise<JobResult> {
  const chunkBytes = poolChunkBytes(bytes, threads);
  // Split here, not up front: the chunks' own buffers are transferred away by this run.
  const chunks = splitInput(input, chunkBytes, { lineNumbers: jobNeedsLineNumbers(job), validated });
  return mapAndReduce(job, groupChunks(chunks, chunkBytes), chunks.length, threads, run, progress);
}

/**
 * Map lanes (two per thread, so a big input never floods the pool queue) take batches until
 * none is left; then one reduce task per partition; then the merge, here.
 */
async function mapAndReduce(
  job: JobSpec,
  batches: readonly Chunk[][],
  chunkCount: number,
  threads: number,
  run: Runner,
  progress: Progress,
): Promise<JobResult> {
  const partitions = Math.max(1, threads);
  const outputs: MapOutput[][] = [];
  let next = 0;
  let mapped = 0;
  progress({ phase: 'map', done: 0, total: chunkCount });
  await Promise.all(
    Array.from({ length: Math.max(1, threads) * 2 }, async () => {
      for (let batch = batches[next++]; batch !== undefined; batch = batches[next++]) {
        // Completion order is fine: every reduce is independent of the order of its parts.
        outputs.push(await run('mapReduceMap', { job, chunks: batch, partitions }, { transferList: transferables(batch) }));
        mapped += batch.length;
        progress({ phase: 'map', done: mapped, total: chunkCount });
      }
    }),
  );
  const flat = outputs.flat();
  let reduced = 0;
  progress({ phase: 'reduce', done: 0, total: partitions });
  const partials = await Promise.all(
    Array.from({ length: partitions }, async (_, p) => {
      const partial = await run('mapReduceReduce', { job, parts: flat.map((output) => output.partitions[p]!) });
      reduced += 1;
      progress({ phase: 'reduce', done: reduced, total: partitions });
      return partial;
    }),
  );
  return mergePartials(job, partials);
}
