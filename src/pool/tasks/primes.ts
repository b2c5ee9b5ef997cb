/** Pool tasks for the primes family: thin adapters from plain messages to the kernels. */
import type { IntegerBatch } from '../../compute/primes/integer.js';
import { checkPrimesBatch } from '../../compute/primes/is-prime.js';
import { type FactorResult, factorize } from '../../compute/primes/factor.js';
import { countPrimesSieve, listPrimesSieve, listPrimesSieveNumbers } from '../../compute/primes/sieve.js';

export function checkPrimes(batch: IntegerBatch): Uint8Array {
  return checkPrimesBatch(batch);
}

export interface SieveRange {
  readonly from: bigint;
  readonly to: bigint;
}

/** Primes in [from, to], counted by the segmented sieve: one shard of a sharded count. */
export function sieveCount(range: SieveRange): number {
  return countPrimesSieve(range.from, range.to);
}

export interface SieveListShard extends SieveRange {
  readonly limit: number;
}

/**
 * Up to `limit` primes of [from, to] in order. Below 2^53 they travel as a Float64Array
 * (one copy, no BigInt per prime); beyond as a BigUint64Array.
 */
export function sieveList(shard: SieveListShard): Float64Array | BigUint64Array {
  if (shard.to <= BigInt(Number.MAX_SAFE_INTEGER)) return listPrimesSieveNumbers(shard.from, shard.to, shard.limit);
  return BigUint64Array.from(listPrimesSieve(shard.from, shard.to, shard.limit).primes);
}

export interface FactorBatch {
  readonly values: readonly bigint[];
  /** Date.now() milliseconds after which unfinished numbers come back incomplete. */
  readonly deadline: number;
}

export function factorNumbers(batch: FactorBatch): FactorResult[] {
  return batch.values.map((value) => factorize(value, { deadline: batch.deadline }));
}
