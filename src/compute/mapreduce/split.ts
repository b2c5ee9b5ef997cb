/**
 * Splits the input of a MapReduce job into chunks of whole lines.
 *
 * Cuts fall just after a `\n`, which never occurs inside a UTF-8 sequence, so no chunk
 * starts or ends mid-character. A line longer than `chunkBytes` becomes one chunk, unless
 * the job's `cut` rule allows cutting inside lines: `words` cuts just before a character
 * no word can contain (so a 255 MiB single line is mapped in parallel, in bounded memory),
 * `characters` before any code point. Cut points are looked for within CUT_SEARCH_BYTES of
 * the window's end, so splitting stays cheap on the event loop even over one giant word
 * (which then runs to the end of its line, as one chunk).
 *
 * How chunks travel to workers (structured clone copies the WHOLE buffer under a view,
 * so views of a big ordinary buffer must not be posted):
 * - input backed by a SharedArrayBuffer: chunks are views of it; posting one shares the
 *   memory, nothing is copied;
 * - otherwise (default `share: 'auto'`): each chunk is a copy with its own exact-size
 *   ArrayBuffer, which the caller may put in the transfer list;
 * - documents (`string[]`) are encoded into fresh buffers: a document that fits one chunk
 *   is handed over as is, a longer one is copied piecewise like raw text;
 * - packed documents (`PackedDocuments`: all their UTF-8 in one buffer) are cut like raw
 *   text, document by document, as views when the buffer is shared;
 * - `share: 'view'` forces views (no copy), for single-thread use.
 */
import { isUtf8 } from 'node:buffer';
import { decodeAt, isWordCodePoint } from './text.js';
import { InvalidUtf8Error, type Chunk } from './types.js';

/** Where a job may cut its input: after newlines only, before separators, or anywhere between code points. */
export type CutRule = 'lines' | 'words' | 'characters';

/** How far from a window's end a cut point inside a line is looked for, each way. */
export const CUT_SEARCH_BYTES = 64 * 1024;

export interface SplitOptions {
  share?: 'auto' | 'view';
  /** Count lines so chunks know their first line number (default true; grep, index and sumbykey need it). */
  lineNumbers?: boolean;
  /** The caller has already checked the bytes are UTF-8 (skips a second pass over them). */
  validated?: boolean;
  /** Where lines longer than a chunk may be cut (default 'lines': never). */
  cut?: CutRule;
}

/** The kernels assume valid UTF-8; the caller refuses anything else before splitting. */
export function isValidUtf8(bytes: Uint8Array): boolean {
  return isUtf8(bytes);
}

const encoder = new TextEncoder();

/**
 * Documents as one buffer of their UTF-8 and where each ends: document d is
 * `bytes[ends[d - 1] ?? 0, ends[d])`. A hundred thousand documents are two typed arrays, not
 * a hundred thousand strings: they cross to a thread for the cost of a copy (or none, shared),
 * where an array of strings costs the event loop a deserialisation per document.
 */
export interface PackedDocuments {
  readonly bytes: Uint8Array;
  readonly ends: Uint32Array;
}

/** Text a MapReduce job reads: one upload of UTF-8, or documents. */
export type MapReduceText = Uint8Array | PackedDocuments | readonly string[];

export function isPackedDocuments(input: MapReduceText): input is PackedDocuments {
  return !(input instanceof Uint8Array) && !Array.isArray(input);
}

/** Packs documents; in shared memory from `sharedFrom` bytes on, so shards of them are views. */
export function packDocuments(documents: readonly string[], sharedFrom = 256 * 1024): PackedDocuments {
  // TextEncoder turns lone surrogates into U+FFFD, so documents always encode to valid UTF-8.
  const encoded = documents.map((document) => encoder.encode(document));
  let total = 0;
  const ends = new Uint32Array(encoded.length >= sharedFrom / 4 ? new SharedArrayBuffer(encoded.length * 4) : new ArrayBuffer(encoded.length * 4));
  encoded.forEach((bytes, index) => {
    total += bytes.length;
    ends[index] = total;
  });
  const bytes = new Uint8Array(total >= sharedFrom ? new SharedArrayBuffer(total) : new ArrayBuffer(total));
  let at = 0;
  for (const document of encoded) {
    bytes.set(document, at);
    at += document.length;
  }
  return { bytes, ends };
}

/**
 * Documents as one text, a newline after each: for jobs whose answer does not depend on
 * where documents end (a newline separates words as a document boundary does).
 */
export function joinDocuments(documents: readonly string[], sharedFrom = 256 * 1024): Uint8Array {
  const { bytes, ends } = packDocuments(documents, Number.POSITIVE_INFINITY);
  const joined = new Uint8Array(bytes.length + ends.length >= sharedFrom ? new SharedArrayBuffer(bytes.length + ends.length) : new ArrayBuffer(bytes.length + ends.length));
  let from = 0;
  for (let d = 0; d < ends.length; d++) {
    const end = ends[d] as number;
    joined.set(bytes.subarray(from, end), from + d);
    joined[end + d] = 10;
    from = end;
  }
  return joined;
}

/** Documents [from, to) of a pack, cut into chunks as `splitInput` would cut them. */
export function splitDocuments(packed: PackedDocuments, from: number, to: number, chunkBytes: number, options: SplitOptions = {}): Chunk[] {
  const size = Math.max(1, Math.floor(chunkBytes));
  const chunks: Chunk[] = [];
  const share = options.share === 'view' || packed.bytes.buffer instanceof SharedArrayBuffer;
  for (let d = from; d < to; d++) {
    const bytes = packed.bytes.subarray(d === 0 ? 0 : (packed.ends[d - 1] as number), packed.ends[d] as number);
    splitDocument(bytes, d, 'documents', size, share, options.lineNumbers ?? true, options.cut ?? 'lines', chunks);
  }
  return chunks;
}

export function splitInput(input: MapReduceText, chunkBytes: number, options: SplitOptions = {}): Chunk[] {
  if (isPackedDocuments(input)) return splitDocuments(input, 0, input.ends.length, chunkBytes, options);
  const size = Math.max(1, Math.floor(chunkBytes));
  const chunks: Chunk[] = [];
  if (input instanceof Uint8Array) {
    if (options.validated !== true && !isUtf8(input)) throw new InvalidUtf8Error('input is not valid UTF-8');
    const share = options.share === 'view' || input.buffer instanceof SharedArrayBuffer;
    splitDocument(input, 0, 'text', size, share, options.lineNumbers ?? true, options.cut ?? 'lines', chunks);
  } else {
    for (let d = 0; d < input.length; d++) {
      // TextEncoder turns lone surrogates into U+FFFD, so documents always encode to valid UTF-8.
      const bytes = encoder.encode(input[d]!);
      splitDocument(bytes, d, 'documents', size, options.share === 'view', options.lineNumbers ?? true, options.cut ?? 'lines', chunks);
    }
  }
  return chunks;
}

/** Where the chunks of one document end, and the number of each one's first line (0 when not counted). */
export interface ChunkBounds {
  ends: number[];
  firstLines: number[];
}

/**
 * The chunk boundaries of `bytes`. Every search is bounded by the window or by the line
 * being cut, so the whole pass is linear in the input (a 255 MiB single line included).
 */
export function chunkBounds(bytes: Uint8Array, chunkBytes: number, lineNumbers: boolean, cut: CutRule): ChunkBounds {
  const size = Math.max(1, Math.floor(chunkBytes));
  const ends: number[] = [];
  const firstLines: number[] = [];
  // Buffer's searches are memchr, ten times faster than a typed array's (on shared memory too).
  const view = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let start = 0;
  let line = lineNumbers ? 1 : 0;
  while (start < bytes.length) {
    let end = start + size;
    if (end >= bytes.length) {
      end = bytes.length;
    } else {
      // Cut after the last newline inside the window, or inside the line, or after its end.
      const before = view.subarray(start, end).lastIndexOf(10);
      if (before >= 0) end = start + before + 1;
      else if (cut !== 'lines') end = cutInsideLine(bytes, view, start, end, cut);
      else {
        const after = view.indexOf(10, end);
        end = after === -1 ? bytes.length : after + 1;
      }
    }
    ends.push(end);
    firstLines.push(line);
    if (lineNumbers) line += countNewlines(bytes, start, end);
    start = end;
  }
  return { ends, firstLines };
}

function splitDocument(
  bytes: Uint8Array,
  document: number,
  source: Chunk['source'],
  size: number,
  share: boolean,
  lineNumbers: boolean,
  cut: CutRule,
  out: Chunk[],
): void {
  const { ends, firstLines } = chunkBounds(bytes, size, lineNumbers, cut);
  let start = 0;
  ends.forEach((end, k) => {
    const whole = start === 0 && end === bytes.length && bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength;
    // Uint8Array's own slice: a Node Buffer's slice() is a view, which could not be transferred alone.
    const piece = share || (whole && source === 'documents') ? bytes.subarray(start, end) : Uint8Array.prototype.slice.call(bytes, start, end);
    out.push({ document, source, bytes: piece, byteOffset: start, firstLine: firstLines[k]! });
    start = end;
  });
}

/** Chunks of raw text in shared memory from bounds found elsewhere (a pool thread): views, no copy. */
export function chunksFromBounds(bytes: Uint8Array, bounds: ChunkBounds): Chunk[] {
  let start = 0;
  return bounds.ends.map((end, k) => {
    const chunk: Chunk = { document: 0, source: 'text', bytes: bytes.subarray(start, end), byteOffset: start, firstLine: bounds.firstLines[k]! };
    start = end;
    return chunk;
  });
}

/** Whether a chunk may end just before bytes[at]: no word (or character) spans that point. */
export function isCutPoint(bytes: Uint8Array, at: number, rule: Exclude<CutRule, 'lines'>): boolean {
  const b = bytes[at]!;
  if ((b & 0xc0) === 0x80) return false;
  if (rule === 'characters') return true;
  if (b < 0x80) return !(b === 0x27 || (b >= 0x30 && b <= 0x39) || ((b | 0x20) >= 0x61 && (b | 0x20) <= 0x7a));
  const cp = decodeAt(bytes, at, bytes.length) >>> 3;
  return cp !== 0x2019 && !isWordCodePoint(cp);
}

/**
 * A cut in (start, line end) near `end`, in a line longer than the window: the last cut
 * point before `end` within CUT_SEARCH_BYTES, else the first after it within as much (a
 * newline is one), else just after the line's end.
 */
function cutInsideLine(bytes: Uint8Array, view: Buffer, start: number, end: number, rule: Exclude<CutRule, 'lines'>): number {
  for (let at = end, stop = Math.max(start + 1, end - CUT_SEARCH_BYTES); at >= stop; at--) if (isCutPoint(bytes, at, rule)) return at;
  for (let at = end + 1, stop = Math.min(bytes.length, end + CUT_SEARCH_BYTES); at < stop; at++) if (isCutPoint(bytes, at, rule)) return at;
  const after = view.indexOf(10, end);
  return after === -1 ? bytes.length : after + 1;
}

const countScratch = new Uint8Array(64 * 1024);

/**
 * A plain loop over a cache-sized copy: indexOf per newline costs ~20 ns a call (four times
 * this over dense short lines), and a loop reading shared memory directly six times as much.
 */
function countNewlines(bytes: Uint8Array, start: number, end: number): number {
  let n = 0;
  for (let from = start; from < end; from += countScratch.length) {
    const length = Math.min(countScratch.length, end - from);
    countScratch.set(bytes.subarray(from, from + length));
    for (let i = 0; i < length; i++) if (countScratch[i] === 10) n++;
  }
  return n;
}
/**
 * Byte offset of the first byte that breaks UTF-8 (bad lead byte, missing or stray
 * continuation, overlong form, surrogate, above U+10FFFF, truncated end), or -1. Only the
 * error path calls it, to tell the client where to look.
 */
export function firstInvalidUtf8(bytes: Uint8Array): number {
  let i = 0;
  const n = bytes.length;
  while (i < n) {
    const b = bytes[i]!;
    if (b < 0x80) {
      i++;
      continue;
    }
    let need: number;
    let min: number;
    if (b >= 0xc2 && b <= 0xdf) [need, min] = [1, 0x80];
    else if (b >= 0xe0 && b <= 0xef) [need, min] = [2, 0x800];
    else if (b >= 0xf0 && b <= 0xf4) [need, min] = [3, 0x10000];
    else return i;
    let cp = b & (need === 1 ? 0x1f : need === 2 ? 0x0f : 0x07);
    for (let k = 1; k <= need; k++) {
      const c = bytes[i + k];
      if (c === undefined || (c & 0xc0) !== 0x80) return i;
      cp = (cp << 6) | (c & 0x3f);
    }
    if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return i;
    i += need + 1;
  }
  return -1;
}
