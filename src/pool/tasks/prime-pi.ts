/** Pool task for pi(x): one shard of a plan made by `planPrimePi`, run in a worker thread. */
import { type PrimePiPartial, type PrimePiPlan, runPrimePiShard } from '../../compute/primes/prime-pi.js';

export interface PrimePiShardInput {
  readonly plan: PrimePiPlan;
  readonly index: number;
}

export function primePiShard(input: PrimePiShardInput): PrimePiPartial {
  return runPrimePiShard(input.plan, input.index);
}
