/**
 * Compact records for map outputs and partials: keys as UTF-8 bytes and numbers as
 * unsigned LEB128 varints, back to back in one Uint8Array. Tens of millions of keys as
 * JavaScript strings in arrays cost ~60 bytes each and a structured clone that walks every
 * one; as records they cost their UTF-8 length plus a byte or two, and a clone is a memcpy.
 *
 * UTF-8 byte order is code-point order, so sorted runs compare with `compareBytes` and
 * agree with `compareCodePoints` on the decoded strings. A key's partition comes from
 * FNV-1a over its UTF-8 bytes, mixed, so every thread and process agrees on it.
 */

const SMALL = 2n ** 51n;

/** A growable byte buffer that writes records; `finish()` hands out an exact-size copy. */
export class RecordWriter {
  private buffer: Uint8Array;
  length = 0;
  /** Records written (the caller counts one per key). */
  records = 0;

  constructor(initialBytes = 256) {
    this.buffer = new Uint8Array(Math.max(16, initialBytes));
  }

  private reserve(extra: number): void {
    if (this.length + extra <= this.buffer.length) return;
    let size = this.buffer.length * 2;
    while (size < this.length + extra) size *= 2;
    const bigger = new Uint8Array(size);
    bigger.set(this.buffer.subarray(0, this.length));
    this.buffer = bigger;
  }

  /** A non-negative integer up to 2^53. */
  varint(value: number): void {
    this.reserve(8);
    const buffer = this.buffer;
    let n = value;
    while (n >= 0x80) {
      buffer[this.length++] = (n % 0x80) | 0x80;
      n = Math.floor(n / 0x80);
    }
    buffer[this.length++] = n;
  }

  bytes(source: Uint8Array, start: number, end: number): void {
    const n = end - start;
    this.reserve(n);
    if (n <= 16) for (let j = 0; j < n; j++) this.buffer[this.length + j] = source[start + j]!;
    else this.buffer.set(source.subarray(start, end), this.length);
    this.length += n;
  }

  /**
   * A bigint: zigzag varint times two while |value| < 2^51 (the usual case, no allocation),
   * else an odd varint (hex length, sign) and the hex digits.
   */
  bigint(value: bigint): void {
    if (value > -SMALL && value < SMALL) {
      const n = Number(value);
      this.varint((n >= 0 ? n * 2 : -n * 2 - 1) * 2);
      return;
    }
    const negative = value < 0n;
    const hex = (negative ? -value : value).toString(16);
    this.varint((hex.length * 2 + (negative ? 1 : 0)) * 2 + 1);
    this.reserve(hex.length);
    this.length += Buffer.from(this.buffer.buffer, this.buffer.byteOffset + this.length, hex.length).write(hex, 'latin1');
  }

  /** varint length then the bytes. */
  key(source: Uint8Array, start: number, end: number): void {
    this.varint(end - start);
    this.bytes(source, start, end);
  }

  /** An exact-size copy (a view would drag the whole buffer through a structured clone). */
  finish(): Uint8Array {
    return this.buffer.slice(0, this.length);
  }
}

/** Reads records written by RecordWriter; `pos` is public so callers can remember places. */
export class RecordReader {
  pos = 0;
  constructor(readonly bytes: Uint8Array) {}

  get done(): boolean {
    return this.pos >= this.bytes.length;
  }

  varint(): number {
    const bytes = this.bytes;
    let b = bytes[this.pos++]!;
    if (b < 0x80) return b;
    let value = b & 0x7f;
    let scale = 0x80;
    for (;;) {
      b = bytes[this.pos++]!;
      value += (b & 0x7f) * scale;
      if (b < 0x80) return value;
      scale *= 0x80;
    }
  }

  bigint(): bigint {
    const tag = this.varint();
    if (tag % 2 === 0) {
      const z = tag / 2;
      return BigInt(z % 2 === 0 ? z / 2 : -(z + 1) / 2);
    }
    const meta = (tag - 1) / 2;
    const length = Math.floor(meta / 2);
    const hex = Buffer.from(this.bytes.buffer, this.bytes.byteOffset + this.pos, length).toString('latin1');
    this.pos += length;
    const magnitude = BigInt(`0x${hex}`);
    return meta % 2 === 1 ? -magnitude : magnitude;
  }

  /** Skips a key and returns where its bytes start; its end is `pos` afterwards. */
  key(): number {
    const length = this.varint();
    const start = this.pos;
    this.pos += length;
    return start;
  }
}

/** Code-point order of a[aStart, aEnd) and b[bStart, bEnd): negative, zero or positive. */
export function compareBytes(a: Uint8Array, aStart: number, aEnd: number, b: Uint8Array, bStart: number, bEnd: number): number {
  const n = Math.min(aEnd - aStart, bEnd - bStart);
  for (let j = 0; j < n; j++) {
    const d = a[aStart + j]! - b[bStart + j]!;
    if (d !== 0) return d;
  }
  return aEnd - aStart - (bEnd - bStart);
}

export function sameBytes(a: Uint8Array, aStart: number, b: Uint8Array, bStart: number, length: number): boolean {
  for (let j = 0; j < length; j++) if (a[aStart + j] !== b[bStart + j]) return false;
  return true;
}

/** FNV-1a over bytes[start, end) (the wasm scanner computes the same over its folded keys). */
export function hashBytes(bytes: Uint8Array, start: number, end: number): number {
  let h = 0x811c9dc5;
  for (let j = start; j < end; j++) h = Math.imul(h ^ bytes[j]!, 0x01000193);
  return h;
}

/**
 * The partition of a key from its FNV-1a hash. The murmur3 finaliser decorrelates it from
 * the low bits that hash tables index by, so one partition's keys do not crowd their slots.
 */
export function partitionOfHash(hash: number, partitions: number): number {
  if (partitions === 1) return 0;
  let h = hash;
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return ((h ^ (h >>> 16)) >>> 0) % partitions;
}

const encoder = new TextEncoder();
let scratch = new Uint8Array(1024);

/** UTF-8 of `text` in a reused scratch buffer: valid until the next call. */
export function encodeScratch(text: string): { bytes: Uint8Array; length: number } {
  if (text.length * 3 > scratch.length) scratch = new Uint8Array(text.length * 3);
  const { written } = encoder.encodeInto(text, scratch);
  return { bytes: scratch, length: written };
}

/**
 * The slot table of an open-addressing hash table over key ids 1..size (0 is an empty slot),
 * twice as large as the one it replaces: ids are re-placed by their stored hashes, so no key
 * is hashed again. Shared by the word scanner and the key counter, which probe alike.
 */
export function doubledSlots(hashes: Int32Array, size: number, oldMask: number): { slots: Int32Array; mask: number } {
  const slots = new Int32Array((oldMask + 1) * 2);
  const mask = slots.length - 1;
  for (let id = 0; id < size; id++) {
    const hash = hashes[id]!;
    let slot = (hash ^ (hash >>> 15)) & mask;
    while (slots[slot] !== 0) slot = (slot + 1) & mask;
    slots[slot] = id + 1;
  }
  return { slots, mask };
}
