/**
 * Counts per byte-string key in typed arrays: open addressing over FNV-1a hashes, keys
 * copied into one arena. The reduce side of word count: no JavaScript string or Map entry
 * per key (a V8 Map holds at most 2^24 entries, and ~80 bytes each), about 30 bytes plus
 * the key's own bytes per distinct key.
 *
 * Top-N selection orders by count descending, then key in code-point order (= UTF-8 byte
 * order); it finds the N-th count with a histogram, so it never sorts more than N keys,
 * however many keys tie at that count.
 */
import { compareBytes, doubledSlots, sameBytes } from './packed.js';

export class KeyCounter {
  private mask: number;
  private slots: Int32Array; // key id + 1, 0 = empty
  private hashes: Int32Array;
  offsets: Uint32Array;
  lengths: Uint32Array;
  counts: Float64Array;
  arena: Uint8Array;
  private arenaUsed = 0;
  size = 0;

  constructor(expectedKeys = 1024) {
    let capacity = 16;
    while (capacity < expectedKeys * 1.25) capacity *= 2;
    this.mask = capacity * 2 - 1;
    this.slots = new Int32Array(capacity * 2);
    this.hashes = new Int32Array(capacity);
    this.offsets = new Uint32Array(capacity);
    this.lengths = new Uint32Array(capacity);
    this.counts = new Float64Array(capacity);
    this.arena = new Uint8Array(capacity * 8);
  }

  add(bytes: Uint8Array, start: number, end: number, hash: number, count: number): void {
    const len = end - start;
    let slot = (hash ^ (hash >>> 15)) & this.mask;
    for (;;) {
      const k = this.slots[slot]!;
      if (k === 0) break;
      const id = k - 1;
      if (this.hashes[id] === hash && this.lengths[id] === len && sameBytes(this.arena, this.offsets[id]!, bytes, start, len)) {
        this.counts[id]! += count;
        return;
      }
      slot = (slot + 1) & this.mask;
    }
    const id = this.size;
    if (id === this.hashes.length) this.growKeys();
    if (this.arenaUsed + len > this.arena.length) {
      let size = this.arena.length * 2;
      while (size < this.arenaUsed + len) size *= 2;
      const bigger = new Uint8Array(size);
      bigger.set(this.arena.subarray(0, this.arenaUsed));
      this.arena = bigger;
    }
    if (len <= 16) for (let j = 0; j < len; j++) this.arena[this.arenaUsed + j] = bytes[start + j]!;
    else this.arena.set(bytes.subarray(start, end), this.arenaUsed);
    this.offsets[id] = this.arenaUsed;
    this.lengths[id] = len;
    this.hashes[id] = hash;
    this.counts[id] = count;
    this.arenaUsed += len;
    this.slots[slot] = id + 1;
    this.size++;
    if (this.size * 2 > this.mask) this.rehash();
  }

  private growKeys(): void {
    const n = this.hashes.length * 2;
    const hashes = new Int32Array(n);
    hashes.set(this.hashes);
    this.hashes = hashes;
    const offsets = new Uint32Array(n);
    offsets.set(this.offsets);
    this.offsets = offsets;
    const lengths = new Uint32Array(n);
    lengths.set(this.lengths);
    this.lengths = lengths;
    const counts = new Float64Array(n);
    counts.set(this.counts);
    this.counts = counts;
  }

  private rehash(): void {
    ({ slots: this.slots, mask: this.mask } = doubledSlots(this.hashes, this.size, this.mask));
  }

  /** Code-point order of keys a and b. */
  compareKeys(a: number, b: number): number {
    const oa = this.offsets[a]!;
    const ob = this.offsets[b]!;
    return compareBytes(this.arena, oa, oa + this.lengths[a]!, this.arena, ob, ob + this.lengths[b]!);
  }

  /** Ids of the `limit` first keys by count descending, then key, in that order. */
  top(limit: number): number[] {
    const n = this.size;
    const counts = this.counts;
    const byRank = (a: number, b: number): number => counts[b]! - counts[a]! || this.compareKeys(a, b);
    if (limit <= 0 || n === 0) return [];
    if (n <= limit) {
      const all = Array.from({ length: n }, (_, id) => id);
      return all.sort(byRank);
    }
    const threshold = nthLargest(counts.subarray(0, n), limit);
    const kept: number[] = [];
    const tied: number[] = [];
    for (let id = 0; id < n; id++) {
      const c = counts[id]!;
      if (c > threshold) kept.push(id);
      else if (c === threshold) tied.push(id);
    }
    const need = limit - kept.length;
    for (const id of smallestKeys(tied, need, (a, b) => this.compareKeys(a, b))) kept.push(id);
    return kept.sort(byRank);
  }
}

const HISTOGRAM = 4096;

/** The k-th largest value (1-based) of non-negative integer counts, in linear time. */
export function nthLargest(counts: Float64Array, k: number): number {
  const histogram = new Float64Array(HISTOGRAM);
  const large: number[] = [];
  for (let j = 0; j < counts.length; j++) {
    const c = counts[j]!;
    if (c < HISTOGRAM) histogram[c]!++;
    else large.push(c);
  }
  if (large.length >= k) return large.sort((a, b) => b - a)[k - 1]!;
  let seen = large.length;
  for (let c = HISTOGRAM - 1; c >= 0; c--) {
    seen += histogram[c]!;
    if (seen >= k) return c;
  }
  return 0;
}

/**
 * The `need` smallest of `ids` by `compare`, in no particular order: a bounded max-heap, so
 * millions of tied keys cost one comparison each against the heap's top, not a sort.
 */
export function smallestKeys(ids: readonly number[], need: number, compare: (a: number, b: number) => number): number[] {
  if (need <= 0) return [];
  if (ids.length <= need) return [...ids];
  const heap: number[] = [];
  const up = (i: number): void => {
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (compare(heap[i]!, heap[parent]!) <= 0) return;
      [heap[i], heap[parent]] = [heap[parent]!, heap[i]!];
      i = parent;
    }
  };
  const down = (i: number): void => {
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let big = i;
      if (l < heap.length && compare(heap[l]!, heap[big]!) > 0) big = l;
      if (r < heap.length && compare(heap[r]!, heap[big]!) > 0) big = r;
      if (big === i) return;
      [heap[i], heap[big]] = [heap[big]!, heap[i]!];
      i = big;
    }
  };
  for (const id of ids) {
    if (heap.length < need) {
      heap.push(id);
      up(heap.length - 1);
    } else if (compare(id, heap[0]!) < 0) {
      heap[0] = id;
      down(0);
    }
  }
  return heap;
}
