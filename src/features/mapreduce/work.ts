/**
 * A MapReduce job as dispatchable work. The three routes run the same kernels:
 *
 * - inline: `runJobInline`, everything at once on the event loop (small inputs);
 * - sliced: chunks of SLICE_BYTES mapped on the loop with a yield between slices;
 * - pool: split into chunks (a big upload in shared memory by a pool task), map batches of
 *   chunks on every thread with at most two tasks per thread in flight (so a big input never
 *   floods the pool queue), then reduce groups of partitions (two tasks per thread again),
 *   then merge the groups' partials in one more task; the answer's objects are built from the
 *   merged records on the loop in slices (finishInSlices). Otherwise the event loop only
 *   copies bytes and keeps the books. Chunks of an input in a SharedArrayBuffer (big uploads)
 *   are views of it, shared with the threads; other chunks are copies with their own
 *   ArrayBuffer, transferred to the thread, never cloned. Map outputs are compact records
 *   (see compute/mapreduce/packed.ts), one buffer per reduce group, transferred to their
 *   reduce task when it is submitted, so the loop holds them only between the two phases.
 *
 * Memory is bounded in bytes by the partition count: it grows with the input so that one
 * partition has at most MAX_KEYS_PER_PARTITION distinct keys (an upper bound from the input
 * size), whatever the thread count.
 *
 * Progress: phase `map` counts chunks (documents, for packed documents) mapped, phase
 * `reduce` counts partitions reduced.
 * The result does not depend on the route, the chunk size or the thread count.
 */
import {
  chunksFromBounds,
  estimateMapReduceMicros,
  finishInSlices,
  InvalidUtf8Error,
  isPackedDocuments,
  isValidUtf8,
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
  type MapReduceText,
  type PackedDocuments,
  type Partial,
  type PartitionOutput,
} from '../../compute/mapreduce/index.js';
import type { Progress, Work } from '../../dispatch/dispatcher.js';
import type { DocumentRange } from '../../pool/tasks/mapreduce.js';
import { wholeBuffer } from '../../pool/transfer.js';

export type MapReduceInput = MapReduceText;

/** Bytes mapped between two yields on the sliced route. */
export const SLICE_BYTES = 32 * 1024;
const MIN_POOL_CHUNK = 16 * 1024;
const MAX_POOL_CHUNK = 4 * 1024 * 1024;
/** Inputs above this are never sliced, so the handler need not split them up front. */
const MAX_SLICED_BYTES = 16 * 1024 * 1024;

export function inputBytes(input: MapReduceInput): number {
  if (input instanceof Uint8Array) return input.length;
  if (isPackedDocuments(input)) return input.bytes.length;
  let total = 0;
  for (const document of input) total += Buffer.byteLength(document, 'utf8');
  return total;
}

/**
 * Distinct keys one partition may hold. The input bounds them: a word takes at least two
 * bytes (a character and a separator), so `bytes / 2` distinct keys at most. Small enough
 * that a partition's count table stays in cache (reducing 2^18-key partitions measured
 * twice as fast as 2^21-key ones), and far below V8's 2^24 entries per Map.
 */
export const MAX_KEYS_PER_PARTITION = 1 << 18;
const MAX_PARTITIONS = 1024;

/** At least one partition per thread, and enough that none can exceed MAX_KEYS_PER_PARTITION keys. */
export function partitionCount(bytes: number, threads: number, keysPerPartition = MAX_KEYS_PER_PARTITION): number {
  const bySize = Math.ceil(Math.max(0, bytes) / 2 / Math.max(1, keysPerPartition));
  return Math.min(MAX_PARTITIONS, Math.max(1, threads, bySize));
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
    const buffer = wholeBuffer(bytes);
    if (buffer !== undefined) buffers.add(buffer);
  }
  return [...buffers];
}

export interface MapReduceWorkOptions {
  /** The caller has checked that a byte input is UTF-8 (the route has, before building the work). */
  readonly validated?: boolean;
  /** Overrides MAX_KEYS_PER_PARTITION (tests force many partitions with a small one). */
  readonly keysPerPartition?: number;
  /** Overrides the pool chunk size (tests force many chunks). */
  readonly chunkBytes?: number;
}

/**
 * Whether a job may run far longer than its input size suggests (grep: the pattern decides):
 * such work always runs on the pool, where the deadline can stop it. The pattern guard leaves
 * polynomial patterns such as `a*a*a*a*c` possible (one line of 80 characters takes seconds),
 * and even a literal search can be slow (a 16 001-character `a…aba…a` in a megabyte of `a`
 * took 4 s).
 */
function untrustedTime(job: JobSpec): boolean {
  return job.kind === 'grep';
}

export function mapReduceWork(job: JobSpec, input: MapReduceInput, threads: number, options: MapReduceWorkOptions = {}): Work<JobResult> {
  const validated = options.validated ?? false;
  const poolOnly = untrustedTime(job);
  const bytes = inputBytes(input);
  const splitOptions = splitOptionsFor(job);
  const sliceChunks =
    bytes <= MAX_SLICED_BYTES && !poolOnly ? splitInput(input, SLICE_BYTES, { share: 'view', ...splitOptions, validated }) : undefined;
  let longestSlice = 0;
  for (const chunk of sliceChunks ?? []) longestSlice = Math.max(longestSlice, chunk.bytes.length);
  const documents = input instanceof Uint8Array ? 1 : isPackedDocuments(input) ? input.ends.length : input.length;

  return {
    operation: `mapreduce.${job.kind}`,
    // A small fixed cost per document covers its chunk bookkeeping.
    costMicros: estimateMapReduceMicros(job, bytes) + documents * 0.2,
    poolOnly,
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
    pool: (run, signal, progress) => {
      const plan: PoolPlan = {
        threads: Math.max(1, threads),
        chunkBytes: options.chunkBytes ?? poolChunkBytes(bytes, threads),
        partitions: partitionCount(bytes, threads, options.keysPerPartition),
      };
      return runOnPool(job, input, plan, validated, run, signal, progress);
    },
  };
}

interface PoolPlan {
  readonly threads: number;
  readonly chunkBytes: number;
  readonly partitions: number;
}

type Runner = Parameters<Work<JobResult>['pool']>[0];

async function runOnPool(
  job: JobSpec,
  input: MapReduceInput,
  plan: PoolPlan,
  validated: boolean,
  run: Runner,
  signal: AbortSignal,
  progress: Progress,
): Promise<JobResult> {
  // Split here, not up front: the chunks' own buffers are transferred away by this run. A big
  // upload in shared memory is split by a pool thread (a linear pass, line counting included).
  const splitOptions = splitOptionsFor(job);
  if (isPackedDocuments(input)) {
    // Batches of whole documents by size; each map task cuts its own into chunks.
    const batches = documentBatches(input, plan.chunkBytes).map(
      ([from, to]): MapBatch => ({ documents: { packed: input, from, to, chunkBytes: plan.chunkBytes, ...splitOptions }, items: to - from }),
    );
    return mapAndReduce(job, batches, input.ends.length, plan, run, signal, progress);
  }
  const shared = input instanceof Uint8Array && input.buffer instanceof SharedArrayBuffer;
  if (shared && !validated && !isValidUtf8(input)) throw new InvalidUtf8Error('input is not valid UTF-8');
  const chunks = shared
    ? chunksFromBounds(input, await run('mapReduceSplit', { bytes: input, chunkBytes: plan.chunkBytes, ...splitOptions }))
    : splitInput(input, plan.chunkBytes, { ...splitOptions, validated });
  const batches = groupChunks(chunks, plan.chunkBytes).map((batch): MapBatch => ({ chunks: batch, items: batch.length }));
  return mapAndReduce(job, batches, chunks.length, plan, run, signal, progress);
}

/** What one map task takes: chunks cut here, or a range of packed documents it cuts itself. */
type MapBatch = ({ readonly chunks: readonly Chunk[] } | { readonly documents: DocumentRange }) & { readonly items: number };

/** [from, to) ranges of consecutive documents, each range at least `target` bytes (but the last). */
function documentBatches(packed: PackedDocuments, target: number): Array<readonly [number, number]> {
  const ranges: Array<readonly [number, number]> = [];
  let from = 0;
  let startByte = 0;
  for (let d = 0; d < packed.ends.length; d++) {
    const end = packed.ends[d] as number;
    if (end - startByte >= target) {
      ranges.push([from, d + 1]);
      from = d + 1;
      startByte = end;
    }
  }
  if (from < packed.ends.length) ranges.push([from, packed.ends.length]);
  return ranges;
}

/** Runs `task(i)` for i in [0, count) with at most `lanes` in flight. */
async function inLanes(count: number, lanes: number, task: (index: number) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(count, lanes) }, async () => {
      for (let index = next++; index < count; index = next++) await task(index);
    }),
  );
}

/** The byte buffers under fields of `items` (partials' records), each once, to transfer with them. */
function ownBuffers(items: readonly object[]): ArrayBuffer[] {
  const buffers = new Set<ArrayBuffer>();
  for (const item of items) {
    for (const value of Object.values(item)) {
      if (value instanceof Uint8Array && value.buffer instanceof ArrayBuffer && value.buffer.byteLength > 0) buffers.add(value.buffer);
    }
  }
  return [...buffers];
}

/**
 * Map lanes (two per thread, so a big input never floods the pool queue) take batches until
 * none is left; then reduce lanes take groups of partitions; then one task merges.
 */
async function mapAndReduce(
  job: JobSpec,
  batches: readonly MapBatch[],
  itemCount: number,
  plan: PoolPlan,
  run: Runner,
  signal: AbortSignal,
  progress: Progress,
): Promise<JobResult> {
  const { partitions, threads } = plan;
  const lanes = threads * 2;
  // byPartition[p] collects partition p of every map output; the outputs themselves are dropped.
  const byPartition: PartitionOutput[][] = Array.from({ length: partitions }, () => []);
  const groupCount = Math.min(partitions, lanes);
  const perGroup = Math.ceil(partitions / groupCount);
  const groups = Math.ceil(partitions / perGroup);
  const groupBuffers: ArrayBuffer[][] = Array.from({ length: groups }, () => []);
  let mapped = 0;
  progress({ phase: 'map', done: 0, total: itemCount });
  await inLanes(batches.length, lanes, async (index) => {
    const batch = batches[index]!;
    const input = { job, partitions, partitionsPerGroup: perGroup, ...('chunks' in batch ? { chunks: batch.chunks } : { documents: batch.documents }) };
    const transferList = 'chunks' in batch ? transferables(batch.chunks) : [];
    const outputs: MapOutput[] = await run('mapReduceMap', input, { transferList });
    // Completion order is fine: every reduce is independent of the order of its parts.
    for (const output of outputs) {
      output.partitions.forEach((part, p) => byPartition[p]!.push(part));
      // packForGroups gave each group of this output one buffer: noted now, transferred with the group.
      for (let g = 0; g < groups; g++) {
        const holder = output.partitions.slice(g * perGroup, (g + 1) * perGroup).find((part) => 'records' in part && part.records.length > 0);
        if (holder !== undefined && 'records' in holder && holder.records.buffer instanceof ArrayBuffer) groupBuffers[g]!.push(holder.records.buffer);
      }
    }
    mapped += batch.items;
    progress({ phase: 'map', done: mapped, total: itemCount });
  });

  const partials: Partial[] = new Array<Partial>(groups);
  let reduced = 0;
  progress({ phase: 'reduce', done: 0, total: partitions });
  await inLanes(groups, lanes, async (g) => {
    const parts = byPartition.slice(g * perGroup, (g + 1) * perGroup);
    // Handed over (transferred) now: the loop keeps no copy of what this task reduces.
    for (let p = g * perGroup; p < Math.min(partitions, (g + 1) * perGroup); p++) byPartition[p] = [];
    const transferList = groupBuffers[g]!;
    groupBuffers[g] = [];
    partials[g] = await run('mapReduceReduce', { job, parts }, { transferList });
    reduced += parts.length;
    progress({ phase: 'reduce', done: reduced, total: partitions });
  });
  const combined = await run('mapReduceMerge', { job, partials }, { transferList: ownBuffers(partials) });
  // The answer's objects (up to 10^6 ids) are built here, a slice at a time between other requests.
  return finishInSlices(job, combined, async () => {
    await new Promise<void>((resolve) => setImmediate(resolve));
    signal.throwIfAborted();
  });
}
