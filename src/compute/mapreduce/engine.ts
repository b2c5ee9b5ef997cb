/**
 * The MapReduce engine: split -> map (with combiner) -> shuffle by key partition ->
 * reduce partitions -> combine -> finish, each step delegated to the job's definition
 * (jobs.ts). Every step is a pure function over plain data, so the caller may run map and
 * reduce on worker threads in any grouping:
 *
 *   const chunks = splitInput(input, chunkBytes, splitOptionsFor(job));
 *   const outputs = chunks.map((chunk) => mapChunk(job, chunk, P));                // parallel
 *   const partials = range(P).map((p) => reducePartition(job, outputs.map((o) => o.partitions[p]!))); // parallel
 *   const result = mergePartials(job, partials);
 *
 * `reducePartitions` reduces a group of partitions one after another into one partial
 * (only one partition's table is alive at a time), and `combinePartials` folds partials of
 * disjoint groups, so reduce tasks and the final merge can be grouped at will.
 *
 * The result does not depend on chunk size, partition count or worker count: keys are
 * partitioned by a stable hash, partitions hold disjoint keys, and every ordering is
 * total (counts, then code-point order; documents, then lines).
 */
import type { MapReduceJobDefinition } from './job-definition.js';
import { jobDefinitions } from './jobs.js';
import { type MapReduceText, splitInput, type SplitOptions } from './split.js';
import type { Chunk, JobResult, JobSpec, MapOutput, Partial, PartitionOutput } from './types.js';

export const DEFAULT_CHUNK_BYTES = 1 << 20;

type AnyDefinition = MapReduceJobDefinition<JobSpec, PartitionOutput, Partial, JobResult>;

/** The job's definition; the engine checks at run time that data handed to it is of this job. */
function definitionOf(job: JobSpec): AnyDefinition {
  // Method bivariance lets each job's definition stand for the union; `checked` keeps it honest.
  const definition: AnyDefinition = jobDefinitions[job.kind];
  return definition;
}

function checked<T extends { kind: string }>(job: JobSpec, items: readonly T[], what: string): readonly T[] {
  for (const item of items) if (item.kind !== job.kind) throw new TypeError(`${what} of ${item.kind} given to a ${job.kind} job`);
  return items;
}

/** grep, index over raw text and sumbykey report line numbers; splitInput must count them. */
export function jobNeedsLineNumbers(job: JobSpec): boolean {
  return definitionOf(job).needsLineNumbers;
}

/** Whether documents must stay apart for this job (see MapReduceJobDefinition.documentsMatter). */
export function documentsMatter(job: JobSpec): boolean {
  return definitionOf(job).documentsMatter;
}

/** How splitInput must cut the input of this job. */
export function splitOptionsFor(job: JobSpec): Required<Pick<SplitOptions, 'lineNumbers' | 'cut'>> {
  const definition = definitionOf(job);
  return { lineNumbers: definition.needsLineNumbers, cut: definition.cut };
}

export function mapChunk(job: JobSpec, chunk: Chunk, partitions = 1): MapOutput {
  const p = Math.max(1, Math.floor(partitions));
  return { kind: job.kind, partitions: definitionOf(job).map(job, chunk, p) };
}

/**
 * Moves the records of each run of `perGroup` consecutive partitions into one buffer (the
 * parts keep views of it), so handing a reduce group its parts transfers one buffer per map
 * output instead of one per partition: transferring 8192 buffers in one message took 140 ms.
 */
/**
 * The map outputs of consecutive chunks as one output, where the job can merge parts exactly
 * (MapReduceJobDefinition.mergeParts); otherwise as they are.
 */
export function mergeMapOutputs(job: JobSpec, outputs: readonly MapOutput[]): MapOutput[] {
  const definition = definitionOf(job);
  const first = outputs[0];
  if (definition.mergeParts === undefined || first === undefined || outputs.length === 1) return [...outputs];
  const partitions = first.partitions.map((_, p) => definition.mergeParts!(job, outputs.map((output) => output.partitions[p]!) as never) as PartitionOutput);
  return [{ kind: first.kind, partitions }];
}

export function packForGroups(output: MapOutput, perGroup: number): MapOutput {
  const partitions = [...output.partitions];
  for (let first = 0; first < partitions.length; first += perGroup) {
    const group = partitions.slice(first, first + perGroup);
    let bytes = 0;
    for (const part of group) if ('records' in part) bytes += part.records.length;
    if (bytes === 0) continue;
    const buffer = new Uint8Array(bytes);
    let offset = 0;
    group.forEach((part, j) => {
      if (!('records' in part)) return;
      buffer.set(part.records, offset);
      partitions[first + j] = { ...part, records: buffer.subarray(offset, offset + part.records.length) };
      offset += part.records.length;
    });
  }
  return { kind: output.kind, partitions };
}

/** Reduces one partition: `parts` are `outputs[i].partitions[p]` for every map output i. */
export function reducePartition(job: JobSpec, parts: readonly PartitionOutput[]): Partial {
  return definitionOf(job).reduce(job, checked(job, parts, 'map output'));
}

/**
 * Reduces several partitions (`partsByPartition[g]` = the parts of one partition) into one
 * partial, one partition at a time; each partition's parts are dropped from the array once
 * reduced, so their memory can go before the next one is built.
 */
export function reducePartitions(job: JobSpec, partsByPartition: (readonly PartitionOutput[] | undefined)[]): Partial {
  const definition = definitionOf(job);
  // Combined COMBINE_BATCH at a time: each partial may hold a whole answer (top N), so
  // folding them one by one would re-merge N items per partition.
  let pending: Partial[] = [];
  for (let g = 0; g < partsByPartition.length; g++) {
    pending.push(definition.reduce(job, checked(job, partsByPartition[g] ?? [], 'map output')));
    partsByPartition[g] = undefined;
    if (pending.length === COMBINE_BATCH) pending = [definition.combine(job, pending)];
  }
  if (pending.length === 0) return definition.reduce(job, []);
  return pending.length === 1 ? pending[0]! : definition.combine(job, pending);
}

const COMBINE_BATCH = 16;

/** Folds partials of disjoint partitions into one. */
export function combinePartials(job: JobSpec, partials: readonly Partial[]): Partial {
  const definition = definitionOf(job);
  return definition.combine(job, checked(job, partials, 'partial'));
}

/** Merges one partial per partition (disjoint keys) into the final result. */
export function mergePartials(job: JobSpec, partials: readonly Partial[]): JobResult {
  const definition = definitionOf(job);
  const list = checked(job, partials, 'partial');
  const steps = definition.finish(job, list.length === 1 ? list[0]! : definition.combine(job, list));
  for (let step = steps.next(); ; step = steps.next()) if (step.done === true) return step.value;
}

/**
 * The final result from the combined partial, in steps of FINISH_SLICE items with `pause()`
 * awaited between them: for the event loop, where the answer's objects are built.
 */
export async function finishInSlices(job: JobSpec, partial: Partial, pause: () => Promise<void>): Promise<JobResult> {
  const steps = definitionOf(job).finish(job, checked(job, [partial], 'partial')[0]!);
  for (let step = steps.next(); ; step = steps.next()) {
    if (step.done === true) return step.value;
    await pause();
  }
}

export interface InlineOptions {
  chunkBytes?: number;
  partitions?: number;
}

/** Runs every phase on the calling thread; for small inputs, and the oracle of the tests. */
export function runJobInline(job: JobSpec, input: MapReduceText, options: InlineOptions = {}): JobResult {
  const partitions = Math.max(1, Math.floor(options.partitions ?? 1));
  const chunks = splitInput(input, options.chunkBytes ?? DEFAULT_CHUNK_BYTES, { share: 'view', ...splitOptionsFor(job) });
  const outputs = chunks.map((chunk) => mapChunk(job, chunk, partitions));
  const partials: Partial[] = [];
  for (let p = 0; p < partitions; p++) partials.push(reducePartition(job, outputs.map((output) => output.partitions[p]!)));
  return mergePartials(job, partials);
}

/**
 * Estimated single-thread microseconds for a job over `bytes` of UTF-8, for the
 * dispatcher's inline-or-pool choice: the job's measured rate plus a fixed cost for setup
 * and result assembly.
 */
export function estimateMapReduceMicros(job: JobSpec, bytes: number): number {
  return 30 + Math.max(0, bytes) / definitionOf(job).rate;
}
