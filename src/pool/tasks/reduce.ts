/** Pool task for reductions: one shard in, its partial out (see src/compute/reduce/reduce.ts). */
import {
  type ReduceOp,
  type ReducePartial,
  type ReduceType,
  type ReduceValues,
  reduceShard as reduceValues,
} from '../../compute/reduce/reduce.js';

export interface ReduceShardInput {
  readonly op: ReduceOp;
  readonly type: ReduceType;
  /** A view of a SharedArrayBuffer (nothing copied) or a transferred buffer of its own. */
  readonly values: ReduceValues;
  readonly maxBits: number;
}

export function reduceShard(input: ReduceShardInput): ReducePartial {
  return reduceValues(input.op, input.type, input.values, { maxBits: input.maxBits });
}
