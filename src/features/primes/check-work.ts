/**
 * Prime checking as dispatchable work: one cost estimate, and the same kernel run inline,
 * in yielding slices, or sharded over the pool. Sync requests and jobs both build it here.
 */
import { sliceIntegerBatch } from '../../compute/primes/batch.js';
import { type IntegerBatch, bitLength } from '../../compute/primes/integer.js';
import { checkPrimesBatch, estimateCheckMicros } from '../../compute/primes/is-prime.js';
import { type Work, shardCount, splitEvenly } from '../../dispatch/dispatcher.js';

const valuesPerSlice = 256;
const minValuesPerShard = 4_096;

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
      const shards = splitEvenly(count, shardCount(threads, count, minValuesPerShard));
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
