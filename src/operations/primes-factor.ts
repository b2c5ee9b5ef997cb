/**
 * Factoring a batch of integers as dispatchable work. Below 2^64 a number takes at most
 * about a millisecond (Pollard–Brent in the wasm kernel), so batches of those are cut into
 * contiguous shards; a number of 2^64 or more can take any time (BigInt rho needs about
 * sqrt(p) steps for its second-largest prime factor p), so each gets a task of its own and
 * the deadline problem can name exactly the numbers still unfinished.
 */
import { z } from 'zod';
import { type FactorResult, factorize } from '../compute/primes/factor.js';
import { integerBatchOf } from '../compute/primes/batch.js';
import { type IntegerBatch, U64_LIMIT, bitLength } from '../compute/primes/integer.js';
import type { Work } from '../dispatch/dispatcher.js';
import { DeadlineExceededError } from '../dispatch/errors.js';
import { splitEvenly } from '../dispatch/sharding.js';
import { nonNegativeBigint } from './inputs.js';
import { defineOperation } from './types.js';

/** Measured: ~1.2 ms for a 64-bit semiprime of two 32-bit primes, ~0.6 ms at 60 bits. */
const u64SemiprimeMicros = 1_200;
/**
 * Beyond 2^64 there is no bound short of hours (rho needs about sqrt(p) steps for the
 * second-largest prime factor p), so the estimate is the measured mean over random numbers
 * of that size (200 each, 5 s cap): 72 bits 2.3 ms, 96 bits 106 ms, 112 bits 240 ms,
 * 128 bits 875 ms (median 7 ms; one in ten reached the cap). About 1 s * 2^((bits - 128) / 8).
 */
const bigNumberMicrosAt128 = 1_000_000;
const minValuesPerShard = 64;

export function estimateFactorMicros(value: bigint): number {
  const bits = value === 0n ? 0 : bitLength(value);
  if (value >= U64_LIMIT) return Math.max(u64SemiprimeMicros, bigNumberMicrosAt128 * 2 ** ((bits - 128) / 8));
  // Rho finds the smaller factor (<= n^(1/2)) in about n^(1/4) steps.
  return Math.max(1, u64SemiprimeMicros * 2 ** ((bits - 64) / 4));
}

export function factorWork(values: readonly bigint[], threads: number, inlineDeadlineMs: number): Work<FactorResult[]> {
  let total = 0;
  let largest = 0;
  for (const value of values) {
    const cost = estimateFactorMicros(value);
    total += cost;
    largest = Math.max(largest, cost);
  }
  const unfinished = new Set<number>(values.keys());
  const describeUnfinished = (): string => {
    const big = [...unfinished].filter((index) => (values[index] as bigint) >= U64_LIMIT);
    const shown = (big.length > 0 ? big : [...unfinished]).slice(0, 5);
    const names = shown.map((index) => `numbers[${index}] = ${values[index]}`).join(', ');
    const more = unfinished.size - shown.length;
    return `factoring ${names}${more > 0 ? ` and ${more} more` : ''} was not finished`;
  };
  // On the event loop the kernel's own deadline bounds the work (the dispatcher cannot
  // interrupt a running call there); on the pool the dispatcher aborts the tasks.
  const checkFinished = (results: FactorResult[]): FactorResult[] => {
    if (unfinished.size === 0) return results;
    throw new DeadlineExceededError(inlineDeadlineMs, describeUnfinished(), { unfinished: [...unfinished] });
  };
  const factorOne = (index: number, deadline: number): FactorResult => {
    const result = factorize(values[index] as bigint, { deadline });
    if (result.complete) unfinished.delete(index);
    return result;
  };
  return {
    operation: 'primes.factor',
    costMicros: total,
    sliceMicros: largest,
    // A getter: the dispatcher reads it when the deadline passes, naming what was left.
    get describe() {
      return describeUnfinished();
    },
    inline: () => {
      const deadline = Date.now() + inlineDeadlineMs;
      return checkFinished(values.map((_, index) => factorOne(index, deadline)));
    },
    sliced: async (yieldNow, progress) => {
      const deadline = Date.now() + inlineDeadlineMs;
      const results: FactorResult[] = [];
      for (let index = 0; index < values.length; index += 1) {
        results.push(factorOne(index, deadline));
        progress({ phase: 'factor', done: index + 1, total: values.length });
        await yieldNow();
      }
      return checkFinished(results);
    },
    pool: async (run, _signal, progress) => {
      const shards: Array<readonly [number, number]> = [];
      let runStart = 0;
      const flushSmall = (end: number) => {
        const count = end - runStart;
        const parts = Math.max(1, Math.min(threads * 2, Math.ceil(count / minValuesPerShard)));
        for (const [a, b] of splitEvenly(count, parts)) shards.push([runStart + a, runStart + b]);
      };
      values.forEach((value, index) => {
        if (value < U64_LIMIT) return;
        flushSmall(index);
        shards.push([index, index + 1]);
        runStart = index + 1;
      });
      flushSmall(values.length);

      const results = new Array<FactorResult>(values.length);
      let done = 0;
      await Promise.all(
        shards.map(async ([start, end]) => {
          const part = await run('factorNumbers', { values: values.slice(start, end), deadline: Number.POSITIVE_INFINITY });
          part.forEach((result, offset) => {
            results[start + offset] = result;
            unfinished.delete(start + offset);
          });
          done += 1;
          progress({ phase: 'factor', done, total: shards.length });
        }),
      );
      return results;
    },
  };
}

/** A factoring batch packed as the prime kernels take it, with its estimated cost (computed where it was parsed). */
export interface PackedFactorBatch extends IntegerBatch {
  readonly costMicros: number;
}

export function packFactorBatch(values: readonly bigint[]): PackedFactorBatch {
  let costMicros = 0;
  for (const value of values) costMicros += estimateFactorMicros(value);
  return { ...integerBatchOf(values), costMicros };
}

/** One number's entry of the answer, as JSON: what `render` gives for it. */
export function factorItemJson(value: bigint, result: FactorResult): string {
  return JSON.stringify({ n: value.toString(), factors: primePowers(result.factors), test: result.test });
}

/**
 * The answer's JSON in pieces, in order (each the items of a run of numbers, joined by
 * commas): on the pool each shard factors its numbers and encodes them on its thread
 * (`factorNumbersJson`), and numbers below 2^64 travel packed in a BigUint64Array, so the
 * loop copies bytes both ways. Shards, costs and the deadline are `factorWork`'s.
 */
export function factorEncodedWork(batch: PackedFactorBatch, threads: number, inlineDeadlineMs: number): Work<Uint8Array[]> {
  const values = (): bigint[] => {
    const large = new Map(batch.largeIndex.map((index, position) => [index, batch.largeValues[position] as bigint]));
    return Array.from({ length: batch.count }, (_, index) => large.get(index) ?? (batch.small[index] as bigint));
  };
  const cost = batch.costMicros;
  return {
    operation: 'primes.factor',
    costMicros: cost,
    describe: `factoring ${batch.count} numbers`,
    inline: () => {
      const all = values();
      const results = factorWork(all, threads, inlineDeadlineMs).inline();
      return [Buffer.from(results.map((result, index) => factorItemJson(all[index] as bigint, result)).join(','))];
    },
    pool: async (run) => {
      const shards: Array<readonly [number, number]> = [];
      let runStart = 0;
      const flushSmall = (end: number): void => {
        const count = end - runStart;
        if (count === 0) return;
        const parts = Math.max(1, Math.min(threads * 2, Math.ceil(count / minValuesPerShard)));
        for (const [a, b] of splitEvenly(count, parts)) shards.push([runStart + a, runStart + b]);
      };
      const sorted = [...batch.largeIndex].sort((a, b) => a - b);
      const largeAt = new Map(batch.largeIndex.map((index, position) => [index, batch.largeValues[position] as bigint]));
      for (const index of sorted) {
        flushSmall(index);
        shards.push([index, index + 1]);
        runStart = index + 1;
      }
      flushSmall(batch.count);
      return Promise.all(
        shards.map(([start, end]) => {
          const big = end - start === 1 ? largeAt.get(start) : undefined;
          return run('factorNumbersJson', big === undefined ? { small: batch.small.slice(start, end) } : { large: [big] });
        }),
      );
    },
  };
}

/** Groups sorted factors with multiplicity into prime powers. */
export function primePowers(factors: readonly bigint[]): Array<{ prime: string; exponent: number }> {
  const powers: Array<{ prime: string; exponent: number }> = [];
  let previous: bigint | undefined;
  for (const factor of factors) {
    const last = powers[powers.length - 1];
    if (factor === previous && last !== undefined) last.exponent += 1;
    else powers.push({ prime: factor.toString(), exponent: 1 });
    previous = factor;
  }
  return powers;
}

export const primesFactor = defineOperation({
  name: 'primes.factor',
  input: z.object({ values: z.array(nonNegativeBigint) }),
  plan: (input, context) => factorWork(input.values, context.threads, context.loopDeadlineMs),
  render: (results: FactorResult[], input) => ({
    count: input.values.length,
    results: results.map((result, index) => ({
      n: (input.values[index] as bigint).toString(),
      factors: primePowers(result.factors),
      test: result.test,
    })),
  }),
});
