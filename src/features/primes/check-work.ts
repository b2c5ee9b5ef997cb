/**
 * Prime checking as dispatchable work: one cost estimate, and the same kernel run inline,
 * in yielding slices, or sharded over the pool. Sync requests and jobs both build it here.
 */
import { type PrimeBatch, checkPrimeBatch, toPrimeBatch, u64Limit } from '../../compute/primes/batch.js';
import { estimateCheckMicros } from '../../compute/primes/is-prime.js';
import { type Work, shardCount, splitEvenly } from '../../dispatch/dispatcher.js';

const valuesPerSlice = 256;
const minValuesPerShard = 1_024;
const u32Limit = 1n << 32n;

export function estimateBatchMicros(values: readonly bigint[]): { total: number; largest: number } {
  const small = estimateCheckMicros(32);
  const word = estimateCheckMicros(64);
  let total = 0;
  let largest = 0;
  for (const value of values) {
    const cost = value < u32Limit ? small : value < u64Limit ? word : estimateCheckMicros(value.toString(2).length);
    total += cost;
    if (cost > largest) largest = cost;
  }
  return { total, largest };
}

export function checkPrimesWork(values: readonly bigint[], threads: number): Work<Uint8Array> {
  const cost = estimateBatchMicros(values);
  return {
    operation: 'primes.check',
    costMicros: cost.total,
    sliceMicros: cost.largest * Math.min(values.length, valuesPerSlice),
    describe: values.length === 1 ? `checking ${values[0]}` : `checking ${values.length} numbers`,
    inline: () => checkPrimeBatch(toPrimeBatch(values)),
    sliced: async (yieldNow, progress) => {
      const flags = new Uint8Array(values.length);
      for (let start = 0; start < values.length; start += valuesPerSlice) {
        const end = Math.min(values.length, start + valuesPerSlice);
        flags.set(checkPrimeBatch(toPrimeBatch(values, start, end)), start);
        progress({ phase: 'numbers', done: end, total: values.length });
        if (end < values.length) await yieldNow();
      }
      return flags;
    },
    pool: async (run, _signal, progress) => {
      const shards = splitEvenly(values.length, shardCount(threads, values.length, minValuesPerShard));
      let done = 0;
      const results = await Promise.all(
        shards.map(async ([start, end]) => {
          const batch: PrimeBatch = toPrimeBatch(values, start, end);
          const flags = await run('checkPrimes', batch, { transferList: [batch.values.buffer as ArrayBuffer] });
          done += end - start;
          progress({ phase: 'numbers', done, total: values.length });
          return flags;
        }),
      );
      const flags = new Uint8Array(values.length);
      results.forEach((result, index) => flags.set(result, (shards[index] as readonly [number, number])[0]));
      return flags;
    },
  };
}
