/**
 * The MapReduce engine: split -> map (with combiner) -> shuffle by key partition ->
 * reduce partitions -> merge. Every step is a pure function over plain data, so the
 * caller may run mapChunk and reducePartition on worker threads in any grouping:
 *
 *   const chunks = splitInput(input, chunkBytes, { lineNumbers: jobNeedsLineNumbers(job) });
 *   const outputs = chunks.map((chunk) => mapChunk(job, chunk, P));         // parallel
 *   const partials = range(P).map((p) => reducePartition(job, outputs.map((o) => o.partitions[p]!))); // parallel
 *   const result = mergePartials(job, partials);
 *
 * The result does not depend on chunk size, partition count or worker count: keys are
 * partitioned by a stable hash, partitions hold disjoint keys, and every ordering is
 * total (counts, then code-point order; documents, then lines).
 */
import { mapGrep, mergeGrep, reduceGrep } from './grep.js';
import { mapIndex, mergeIndex, reduceIndex } from './inverted-index.js';
import { mapLetters, mergeLetters, reduceLetters } from './letters.js';
import { splitInput } from './split.js';
import { mapSumByKey, mergeSumByKey, reduceSumByKey } from './sum-by-key.js';
import type {
  Chunk,
  GrepPart,
  GrepResult,
  IndexPart,
  IndexResult,
  JobResult,
  JobSpec,
  LettersPart,
  LettersResult,
  MapOutput,
  PartitionOutput,
  SumByKeyPart,
  SumByKeyResult,
  WordCountPart,
  WordCountResult,
} from './types.js';
import { mapWordCount, mergeWordCount, reduceWordCount } from './wordcount.js';

export const DEFAULT_CHUNK_BYTES = 1 << 20;

/** grep, index over raw text and sumbykey report line numbers; splitInput must count them. */
export function jobNeedsLineNumbers(job: JobSpec): boolean {
  return job.kind === 'grep' || job.kind === 'index' || job.kind === 'sumbykey';
}

export function mapChunk(job: JobSpec, chunk: Chunk, partitions = 1): MapOutput {
  const p = Math.max(1, Math.floor(partitions));
  switch (job.kind) {
    case 'wordcount':
      return { kind: job.kind, partitions: mapWordCount(job, chunk, p) };
    case 'letters':
      return { kind: job.kind, partitions: mapLetters(job, chunk, p) };
    case 'index':
      return { kind: job.kind, partitions: mapIndex(job, chunk, p) };
    case 'grep':
      return { kind: job.kind, partitions: mapGrep(job, chunk, p) };
    case 'sumbykey':
      return { kind: job.kind, partitions: mapSumByKey(job, chunk, p) };
  }
}

function partsOf<T extends PartitionOutput>(kind: T['kind'], parts: readonly PartitionOutput[]): T[] {
  for (const part of parts) if (part.kind !== kind) throw new TypeError(`map output of ${part.kind} given to a ${kind} job`);
  return parts as T[];
}

function partialsOf<T extends JobResult>(kind: T['kind'], partials: readonly JobResult[]): T[] {
  for (const partial of partials) if (partial.kind !== kind) throw new TypeError(`partial of ${partial.kind} given to a ${kind} job`);
  return partials as T[];
}

/** Reduces one partition: `parts` are `outputs[i].partitions[p]` for every map output i. */
export function reducePartition(job: JobSpec, parts: readonly PartitionOutput[]): JobResult {
  switch (job.kind) {
    case 'wordcount':
      return reduceWordCount(job, partsOf<WordCountPart>(job.kind, parts));
    case 'letters':
      return reduceLetters(job, partsOf<LettersPart>(job.kind, parts));
    case 'index':
      return reduceIndex(job, partsOf<IndexPart>(job.kind, parts));
    case 'grep':
      return reduceGrep(job, partsOf<GrepPart>(job.kind, parts));
    case 'sumbykey':
      return reduceSumByKey(job, partsOf<SumByKeyPart>(job.kind, parts));
  }
}

/** Merges one partial per partition (disjoint keys) into the final result. */
export function mergePartials(job: JobSpec, partials: readonly JobResult[]): JobResult {
  switch (job.kind) {
    case 'wordcount':
      return mergeWordCount(job, partialsOf<WordCountResult>(job.kind, partials));
    case 'letters':
      return mergeLetters(job, partialsOf<LettersResult>(job.kind, partials));
    case 'index':
      return mergeIndex(job, partialsOf<IndexResult>(job.kind, partials));
    case 'grep':
      return mergeGrep(job, partialsOf<GrepResult>(job.kind, partials));
    case 'sumbykey':
      return mergeSumByKey(job, partialsOf<SumByKeyResult>(job.kind, partials));
  }
}

export interface InlineOptions {
  chunkBytes?: number;
  partitions?: number;
}

/** Runs every phase on the calling thread; for small inputs, and the oracle of the tests. */
export function runJobInline(job: JobSpec, input: Uint8Array | readonly string[], options: InlineOptions = {}): JobResult {
  const partitions = Math.max(1, Math.floor(options.partitions ?? 1));
  const chunks = splitInput(input, options.chunkBytes ?? DEFAULT_CHUNK_BYTES, {
    share: 'view',
    lineNumbers: jobNeedsLineNumbers(job),
  });
  const outputs = chunks.map((chunk) => mapChunk(job, chunk, partitions));
  const partials: JobResult[] = [];
  for (let p = 0; p < partitions; p++) partials.push(reducePartition(job, outputs.map((output) => output.partitions[p]!)));
  return mergePartials(job, partials);
}

/**
 * Estimated single-thread microseconds for a job over `bytes` of UTF-8, for the
 * dispatcher's inline-or-pool choice. Rates measured by bench/mapreduce-kernels.ts on the
 * reference 2-core machine, rounded down; a fixed cost covers setup and result assembly.
 */
export function estimateMapReduceMicros(job: JobSpec, bytes: number): number {
  const megabytesPerSecond = RATE[job.kind];
  return 30 + Math.max(0, bytes) / megabytesPerSecond;
}

/** MB/s (= bytes per microsecond) per job, single thread. */
const RATE: Record<JobSpec['kind'], number> = {
  wordcount: 60,
  letters: 60,
  index: 15,
  grep: 40,
  sumbykey: 10,
};
