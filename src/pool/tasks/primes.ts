/** Pool tasks for the primes family: thin adapters from plain messages to the kernels. */
import type { IntegerBatch } from '../../compute/primes/integer.js';
import type { Limits } from '../../config.js';
import { type CheckBodyFormat, parseCheckBodyBytes, parseFactorBody } from '../../inputs/primes.js';
import { parseJsonBytes } from '../../inputs/json.js';
import { type PackedFactorBatch, factorItemJson, packFactorBatch } from '../../operations/primes-factor.js';
import { type CheckAnswer, encodeCheckAnswer } from '../../operations/primes-check-answers.js';
import { encodeDecimalItems } from '../../operations/json-array.js';
import { checkPrimesBatch } from '../../compute/primes/is-prime.js';
import { type FactorResult, factorize } from '../../compute/primes/factor.js';
import { countPrimesSieve, listPrimesSieve, listPrimesSieveNumbers } from '../../compute/primes/sieve.js';
import { handOver } from '../transfer.js';

export function checkPrimes(batch: IntegerBatch): Uint8Array {
  return handOver(checkPrimesBatch(batch));
}

export interface CheckBodyInput {
  readonly format: CheckBodyFormat;
  readonly bytes: Uint8Array;
  readonly limits: Limits;
  readonly answer: CheckAnswer;
}

/** The encoded answer, or the parsed batch when it holds numbers of 2^64 and beyond (costly: sharded by the caller). */
export type CheckBodyOutput = { readonly answer: Uint8Array; readonly count: number } | { readonly batch: IntegerBatch };

/**
 * A whole batch request on one thread: the raw body parsed and checked (the same parsers
 * and errors as on the loop), every number checked, and the answer encoded; the event loop
 * only copies bytes in and out. 64-bit numbers cost a fraction of a microsecond each, so a
 * batch of them is not worth sharding; larger ones come back parsed, to be sharded.
 */
export function checkPrimesBody(input: CheckBodyInput): CheckBodyOutput {
  const { batch, decimals } = parseCheckBodyBytes(input.format, input.bytes, input.limits);
  if (batch.largeValues.length > 0) return { batch };
  return { answer: handOver(encodeCheckAnswer(input.answer, checkPrimesBatch(batch), batch, decimals)), count: batch.count };
}

/** A batch request's body as the operation's input (for a job, or a batch with large numbers). */
export function parseCheckBody(input: Omit<CheckBodyInput, 'answer'>): { batch: IntegerBatch } {
  return { batch: parseCheckBodyBytes(input.format, input.bytes, input.limits).batch };
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
  if (shard.to <= BigInt(Number.MAX_SAFE_INTEGER)) return handOver(listPrimesSieveNumbers(shard.from, shard.to, shard.limit));
  return handOver(BigUint64Array.from(listPrimesSieve(shard.from, shard.to, shard.limit).primes));
}

/** A piece of a page of primes as JSON array items (src/operations/primes-list.ts). */
export function encodePrimes(input: { readonly primes: Float64Array | BigUint64Array }): Uint8Array {
  return handOver(encodeDecimalItems(input.primes));
}

export interface FactorBatch {
  readonly values: readonly bigint[];
  /** Date.now() milliseconds after which unfinished numbers come back incomplete. */
  readonly deadline: number;
}

export function factorNumbers(batch: FactorBatch): FactorResult[] {
  return batch.values.map((value) => factorize(value, { deadline: batch.deadline }));
}

/** Numbers factored and encoded as items of the answer's JSON array, joined by commas (src/operations/primes-factor.ts). */
export function factorNumbersJson(input: { readonly small?: BigUint64Array; readonly large?: readonly bigint[] }): Uint8Array {
  const values: readonly bigint[] = input.large ?? Array.from(input.small ?? []);
  return handOver(Buffer.from(values.map((value) => factorItemJson(value, factorize(value))).join(',')));
}

/** A factoring request's body, packed: the numbers below 2^64 in a BigUint64Array (for a job, the operation's own input). */
export function parseFactorBatch(input: { readonly bytes: Uint8Array; readonly limits: Limits }): PackedFactorBatch {
  return packFactorBatch(parseFactorBody(parseJsonBytes(input.bytes), input.limits).values);
}
