/**
 * Word-count map kernel: one pass over UTF-8 bytes that finds words, hashes them (FNV-1a
 * over the ASCII-folded bytes) and counts them in an open-addressing table whose keys are
 * byte strings in an arena. The same word definition as src/compute/mapreduce/text.ts: a
 * maximal run of \p{L}\p{M}\p{N}, with an apostrophe (U+0027 or U+2019) inside it when a
 * word character follows.
 *
 * Unicode classes are not compiled in: a bitmap of word code points is filled by the host
 * one 256-code-point page at a time. When the scan meets a code point of a page not yet
 * known it stops before the current word and returns where to resume; the host fills
 * `neededPage()` and calls `scan` again. The word in progress is not counted twice because
 * nothing is recorded until a word is complete.
 *
 * Memory, from the heap base: page-known flags, the word bitmap, the input region (the host
 * copies a chunk there), then the table (slots, key records, arena), laid out per `begin`.
 * Key record (16 bytes): arena offset, byte length | nonAscii << 31, count, FNV-1a hash of the
 * stored (folded) bytes, which the host reuses to pick the key's partition.
 */

const PAGES: u32 = 0x110000 >> 8;
const BITMAP_BYTES: u32 = 0x110000 >> 3;

let known: usize = 0; // u8 per page: 1 when the page's bits are filled
let bits: usize = 0; // 1 bit per code point
let input: usize = 0;
let inputCapacity: usize = 0;
let slots: usize = 0; // u32 per slot: key index + 1, 0 = empty
let slotMask: u32 = 0;
let keys: usize = 0;
let keyCapacity: u32 = 0;
let keyCount: u32 = 0;
let arena: usize = 0;
let arenaCapacity: usize = 0;
let arenaUsed: usize = 0;
let total: u32 = 0;
let needed: i32 = -1;
let foldAscii: bool = true;
let inputLength: u32 = 0;

function ensureMemory(end: usize): void {
  const have = (<usize>memory.size()) << 16;
  if (end > have) {
    const pages = <i32>((end - have + 0xffff) >> 16);
    if (memory.grow(pages) < 0) unreachable();
  }
}

function init(): void {
  if (known != 0) return;
  known = (__heap_base + 63) & ~63;
  bits = (known + PAGES + 63) & ~63;
  input = (bits + BITMAP_BYTES + 63) & ~63;
  ensureMemory(input);
}

export function knownPtr(): usize {
  init();
  return known;
}

export function bitsPtr(): usize {
  init();
  return bits;
}

/** Makes room for `length` input bytes and returns where the host writes them. */
export function inputPtr(length: u32): usize {
  init();
  if (<usize>length > inputCapacity) {
    inputCapacity = (<usize>length + 0xffff) & ~0xffff;
  }
  ensureMemory(input + inputCapacity + 8);
  return input;
}

function allocateTable(slotCount: u32, keyCap: u32, arenaCap: usize): void {
  slots = (input + inputCapacity + 63) & ~63;
  keys = (slots + (<usize>slotCount << 2) + 63) & ~63;
  arena = (keys + (<usize>keyCap << 4) + 63) & ~63;
  ensureMemory(arena + arenaCap + 8);
  slotMask = slotCount - 1;
  keyCapacity = keyCap;
  arenaCapacity = arenaCap;
}

/** Starts counting the `length` bytes at inputPtr(); `fold` lower-cases A-Z. */
export function begin(length: u32, fold: bool): void {
  inputLength = length;
  foldAscii = fold;
  // Start small: the table grows with the distinct words, and a small one stays in cache.
  const keyCap: u32 = 1024;
  allocateTable(keyCap << 1, keyCap, <usize>keyCap << 4);
  memory.fill(slots, 0, <usize>(keyCap << 1) << 2);
  keyCount = 0;
  arenaUsed = 0;
  total = 0;
  needed = -1;
}

export function neededPage(): i32 {
  return needed;
}

export function distinct(): u32 {
  return keyCount;
}

export function totalWords(): u32 {
  return total;
}

export function keysPtr(): usize {
  return keys;
}

export function arenaPtr(): usize {
  return arena;
}

/** 1 word, 0 not, -1 page unknown (recorded in `needed`). */
@inline
function classOf(cp: u32): i32 {
  const page = cp >> 8;
  if (load<u8>(known + page) == 0) {
    needed = <i32>page;
    return -1;
  }
  return (load<u8>(bits + (cp >> 3)) >> (cp & 7)) & 1;
}

@inline
function isAsciiWord(b: u32): bool {
  return b - 0x30 < 10 || (b | 0x20) - 0x61 < 26;
}

/** Code point times 8 plus sequence length at p; malformed or cut sequences read as U+FFFD of length 1. */
@inline
function decode(p: usize, end: usize): u32 {
  const b0 = <u32>load<u8>(p);
  if (b0 >= 0xc0 && b0 < 0xe0 && p + 1 < end) {
    return ((((b0 & 0x1f) << 6) | (<u32>load<u8>(p + 1) & 0x3f)) << 3) | 2;
  }
  if (b0 >= 0xe0 && b0 < 0xf0 && p + 2 < end) {
    return ((((b0 & 0x0f) << 12) | ((<u32>load<u8>(p + 1) & 0x3f) << 6) | (<u32>load<u8>(p + 2) & 0x3f)) << 3) | 3;
  }
  if (b0 >= 0xf0 && p + 3 < end) {
    const cp = ((b0 & 0x07) << 18) | ((<u32>load<u8>(p + 1) & 0x3f) << 12) | ((<u32>load<u8>(p + 2) & 0x3f) << 6) | (<u32>load<u8>(p + 3) & 0x3f);
    return (cp << 3) | 4;
  }
  return (0xfffd << 3) | 1;
}

@inline
function fold(b: u32): u32 {
  return foldAscii && b - 0x41 < 26 ? b + 0x20 : b;
}

/**
 * Scans input[from, length). Returns -1 when done, or the offset to resume from after the
 * host has filled page `neededPage()`.
 */
export function scan(from: u32): i32 {
  const end = input + <usize>inputLength;
  let p = input + <usize>from;
  while (p < end) {
    let b = <u32>load<u8>(p);
    if (b < 0x80) {
      if (!isAsciiWord(b)) {
        p++;
        continue;
      }
    } else {
      const packed = decode(p, end);
      const c = classOf(packed >> 3);
      if (c < 0) return <i32>(p - input);
      if (c == 0) {
        p += packed & 7;
        continue;
      }
    }
    // A word starts at `start`; p walks it. Nothing is recorded until it ends.
    const start = p;
    let h: u32 = 0x811c9dc5;
    let nonAscii: u32 = 0;
    while (p < end) {
      b = <u32>load<u8>(p);
      let n: usize = 1;
      let apostrophe = false;
      if (b < 0x80) {
        if (isAsciiWord(b)) {
          h = (h ^ fold(b)) * 0x01000193;
          p++;
          continue;
        }
        if (b != 0x27) break;
        apostrophe = true;
      } else {
        // Two-byte sequences (Latin accents, Greek, Cyrillic...) take a straight path: no loop over n.
        if (b < 0xe0 && b >= 0xc2 && p + 1 < end) {
          const b1 = <u32>load<u8>(p + 1);
          const c = classOf(((b & 0x1f) << 6) | (b1 & 0x3f));
          if (c < 0) return <i32>(start - input);
          if (c == 0) break;
          h = ((h ^ b) * 0x01000193 ^ b1) * 0x01000193;
          p += 2;
          nonAscii = 1;
          continue;
        }
        const packed = decode(p, end);
        const cp = packed >> 3;
        n = <usize>(packed & 7);
        if (cp == 0x2019) {
          apostrophe = true;
        } else {
          const c = classOf(cp);
          if (c < 0) return <i32>(start - input);
          if (c == 0) break;
          for (let k: usize = 0; k < n; k++) h = (h ^ <u32>load<u8>(p + k)) * 0x01000193;
          p += n;
          nonAscii = 1;
          continue;
        }
      }
      // An apostrophe stays only when a word character follows it.
      const next = p + n;
      if (next >= end || !apostrophe) break;
      const nb = <u32>load<u8>(next);
      if (nb < 0x80) {
        if (!isAsciiWord(nb)) break;
      } else {
        const c = classOf(decode(next, end) >> 3);
        if (c < 0) return <i32>(start - input);
        if (c == 0) break;
      }
      for (let k: usize = 0; k < n; k++) h = (h ^ <u32>load<u8>(p + k)) * 0x01000193;
      if (n > 1) nonAscii = 1;
      p += n;
    }
    add(start, <u32>(p - start), h, nonAscii << 31);
    total++;
  }
  return -1;
}

@inline
function add(start: usize, len: u32, hash: u32, flag: u32): void {
  // Grow first (rarely), so the probe below never has to start over.
  if (keyCount == keyCapacity || arenaUsed + <usize>len + 8 > arenaCapacity) grow(<usize>len + 8);
  let slot = (hash ^ (hash >> 15)) & slotMask;
  while (true) {
    const k = load<u32>(slots + (<usize>slot << 2));
    if (k == 0) break;
    const key = keys + (<usize>(k - 1) << 4);
    if (load<u32>(key + 12) == hash && load<u32>(key + 4) == (len | flag) && sameKey(start, arena + <usize>load<u32>(key), len)) {
      store<u32>(key + 8, load<u32>(key + 8) + 1);
      return;
    }
    slot = (slot + 1) & slotMask;
  }
  // Whole eight-byte words: up to 7 bytes past the key land in the free tail (8 bytes of slack).
  const dst = arena + arenaUsed;
  for (let j: usize = 0; j < <usize>len; j += 8) store<u64>(dst + j, fold8(start + j));
  const key = keys + (<usize>keyCount << 4);
  store<u32>(key, <u32>arenaUsed);
  store<u32>(key + 4, len | flag);
  store<u32>(key + 8, 1);
  store<u32>(key + 12, hash);
  store<u32>(slots + (<usize>slot << 2), keyCount + 1);
  keyCount++;
  arenaUsed += <usize>len;
}

/** Eight bytes at p with A-Z lower-cased (when folding), other bytes unchanged. */
@inline
function fold8(p: usize): u64 {
  const x = load<u64>(p);
  if (!foldAscii) return x;
  const low7 = x & 0x7f7f7f7f7f7f7f7f;
  const atLeastA = low7 + 0x3f3f3f3f3f3f3f3f; // high bit set where the byte's low 7 bits >= 0x41
  const pastZ = low7 + 0x2525252525252525; // high bit set where they are >= 0x5b
  const upper = atLeastA & ~pastZ & ~x & 0x8080808080808080;
  return x | (upper >> 2);
}

/** Whether the folded bytes a[0, len) equal the stored key at b, eight bytes at a time. */
@inline
function sameKey(a: usize, b: usize, len: u32): bool {
  let j: usize = 0;
  const n = <usize>len;
  while (j + 8 <= n) {
    if (fold8(a + j) != load<u64>(b + j)) return false;
    j += 8;
  }
  if (j == n) return true;
  const mask: u64 = (<u64>1 << (<u64>(n - j) << 3)) - 1;
  return ((fold8(a + j) ^ load<u64>(b + j)) & mask) == 0;
}

/** Doubles every region (keys, slots, arena), moving them above the old ones, and rehashes. */
function grow(extra: usize): void {
  const oldKeys = keys;
  const oldArena = arena;
  const count = keyCount;
  const used = arenaUsed;
  const keyCap = keyCapacity << 1;
  let arenaCap = arenaCapacity << 1;
  while (arenaCap < used + extra) arenaCap <<= 1;
  // Place the new regions after everything in use, then copy down.
  const oldTop = arena + arenaCapacity;
  const slotCount = keyCap << 1;
  const newSlots = (oldTop + 63) & ~63;
  const newKeys = (newSlots + (<usize>slotCount << 2) + 63) & ~63;
  const newArena = (newKeys + (<usize>keyCap << 4) + 63) & ~63;
  ensureMemory(newArena + arenaCap + 8);
  memory.copy(newKeys, oldKeys, <usize>count << 4);
  memory.copy(newArena, oldArena, used);
  memory.fill(newSlots, 0, <usize>slotCount << 2);
  slots = newSlots;
  keys = newKeys;
  arena = newArena;
  slotMask = slotCount - 1;
  keyCapacity = keyCap;
  arenaCapacity = arenaCap;
  for (let id: u32 = 0; id < count; id++) {
    const h = load<u32>(keys + (<usize>id << 4) + 12);
    let slot = (h ^ (h >> 15)) & slotMask;
    while (load<u32>(slots + (<usize>slot << 2)) != 0) slot = (slot + 1) & slotMask;
    store<u32>(slots + (<usize>slot << 2), id + 1);
  }
}
