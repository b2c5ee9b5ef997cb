/**
 * The prime-counting function pi(x): how many primes are <= x, for 0 <= x <= PRIME_PI_MAX.
 *
 * First step (slow but exact): Lucy Hedgehog's O(x^(3/4)) dynamic programme over the values
 * floor(x / k), in doubles (exact: every value stays below 2^53). The sharded API is in its
 * final shape already; with this method all the work is in shard 0.
 */
import { ComputeInputError } from '../errors.js';

/** Largest x accepted. */
export const PRIME_PI_MAX = 10n ** 15n;

/** A plain, serialisable description of how pi(x) is cut into shards. */
export interface PrimePiPlan {
  readonly x: string;
  readonly shards: number;
}

/** What one shard returns: plain and serialisable. */
export interface PrimePiPartial {
  readonly index: number;
  readonly value: string;
}

function checkX(x: bigint): void {
  if (x < 0n || x > PRIME_PI_MAX) {
    throw new ComputeInputError(`pi(x) needs 0 <= x <= ${PRIME_PI_MAX}, got ${x}`);
  }
}

function lucy(n: number): number {
  if (n < 2) return 0;
  const r = Math.floor(Math.sqrt(n));
  // small[v] = count for v (v <= r), large[k] = count for floor(n / k) (k <= r)
  const small = new Float64Array(r + 1);
  const large = new Float64Array(r + 1);
  for (let v = 1; v <= r; v++) small[v] = v - 1;
  for (let k = 1; k <= r; k++) large[k] = Math.floor(n / k) - 1;
  for (let p = 2; p <= r; p++) {
    if (small[p]! === small[p - 1]!) continue;
    const before = small[p - 1]!;
    const p2 = p * p;
    const kEnd = Math.min(r, Math.floor(n / p2));
    const np = Math.floor(n / p);
    for (let k = 1; k <= kEnd; k++) {
      const kp = k * p;
      const sub = kp <= r ? large[kp]! : small[Math.floor(np / k)]!;
      large[k] = large[k]! - (sub - before);
    }
    for (let v = r; v >= p2; v--) small[v] = small[v]! - (small[Math.floor(v / p)]! - before);
  }
  return large[1]!;
}

export function primePi(x: bigint): bigint {
  checkX(x);
  return BigInt(lucy(Number(x)));
}

/** Rough single-thread time in microseconds, measured on the development machine. */
export function estimatePrimePiMicros(x: bigint): number {
  const n = Number(x);
  if (n < 1e4) return 5;
  return 5 + 0.004 * n ** 0.75;
}

export function planPrimePi(x: bigint, shards: number): PrimePiPlan {
  checkX(x);
  if (!Number.isInteger(shards) || shards < 1) throw new RangeError(`shards must be a positive integer, got ${shards}`);
  return { x: x.toString(), shards };
}

export function runPrimePiShard(plan: PrimePiPlan, index: number): PrimePiPartial {
  if (index !== 0) return { index, value: '0' };
  return { index, value: primePi(BigInt(plan.x)).toString() };
}

export function combinePrimePi(plan: PrimePiPlan, partials: readonly PrimePiPartial[]): bigint {
  if (partials.length !== plan.shards) throw new RangeError(`expected ${plan.shards} partials, got ${partials.length}`);
  return partials.reduce((sum, part) => sum + BigInt(part.value), 0n);
}
