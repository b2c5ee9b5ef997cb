/**
 * Orderings and bounds shared by the jobs: count descending then key in code-point order
 * (letters; word count ranks byte keys in key-counter.ts), the first N keys in code-point
 * order, and clamping of the callers' bounds.
 */
import { smallestKeys } from './key-counter.js';
import { compareCodePoints } from './text.js';

export interface Counted {
  key: string;
  count: number;
}

export function byCountThenKey(a: Counted, b: Counted): number {
  return b.count - a.count || compareCodePoints(a.key, b.key);
}

/** Clamps an optional caller-validated bound to [0, cap], defaulting to cap. */
export function bound(value: number | undefined, cap: number): number {
  if (value === undefined || !Number.isFinite(value)) return cap;
  return Math.max(0, Math.min(cap, Math.floor(value)));
}

/**
 * The first `limit` of `keys` in code-point order, sorted, and whether any were left out. A
 * bounded heap picks them first, so a chunk of a million distinct words sorts only `limit`.
 */
export function firstInCodePointOrder(keys: string[], limit: number): { first: string[]; truncated: boolean } {
  if (keys.length <= limit) return { first: keys.sort(compareCodePoints), truncated: false };
  const ids = smallestKeys(
    Array.from({ length: keys.length }, (_, j) => j),
    limit,
    (a, b) => compareCodePoints(keys[a]!, keys[b]!),
  );
  return { first: ids.map((j) => keys[j]!).sort(compareCodePoints), truncated: true };
}
