/**
 * Pool tasks for MapReduce: map a batch of chunks, reduce one partition. Thin adapters;
 * a refused grep pattern (normally caught on the main thread first) stays a client error.
 */
import { ComputeInputError } from '../../compute/errors.js';
import {
  mapChunk,
  PatternRefusedError,
  reducePartition,
  type Chunk,
  type JobResult,
  type JobSpec,
  type MapOutput,
  type PartitionOutput,
} from '../../compute/mapreduce/index.js';

export interface MapReduceMapInput {
  readonly job: JobSpec;
  /** Several small chunks travel in one task so tiny documents do not cost a message each. */
  readonly chunks: readonly Chunk[];
  readonly partitions: number;
}

export interface MapReduceReduceInput {
  readonly job: JobSpec;
  /** `outputs[i].partitions[p]` of every map output i, for one partition p. */
  readonly parts: readonly PartitionOutput[];
}

function asInputError(error: unknown): unknown {
  return error instanceof PatternRefusedError ? new ComputeInputError(error.message, '/pattern') : error;
}

export function mapReduceMap(input: MapReduceMapInput): MapOutput[] {
  try {
    return input.chunks.map((chunk) => mapChunk(input.job, chunk, input.partitions));
  } catch (error) {
    throw asInputError(error);
  }
}

export function mapReduceReduce(input: MapReduceReduceInput): JobResult {
  return reducePartition(input.job, input.parts);
}
