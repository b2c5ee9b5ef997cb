/** How work is cut into shards for the pool: counts and contiguous ranges. */

/** The shard count that keeps every thread busy with some slack for uneven shards. */
export function shardCount(threads: number, items: number, minItemsPerShard: number): number {
  return Math.max(1, Math.min(threads * 2, Math.ceil(items / Math.max(1, minItemsPerShard))));
}

/** Splits [0, length) into `count` contiguous, nearly equal [start, end) ranges. */
export function splitEvenly(length: number, count: number): Array<readonly [number, number]> {
  const ranges: Array<readonly [number, number]> = [];
  const parts = Math.max(1, Math.min(count, length));
  for (let index = 0; index < parts; index += 1) {
    const start = Math.floor((length * index) / parts);
    const end = Math.floor((length * (index + 1)) / parts);
    if (end > start) ranges.push([start, end]);
  }
  return ranges;
}

/** Splits the integer range [from, to] into `count` contiguous, nearly equal ranges. */
export function splitRange(from: bigint, to: bigint, count: number): Array<readonly [bigint, bigint]> {
  const width = to - from + 1n;
  if (width <= 0n) return [];
  const parts = BigInt(Math.max(1, count)) > width ? width : BigInt(Math.max(1, count));
  const pieces: Array<readonly [bigint, bigint]> = [];
  for (let index = 0n; index < parts; index += 1n) {
    const start = from + (width * index) / parts;
    const end = from + (width * (index + 1n)) / parts - 1n;
    if (end >= start) pieces.push([start, end]);
  }
  return pieces;
}
