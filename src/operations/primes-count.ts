/**
 * Counting the primes of a range as dispatchable work, by one of two methods:
 *
 * - sieve: the segmented sieve over [from, to]; on the pool the range is cut into contiguous
 *   shards whose counts add up. Costs about the width, so only for narrow ranges.
 * - pi: pi(to) - pi(from - 1) with the combinatorial prime-counting kernel, whose cost grows
 *   like to^(2/3) whatever the width; on the pool both values run as `primePiShard` tasks
 *   of their plans at once.
 */
import { z } from 'zod';
import { PRIME_PI_MAX, combinePrimePi, estimatePrimePiMicros, planPrimePi, primePi } from '../compute/primes/prime-pi.js';
import { countPrimesSieve, estimateSieveMicros } from '../compute/primes/sieve.js';
import type { Work } from '../dispatch/dispatcher.js';
import { TooCostlyError } from '../dispatch/errors.js';
import { splitRange } from '../dispatch/sharding.js';
import { nonNegativeBigint } from './inputs.js';
import { defineOperation } from './types.js';

export const countMethods = ['sieve', 'pi'] as const;
export type CountMethod = (typeof countMethods)[number];

export interface PrimeCount {
  readonly count: bigint;
  readonly method: CountMethod;
}

/** Numbers per sieve shard below which splitting does not pay for the message round trip. */
const minShardWidth = 1n << 24n;

export function estimateCountMicros(from: bigint, to: bigint, method: CountMethod): number {
  if (method === 'sieve') return estimateSieveMicros(from, to);
  return estimatePrimePiMicros(to) + (from > 2n ? estimatePrimePiMicros(from - 1n) : 0);
}

export { PRIME_PI_MAX };

export function countPrimesWork(from: bigint, to: bigint, method: CountMethod, threads: number): Work<PrimeCount> {
  const describe = `counting the primes from ${from} to ${to} by ${method}`;
  const costMicros = estimateCountMicros(from, to, method);
  if (method === 'sieve') {
    return {
      operation: 'primes.count.sieve',
      costMicros,
      describe,
      inline: () => ({ count: BigInt(countPrimesSieve(from, to)), method }),
      pool: async (run, _signal, progress) => {
        const shards = (to - from + 1n) / minShardWidth;
        // Four shards per thread even out shards that cost more (higher up, or past 2^44).
        const pieces = splitRange(from, to, Number(shards < 1n ? 1n : shards > BigInt(threads * 4) ? BigInt(threads * 4) : shards));
        let done = 0;
        const counts = await Promise.all(
          pieces.map(async ([a, b]) => {
            const count = await run('sieveCount', { from: a, to: b });
            done += 1;
            progress({ phase: 'sieve', done, total: pieces.length });
            return count;
          }),
        );
        return { count: counts.reduce((sum, count) => sum + BigInt(count), 0n), method };
      },
    };
  }
  const below = from > 2n ? from - 1n : 0n;
  return {
    operation: 'primes.count.pi',
    costMicros,
    describe,
    inline: () => ({ count: primePi(to) - (below > 1n ? primePi(below) : 0n), method }),
    pool: async (run, _signal, progress) => {
      const points = below > 1n ? [to, below] : [to];
      // A plan made for n shards has exactly n of them.
      const plans = points.map((x) => planPrimePi(x, threads));
      const total = plans.length * threads;
      let done = 0;
      const values = await Promise.all(
        plans.map(async (plan) => {
          const partials = await Promise.all(
            Array.from({ length: threads }, async (_, index) => {
              const partial = await run('primePiShard', { plan, index });
              done += 1;
              progress({ phase: 'pi', done, total });
              return partial;
            }),
          );
          return combinePrimePi(plan, partials);
        }),
      );
      return { count: (values[0] as bigint) - (values[1] ?? 0n), method };
    },
  };
}

/**
 * The method for a range: the one asked for, else the cheaper of those within their limits
 * (the sieve up to `maxSieveWidth` numbers wide, pi(x) up to PRIME_PI_MAX).
 */
export function chooseCountMethod(from: bigint, to: bigint, requested: CountMethod | undefined, maxSieveWidth: bigint): CountMethod {
  const width = to - from + 1n;
  const sieveFits = width <= maxSieveWidth;
  const piFits = to <= PRIME_PI_MAX;
  const limits = `the sieve counts ranges up to ${maxSieveWidth} numbers wide (MAX_SIEVE_WIDTH), pi(x) counts up to to = ${PRIME_PI_MAX}`;
  const extensions = { maxSieveWidth: maxSieveWidth.toString(), primePiMax: PRIME_PI_MAX.toString() };
  if (requested === 'sieve' && !sieveFits) {
    throw new TooCostlyError(`The range is ${width} numbers wide: ${limits}. Narrow the range or leave out method=sieve.`, extensions);
  }
  if (requested === 'pi' && !piFits) {
    throw new TooCostlyError(`to = ${to} is above ${PRIME_PI_MAX}: ${limits}. Lower \`to\` or leave out method=pi.`, extensions);
  }
  if (requested !== undefined) return requested;
  if (!sieveFits && !piFits) {
    throw new TooCostlyError(`The range [${from}, ${to}] is ${width} numbers wide and ends above ${PRIME_PI_MAX}: ${limits}.`, extensions);
  }
  if (!piFits) return 'sieve';
  if (!sieveFits) return 'pi';
  return estimateCountMicros(from, to, 'sieve') <= estimateCountMicros(from, to, 'pi') ? 'sieve' : 'pi';
}

export const primesCount = defineOperation({
  name: 'primes.count',
  input: z.object({ from: nonNegativeBigint, to: nonNegativeBigint, method: z.enum(countMethods) }),
  plan: (input, context) => countPrimesWork(input.from, input.to, input.method, context.threads),
  render: (result: PrimeCount, input) => ({
    from: input.from.toString(),
    to: input.to.toString(),
    count: result.count.toString(),
    method: result.method,
  }),
});
