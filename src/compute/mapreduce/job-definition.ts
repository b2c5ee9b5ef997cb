/**
 * What a built-in MapReduce job is: one object per job (in the job's own module) that the
 * engine drives through split -> map -> reduce -> combine -> finish. Adding a job is one
 * module with its definition plus a line in the registry (jobs.ts).
 *
 * Part and Partial are the job's own plain-data shapes (structured-clone safe; compact
 * records where keys may number in the millions, see packed.ts). Every Part and Partial
 * carries `kind`, so the engine can refuse data of another job.
 */
import type { CutRule } from './split.js';
import type { Chunk, JobKind } from './types.js';

export interface MapReduceJobDefinition<Job extends { kind: JobKind }, Part extends { kind: JobKind }, Partial extends { kind: JobKind }, Result> {
  readonly kind: Job['kind'];
  /** Single-thread MB/s (= bytes per microsecond), measured by bench/mapreduce-kernels.ts, rounded down. */
  readonly rate: number;
  /** Whether chunks must know their first line number (jobs that report lines or index them). */
  readonly needsLineNumbers: boolean;
  /**
   * Whether the answer depends on where documents begin and end (document ids, lines within
   * one). When it does not, documents can be mapped as one text with a newline between them,
   * which costs the event loop nothing per document.
   */
  readonly documentsMatter: boolean;
  /** Where a long line may be cut (see split.ts). */
  readonly cut: CutRule;
  /**
   * Map with combiner: one Part per partition, partition p holding the keys whose
   * partitionOfHash(...) is p. Method syntax (not properties) so a definition of one job is
   * usable where any definition is expected; the engine checks `kind` at run time.
   */
  map(job: Job, chunk: Chunk, partitions: number): Part[];
  /** The parts of one partition, from every chunk, in any order. */
  reduce(job: Job, parts: readonly Part[]): Partial;
  /**
   * Parts of one partition from several chunks as one part, as if one chunk had produced
   * them; where a job has it, a map task over many small documents returns one part per
   * partition instead of one per document. Only where that is exact (a merge of sorted runs
   * that keeps the first n, a union of matches).
   */
  mergeParts?(job: Job, parts: readonly Part[]): Part;
  /** Partials of disjoint partitions (or already combined groups of them), in any order. */
  combine(job: Job, partials: readonly Partial[]): Partial;
  /**
   * The final answer from the combination of every partition, built in steps: the
   * generator yields after every FINISH_SLICE items, so a caller on the event loop can let
   * other work run between them (the answer may hold 10^6 ids).
   */
  finish(job: Job, partial: Partial): Generator<void, Result, undefined>;
}

/** Items a finish step builds between two yields: a few milliseconds of decoding. */
export const FINISH_SLICE = 8192;
