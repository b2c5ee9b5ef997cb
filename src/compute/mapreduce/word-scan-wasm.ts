/**
 * The word-count map phase on WebAssembly (wasm/wordcount.ts): the same words and counts
 * as the JavaScript scanner in word-scan.ts, several times faster. The chunk is copied into
 * the module's memory and scanned; the distinct keys stay there, in the module's arena, for
 * the caller to read (scanWordKeys) or to decode (scanWordsWasm).
 * Unicode classes come from text.ts (the one definition of a word character): the module
 * asks for a 256-code-point page of its bitmap the first time it meets one.
 *
 * Pointers and counts cross the boundary as i32: `>>> 0` reads them as the u32 they are
 * (above 2 GiB of module memory they would otherwise turn negative).
 */
import { loadWasm, releaseWasm } from '../wasm.js';
import { utf8Decoder, wordCodePointsInPage } from './text.js';
import type { WordCounts } from './word-scan.js';

interface WordCountExports extends WebAssembly.Exports {
  memory: WebAssembly.Memory;
  knownPtr(): number;
  bitsPtr(): number;
  inputPtr(length: number): number;
  begin(length: number, fold: number): void;
  scan(from: number): number;
  neededPage(): number;
  distinct(): number;
  totalWords(): number;
  keysPtr(): number;
  arenaPtr(): number;
}

/**
 * Module memory kept between chunks. A chunk is at most a few MiB (and its table a few times
 * that), except one giant word; memory grown beyond this for one is given back after it.
 */
export const WASM_RETAINED_BYTES = 256 * 1024 * 1024;

function fillPage(wasm: WordCountExports, page: number): void {
  const memory = new Uint8Array(wasm.memory.buffer);
  const bits = wasm.bitsPtr() >>> 0;
  for (const cp of wordCodePointsInPage(page)) memory[bits + (cp >>> 3)]! |= 1 << (cp & 7);
  memory[(wasm.knownPtr() >>> 0) + page] = 1;
}

/**
 * The distinct keys of one scan, as the module holds them: valid until the next scan.
 * Key `id` is memory[keyRange(keys, arena, id)) with count keys[4id + 2] and FNV-1a hash
 * keys[4id + 3] (hashBytes of those bytes); isNonAscii says it is not case-folded yet.
 */
export interface WordKeys {
  memory: Uint8Array;
  keys: Uint32Array;
  arena: number;
  count: number;
  total: number;
}

/** Offset arithmetic of a key record, on plain numbers (the tests cover offsets past 2^31). */
export function keyRange(keys: Uint32Array, arena: number, id: number): [start: number, end: number] {
  const start = arena + keys[id * 4]!;
  return [start, start + (keys[id * 4 + 1]! & 0x7fffffff)];
}

export function isNonAscii(keys: Uint32Array, id: number): boolean {
  return keys[id * 4 + 1]! >>> 31 === 1;
}

/** Scans bytes[start, end); see text.ts for what a word is. */
export function scanWordKeys(bytes: Uint8Array, caseFold: boolean, start = 0, end = bytes.length): WordKeys {
  const wasm = loadWasm<WordCountExports>('wordcount');
  const length = end - start;
  const input = wasm.inputPtr(length) >>> 0;
  new Uint8Array(wasm.memory.buffer, input, length).set(bytes.subarray(start, end));
  wasm.begin(length, caseFold ? 1 : 0);
  for (let from = wasm.scan(0); from >= 0; from = wasm.scan(from)) fillPage(wasm, wasm.neededPage());
  const count = wasm.distinct() >>> 0;
  const buffer = wasm.memory.buffer;
  return {
    memory: new Uint8Array(buffer),
    keys: new Uint32Array(buffer, wasm.keysPtr() >>> 0, count * 4),
    arena: wasm.arenaPtr() >>> 0,
    count,
    total: wasm.totalWords() >>> 0,
  };
}

/** Call when done with a scan's keys: gives back memory a giant chunk made the module grow. */
export function releaseWordScanMemory(): void {
  const wasm = loadWasm<WordCountExports>('wordcount');
  if (wasm.memory.buffer.byteLength > WASM_RETAINED_BYTES) releaseWasm('wordcount');
}

/** Counts the words of bytes[start, end) as strings (the tests' and the warm-up's view). */
export function scanWordsWasm(bytes: Uint8Array, caseFold: boolean, start = 0, end = bytes.length): WordCounts {
  const { memory, keys, arena, count, total } = scanWordKeys(bytes, caseFold, start, end);
  const words: string[] = new Array<string>(count);
  const counts: number[] = new Array<number>(count);
  let needsMerge = false;
  for (let id = 0; id < count; id++) {
    const [from, to] = keyRange(keys, arena, id);
    let word = utf8Decoder.decode(memory.subarray(from, to));
    if (caseFold && isNonAscii(keys, id)) {
      // Folding a non-ASCII key can land on any other key, ASCII ones included (U+212A K).
      word = word.toLowerCase();
      needsMerge = true;
    }
    words[id] = word;
    counts[id] = keys[id * 4 + 2]!;
  }
  releaseWordScanMemory();
  if (!needsMerge) return { words, counts, total };
  const merged = new Map<string, number>();
  for (let j = 0; j < count; j++) merged.set(words[j]!, (merged.get(words[j]!) ?? 0) + counts[j]!);
  return { words: [...merged.keys()], counts: [...merged.values()], total };
}
