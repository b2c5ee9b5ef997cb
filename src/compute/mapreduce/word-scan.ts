/**
 * The word-count hot path: one pass over UTF-8 bytes that finds words (see text.ts for
 * the definition), hashes them while scanning and counts them in an open-addressing
 * table keyed by byte strings. Strings are decoded once per distinct key, at the end.
 *
 * ASCII bytes are classified by a 256-entry table (which also folds A-Z when asked);
 * only non-ASCII code points are decoded and classified, through the cache in text.ts.
 * Non-ASCII letters are folded after decoding, with `toLowerCase()` on the whole word,
 * which is why two different byte keys ("École", "école") may merge into one word there.
 */
import { decodeAt, isWordCodePoint, utf8Decoder } from './text.js';
import { doubledSlots } from './packed.js';

const SEPARATOR = 0;
const APOSTROPHE = 1;
const NON_ASCII = 2;

/** Per byte: SEPARATOR, APOSTROPHE, NON_ASCII, or the (folded) byte itself for [0-9A-Za-z]. */
function classTable(fold: boolean): Uint8Array {
  const table = new Uint8Array(256);
  for (let b = 0x80; b < 256; b++) table[b] = NON_ASCII;
  table[0x27] = APOSTROPHE;
  for (let b = 0x30; b <= 0x39; b++) table[b] = b;
  for (let b = 0x61; b <= 0x7a; b++) table[b] = b;
  for (let b = 0x41; b <= 0x5a; b++) table[b] = fold ? b + 0x20 : b;
  return table;
}

const FOLDING = classTable(true);
const PLAIN = classTable(false);

export interface WordCounts {
  words: string[];
  counts: number[];
  total: number;
}

/** Counts the words of bytes[start, end). */
export function scanWords(bytes: Uint8Array, caseFold: boolean, start = 0, end = bytes.length): WordCounts {
  const table = new ByteKeyTable(Math.max(1024, Math.min(1 << 16, (end - start) >>> 6)));
  const cls = caseFold ? FOLDING : PLAIN;
  let total = 0;
  let scratch = new Uint8Array(256);
  let i = start;
  while (i < end) {
    let c = cls[bytes[i]!]!;
    if (c <= APOSTROPHE) {
      i++;
      continue;
    }
    let n = 1;
    if (c === NON_ASCII) {
      const packed = decodeAt(bytes, i, end);
      n = packed & 7;
      if (!isWordCodePoint(packed >>> 3)) {
        i += n;
        continue;
      }
    }
    // Inside a word: copy its (ASCII-folded) bytes to scratch and hash them as we go.
    let len = 0;
    let h = 0x811c9dc5;
    let nonAscii = false;
    for (;;) {
      if (len + 8 > scratch.length) {
        const bigger = new Uint8Array(scratch.length * 2);
        bigger.set(scratch);
        scratch = bigger;
      }
      if (c > NON_ASCII) {
        scratch[len++] = c;
        h = Math.imul(h ^ c, 0x01000193);
        i++;
      } else {
        nonAscii = true;
        for (let k = 0; k < n; k++) {
          const b = bytes[i + k]!;
          scratch[len++] = b;
          h = Math.imul(h ^ b, 0x01000193);
        }
        i += n;
      }
      if (i >= end) break;
      c = cls[bytes[i]!]!;
      if (c > NON_ASCII) continue;
      if (c === SEPARATOR) break;
      let cp: number;
      if (c === NON_ASCII) {
        const packed = decodeAt(bytes, i, end);
        cp = packed >>> 3;
        n = packed & 7;
        if (cp !== 0x2019) {
          if (isWordCodePoint(cp)) continue;
          break;
        }
      } else {
        n = 1;
      }
      // An apostrophe (U+0027 or U+2019) stays in the word only if a word character follows.
      const next = i + n;
      if (next >= end) break;
      const cn = cls[bytes[next]!]!;
      if (cn === NON_ASCII) {
        if (!isWordCodePoint(decodeAt(bytes, next, end) >>> 3)) break;
      } else if (cn <= APOSTROPHE) {
        break;
      }
      // Take the apostrophe as n raw bytes now; the loop takes the next character.
      if (n === 1) {
        scratch[len++] = 0x27;
        h = Math.imul(h ^ 0x27, 0x01000193);
        i++;
        c = cn;
        n = 1;
        if (c === NON_ASCII) n = decodeAt(bytes, i, end) & 7;
      } else {
        nonAscii = true;
        for (let k = 0; k < 3; k++) {
          const b = bytes[i + k]!;
          scratch[len++] = b;
          h = Math.imul(h ^ b, 0x01000193);
        }
        i += 3;
        c = cn;
        n = 1;
        if (c === NON_ASCII) n = decodeAt(bytes, i, end) & 7;
      }
    }
    table.add(scratch, len, h, nonAscii);
    total++;
  }
  return table.toCounts(caseFold, total);
}

/** Open addressing with linear probing over byte-string keys stored in one arena. */
class ByteKeyTable {
  private mask: number;
  private slots: Int32Array; // key index + 1, 0 = empty
  private hashes: Int32Array; // per key
  private offsets: Int32Array;
  private lengths: Int32Array;
  private utf16: Int32Array; // per key: its length once decoded
  private flags: Uint8Array; // per key: 1 if it holds non-ASCII bytes
  private counts: Float64Array;
  private arena: Uint8Array;
  private arenaUsed = 0;
  private size = 0;

  constructor(capacity: number) {
    let slots = 1;
    while (slots < capacity * 2) slots <<= 1;
    this.mask = slots - 1;
    this.slots = new Int32Array(slots);
    this.hashes = new Int32Array(capacity);
    this.offsets = new Int32Array(capacity);
    this.lengths = new Int32Array(capacity);
    this.utf16 = new Int32Array(capacity);
    this.flags = new Uint8Array(capacity);
    this.counts = new Float64Array(capacity);
    this.arena = new Uint8Array(capacity * 8);
  }

  add(key: Uint8Array, len: number, hash: number, nonAscii: boolean): void {
    const h = hash ^ (hash >>> 15);
    let slot = h & this.mask;
    for (;;) {
      const k = this.slots[slot]!;
      if (k === 0) break;
      const id = k - 1;
      if (this.hashes[id] === hash && this.lengths[id] === len && this.sameBytes(id, key, len)) {
        this.counts[id]!++;
        return;
      }
      slot = (slot + 1) & this.mask;
    }
    const id = this.size;
    if (id === this.hashes.length) this.growKeys();
    if (this.arenaUsed + len > this.arena.length) {
      const bigger = new Uint8Array(Math.max(this.arena.length * 2, this.arenaUsed + len));
      bigger.set(this.arena.subarray(0, this.arenaUsed));
      this.arena = bigger;
    }
    this.arena.set(key.subarray(0, len), this.arenaUsed);
    this.offsets[id] = this.arenaUsed;
    this.lengths[id] = len;
    this.hashes[id] = hash;
    this.counts[id] = 1;
    this.flags[id] = nonAscii ? 1 : 0;
    this.utf16[id] = nonAscii ? utf16Length(key, len) : len;
    this.arenaUsed += len;
    this.slots[slot] = id + 1;
    this.size++;
    if (this.size * 2 > this.mask) this.rehash();
  }

  private sameBytes(id: number, key: Uint8Array, len: number): boolean {
    const arena = this.arena;
    const off = this.offsets[id]!;
    for (let j = 0; j < len; j++) if (arena[off + j] !== key[j]) return false;
    return true;
  }

  private growKeys(): void {
    const n = this.hashes.length * 2;
    const grow = <T extends Int32Array | Float64Array | Uint8Array>(a: T, make: (n: number) => T): T => {
      const b = make(n);
      b.set(a as ArrayLike<number> & T);
      return b;
    };
    this.hashes = grow(this.hashes, (m) => new Int32Array(m));
    this.offsets = grow(this.offsets, (m) => new Int32Array(m));
    this.lengths = grow(this.lengths, (m) => new Int32Array(m));
    this.utf16 = grow(this.utf16, (m) => new Int32Array(m));
    this.flags = grow(this.flags, (m) => new Uint8Array(m));
    this.counts = grow(this.counts, (m) => new Float64Array(m));
  }

  private rehash(): void {
    ({ slots: this.slots, mask: this.mask } = doubledSlots(this.hashes, this.size, this.mask));
  }

  /** Decodes the arena once and slices each key out of it; folds non-ASCII keys. */
  toCounts(caseFold: boolean, total: number): WordCounts {
    const text = utf8Decoder.decode(this.arena.subarray(0, this.arenaUsed));
    const merged = new Map<string, number>();
    const words: string[] = [];
    const counts: number[] = [];
    let pos = 0;
    let needsMerge = false;
    for (let id = 0; id < this.size; id++) {
      const n = this.utf16[id]!;
      let word = text.slice(pos, pos + n);
      pos += n;
      if (caseFold && this.flags[id] === 1) {
        // Folding a non-ASCII key can land on any other key, ASCII ones included (U+212A K).
        word = word.toLowerCase();
        needsMerge = true;
      }
      words.push(word);
      counts.push(this.counts[id]!);
    }
    if (!needsMerge) return { words, counts, total };
    for (let j = 0; j < words.length; j++) {
      const w = words[j]!;
      merged.set(w, (merged.get(w) ?? 0) + counts[j]!);
    }
    return { words: [...merged.keys()], counts: [...merged.values()], total };
  }
}

function utf16Length(bytes: Uint8Array, len: number): number {
  let n = 0;
  for (let j = 0; j < len; j++) {
    const b = bytes[j]!;
    if ((b & 0xc0) !== 0x80) n += b >= 0xf0 ? 2 : 1;
  }
  return n;
}
