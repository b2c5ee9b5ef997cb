/**
 * A reduction as dispatchable work: inline in one piece, in yielding slices, or sharded over
 * the pool. Every route cuts at multiples of SHARD_ALIGN and combines partials in input
 * order, so all three give bit-identical answers (see src/compute/reduce/reduce.ts).
 *
 * Pool shards of typed arrays on a SharedArrayBuffer are views of the same memory: nothing
 * is copied or touched per value on the main thread. Other typed arrays are cut with
 * `slice` (one copy of each shard) and transferred.
 */
import { z } from 'zod';
import {
  intOps,
  type ReduceOp,
  type ReducePartial,
  type ReduceResult,
  type ReduceType,
  type ReduceValues,
  SHARD_ALIGN,
  combinePartials,
  estimateReduceMicros,
  finishReduction,
  reduceAll,
  reduceShard,
} from '../compute/reduce/reduce.js';
import type { Work } from '../dispatch/dispatcher.js';
import { shardCount, splitEvenly } from '../dispatch/sharding.js';
import type { ReduceShardInput } from '../pool/tasks/reduce.js';
import { defineOperation } from './types.js';

/** Posting a shard costs tens of microseconds: give each at least this many values. */
const minValuesPerShard = 64 * SHARD_ALIGN;
/** Target cost of one slice on the event loop. */
const sliceTargetMicros = 500;

export interface ReduceSpec {
  readonly op: ReduceOp;
  readonly type: ReduceType;
  readonly values: ReduceValues;
  readonly maxBits: number;
}

/** [start, end) ranges covering [0, length), each boundary but the last a multiple of SHARD_ALIGN. */
export function alignedRanges(length: number, parts: number): Array<readonly [number, number]> {
  const blocks = Math.ceil(length / SHARD_ALIGN);
  return splitEvenly(blocks, parts).map(([start, end]) => [start * SHARD_ALIGN, Math.min(length, end * SHARD_ALIGN)] as const);
}

function piece(values: ReduceValues, start: number, end: number): ReduceValues {
  return Array.isArray(values) ? values.slice(start, end) : (values as Float64Array | BigInt64Array).subarray(start, end);
}

function shardMessage(spec: ReduceSpec, start: number, end: number): { input: ReduceShardInput; transfer: ArrayBuffer[] } {
  const { values } = spec;
  if (Array.isArray(values)) return { input: { ...spec, values: values.slice(start, end) }, transfer: [] };
  const typed = values as Float64Array | BigInt64Array;
  if (typed.buffer instanceof SharedArrayBuffer) return { input: { ...spec, values: typed.subarray(start, end) }, transfer: [] };
  // A view of an ordinary buffer would be cloned with the whole buffer behind it: copy just the shard.
  const own = typed.slice(start, end);
  return { input: { ...spec, values: own }, transfer: [own.buffer as ArrayBuffer] };
}

export function reduceWork(spec: ReduceSpec, threads: number): Work<ReduceResult> {
  const { op, type, values, maxBits } = spec;
  const count = values.length;
  const bigints = Array.isArray(values);
  const options = { maxBits };
  const microsPerBlock = estimateReduceMicros(op, type, SHARD_ALIGN, bigints);
  const blocksPerSlice = Math.max(1, Math.floor(sliceTargetMicros / microsPerBlock));
  const sliceValues = blocksPerSlice * SHARD_ALIGN;
  return {
    operation: `reduce.${op}`,
    costMicros: estimateReduceMicros(op, type, count, bigints),
    sliceMicros: estimateReduceMicros(op, type, Math.min(count, sliceValues), bigints),
    describe: `${op} of ${count} ${type} values`,
    inline: () => reduceAll(op, type, values, options),
    sliced: async (yieldNow, progress) => {
      const partials: ReducePartial[] = [];
      const total = Math.ceil(count / sliceValues);
      for (let start = 0; start < count; start += sliceValues) {
        partials.push(reduceShard(op, type, piece(values, start, Math.min(count, start + sliceValues)), options));
        progress({ phase: 'reduce', done: partials.length, total });
        if (start + sliceValues < count) await yieldNow();
      }
      return finishReduction(op, type, combinePartials(op, type, partials, options), count, options);
    },
    pool: async (run, _signal, progress) => {
      const ranges = alignedRanges(count, shardCount(threads, count, minValuesPerShard));
      let done = 0;
      const partials = await Promise.all(
        ranges.map(async ([start, end]) => {
          const { input, transfer } = shardMessage(spec, start, end);
          const partial = await run('reduceShard', input, { transferList: transfer });
          done += 1;
          progress({ phase: 'reduce', done, total: ranges.length });
          return partial;
        }),
      );
      return finishReduction(op, type, combinePartials(op, type, partials, options), count, options);
    },
  };
}

/** The JSON form of a result: NaN and the infinities as strings, bigints as decimal strings. */
export function renderReduceResult(result: ReduceResult): number | string {
  if (typeof result === 'bigint') return result.toString();
  if (Number.isFinite(result)) return result;
  return Number.isNaN(result) ? 'NaN' : result > 0 ? 'Infinity' : '-Infinity';
}

export interface ReduceInput {
  readonly op: ReduceOp;
  readonly type: ReduceType;
  readonly values: ReduceValues;
}

const reduceValuesSchema = z.union([
  z.instanceof(Float64Array),
  z.instanceof(BigInt64Array),
  z.array(z.bigint()),
]) as z.ZodType<ReduceValues>;

export const reduce = defineOperation({
  name: 'reduce',
  input: z.object({ op: z.enum(intOps), type: z.enum(['float64', 'int']), values: reduceValuesSchema }) as z.ZodType<ReduceInput>,
  plan: (input, context) => reduceWork({ ...input, maxBits: context.limits.maxIntegerBits }, context.threads),
  render: (result: ReduceResult, input) => ({ op: input.op, type: input.type, count: input.values.length, result: renderReduceResult(result) }),
});
