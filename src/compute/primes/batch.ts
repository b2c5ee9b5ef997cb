/**
 * Batches of primality checks in the packed `IntegerBatch` form (integer.ts): values
 * below 2^64 in a BigUint64Array that crosses threads by transfer, larger ones beside it as
 * bigints with their positions. One result byte per value: 1 prime, 0 not.
 */
import { type IntegerBatch, U64_LIMIT } from './integer.js';

/** Packs bigints (already validated) into a batch. */
export function integerBatchOf(values: readonly bigint[]): IntegerBatch {
  const small = new BigUint64Array(values.length);
  const largeIndex: number[] = [];
  const largeValues: bigint[] = [];
  values.forEach((value, index) => {
    if (value < U64_LIMIT) small[index] = value;
    else {
      largeIndex.push(index);
      largeValues.push(value);
    }
  });
  return { count: values.length, small, largeIndex, largeValues };
}

/** Items [start, end) as their own batch, with a copied (so transferable) `small` array. */
export function sliceIntegerBatch(batch: IntegerBatch, start: number, end: number): IntegerBatch {
  const largeIndex: number[] = [];
  const largeValues: bigint[] = [];
  batch.largeIndex.forEach((index, position) => {
    if (index >= start && index < end) {
      largeIndex.push(index - start);
      largeValues.push(batch.largeValues[position] as bigint);
    }
  });
  return { count: end - start, small: batch.small.slice(start, end), largeIndex, largeValues };
}
