/**
 * Deterministic ordering for counted keys: count descending, then key in code-point order.
 * Selecting the top N sorts numbers first to find the N-th count, so only the keys at or
 * above that count go through the (slower) string comparison.
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

export function selectTop(keys: readonly string[], counts: readonly number[], limit: number): Counted[] {
  if (limit <= 0 || keys.length === 0) return [];
  let threshold = -Infinity;
  if (keys.length > limit) {
    const sorted = Float64Array.from(counts).sort();
    threshold = sorted[sorted.length - limit]!;
  }
  const kept: Counted[] = [];
  for (let j = 0; j < keys.length; j++) {
    const count = counts[j]!;
    if (count >= threshold) kept.push({ key: keys[j]!, count });
  }
  kept.sort(byCountThenKey);
  if (kept.length > limit) kept.length = limit;
  return kept;
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
