/**
 * Batches of primality checks in a form that crosses thread boundaries cheaply: values
 * below 2^64 in a BigUint64Array (transferred, not copied), larger ones beside it as
 * bigints with their positions. One result byte per value: 1 prime, 0 not.
 */
import { checkPrimesU64, isPrime } from './is-prime.js';

export interface PrimeBatch {
  /** Every value, with 0 standing in at the positions listed in `bigAt`. */
  readonly values: BigUint64Array;
  readonly big: readonly bigint[];
  readonly bigAt: readonly number[];
}

export const u64Limit = 1n << 64n;

export function toPrimeBatch(values: readonly bigint[], start = 0, end = values.length): PrimeBatch {
  const packed = new BigUint64Array(end - start);
  const big: bigint[] = [];
  const bigAt: number[] = [];
  for (let index = start; index < end; index += 1) {
    const value = values[index] as bigint;
    if (value < u64Limit) packed[index - start] = value;
    else {
      big.push(value);
      bigAt.push(index - start);
    }
  }
  return { values: packed, big, bigAt };
}

export function checkPrimeBatch(batch: PrimeBatch): Uint8Array {
  const flags = checkPrimesU64(batch.values);
  for (let index = 0; index < batch.big.length; index += 1) {
    flags[batch.bigAt[index] as number] = isPrime(batch.big[index] as bigint).prime ? 1 : 0;
  }
  return flags;
}

export type PrimeBatchResult = Uint8Array;
