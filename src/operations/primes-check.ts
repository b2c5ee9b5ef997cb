/**
 * Prime checking as an operation: one cost estimate, and the same kernel run inline, in
 * yielding slices, or sharded over the pool. Two entries share it: `primes.check` answers a
 * batch, `primes.is-prime` one number (the bodies differ, the work does not).
 */
import { z } from 'zod';
import { integerBatchOf, sliceIntegerBatch } from '../compute/primes/batch.js';
import { type IntegerBatch, U64_LIMIT, bitLength } from '../compute/primes/integer.js';
import { checkPrimesBatch, estimateCheckMicros, isPrime } from '../compute/primes/is-prime.js';
import type { PoolRunner, Progress, Work } from '../dispatch/dispatcher.js';
import { shardCount, splitEvenly } from '../dispatch/sharding.js';
import { integerBatchSchema, nonNegativeBigint } from './inputs.js';
import { defineOperation } from './types.js';

const valuesPerSlice = 256;
/** Posting a shard costs tens of microseconds: cheap values go at least this many to a shard. */
const minValuesPerShard = 4_096;
/** ...unless they are costly: forty 3 000-bit numbers are 12 s of work and must use every thread. */
const minShardMicros = 2_000;

export function estimateBatchMicros(batch: IntegerBatch): { total: number; largest: number } {
  const word = estimateCheckMicros(64);
  let total = word * (batch.count - batch.largeValues.length);
  let largest = batch.count > batch.largeValues.length ? word : 0;
  for (const value of batch.largeValues) {
    const cost = estimateCheckMicros(bitLength(value));
    total += cost;
    if (cost > largest) largest = cost;
  }
  return { total, largest };
}

export function checkPrimesWork(batch: IntegerBatch, threads: number): Work<Uint8Array> {
  const { count } = batch;
  const cost = estimateBatchMicros(batch);
  return {
    operation: 'primes.check',
    costMicros: cost.total,
    sliceMicros: cost.largest * Math.min(count, valuesPerSlice),
    describe: count === 1 ? `checking ${batch.largeValues[0] ?? batch.small[0]}` : `checking ${count} numbers`,
    inline: () => checkPrimesBatch(batch),
    sliced: async (yieldNow, progress) => {
      const flags = new Uint8Array(count);
      for (let start = 0; start < count; start += valuesPerSlice) {
        const end = Math.min(count, start + valuesPerSlice);
        flags.set(checkPrimesBatch(sliceIntegerBatch(batch, start, end)), start);
        progress({ phase: 'numbers', done: end, total: count });
        if (end < count) await yieldNow();
      }
      return flags;
    },
    pool: async (run, _signal, progress) => {
      const byCost = Math.floor(cost.total / minShardMicros);
      const shards = splitEvenly(count, Math.max(shardCount(threads, count, minValuesPerShard), Math.min(threads * 2, byCost)));
      const flags = new Uint8Array(count);
      let done = 0;
      await Promise.all(
        shards.map(async ([start, end]) => {
          const shard = sliceIntegerBatch(batch, start, end);
          flags.set(await run('checkPrimes', shard, { transferList: [shard.small.buffer as ArrayBuffer] }), start);
          done += end - start;
          progress({ phase: 'numbers', done, total: count });
        }),
      );
      return flags;
    },
  };
}

export type PrimalityTest = 'deterministic' | 'probable';

export function primalityTestFor(value: bigint): PrimalityTest {
  return value < U64_LIMIT ? 'deterministic' : 'probable';
}

/** The decimal of item `index` and which test applies to it, without a BigInt per small item where avoidable. */
export function batchItems(batch: IntegerBatch): { decimal: (index: number) => string; test: (index: number) => PrimalityTest } {
  const large = new Map<number, bigint>();
  batch.largeIndex.forEach((index, position) => large.set(index, batch.largeValues[position] as bigint));
  return {
    decimal: (index) => (large.get(index) ?? (batch.small[index] as bigint)).toString(),
    test: (index) => (large.has(index) ? 'probable' : 'deterministic'),
  };
}

export const primesCheck = defineOperation({
  name: 'primes.check',
  input: z.object({ batch: integerBatchSchema }),
  plan: (input, context) => checkPrimesWork(input.batch, context.threads),
  render: (flags: Uint8Array, input) => {
    const { decimal, test } = batchItems(input.batch);
    return {
      count: input.batch.count,
      results: Array.from({ length: input.batch.count }, (_, index) => ({ n: decimal(index), prime: flags[index] === 1, test: test(index) })),
    };
  },
  encode: (flags: Uint8Array, input) => {
    const { decimal, test } = batchItems(input.batch);
    return {
      head: `{"count":${input.batch.count},"results":[`,
      count: input.batch.count,
      item: (index) => `{"n":"${decimal(index)}","prime":${flags[index] === 1},"test":"${test(index)}"}`,
      tail: ']}',
      // The input's 8 bytes, its flag, and about 60 bytes of JSON.
      itemBytes: 70,
    };
  },
});

/**
 * The work of checking one number: what `checkPrimesWork` does for a batch of one, without
 * building the batch, its estimate and three closures for a check that takes a microsecond
 * on the loop. Off the loop it is that batch of one.
 */
class SingleCheckWork implements Work<Uint8Array> {
  readonly operation = 'primes.check';
  readonly costMicros: number;

  constructor(
    private readonly n: bigint,
    private readonly threads: number,
  ) {
    this.costMicros = estimateCheckMicros(n < U64_LIMIT ? 64 : bitLength(n));
  }

  get sliceMicros(): number {
    return this.costMicros;
  }

  get describe(): string {
    return `checking ${this.n}`;
  }

  inline(): Uint8Array {
    return Uint8Array.of(isPrime(this.n).prime ? 1 : 0);
  }

  async sliced(): Promise<Uint8Array> {
    return this.inline();
  }

  pool(run: PoolRunner, signal: AbortSignal, progress: Progress): Promise<Uint8Array> {
    return checkPrimesWork(integerBatchOf([this.n]), this.threads).pool(run, signal, progress);
  }
}

export const primesIsPrime = defineOperation({
  name: 'primes.is-prime',
  input: z.object({ n: nonNegativeBigint }),
  plan: (input, context) => new SingleCheckWork(input.n, context.threads),
  render: (flags: Uint8Array, input) => ({ n: input.n.toString(), prime: flags[0] === 1, test: primalityTestFor(input.n) }),
});
