/**
 * The word-count map phase on WebAssembly (wasm/wordcount.ts): the same words and counts
 * as the JavaScript scanner in word-scan.ts, several times faster. The chunk is copied into
 * the module's memory, scanned, and the distinct keys are decoded once from its arena.
 * Unicode classes come from text.ts (the one definition of a word character): the module
 * asks for a 256-code-point page of its bitmap the first time it meets one.
 */
import { loadWasm } from '../wasm.js';
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

function fillPage(wasm: WordCountExports, page: number): void {
  const memory = new Uint8Array(wasm.memory.buffer);
  const bits = wasm.bitsPtr();
  for (const cp of wordCodePointsInPage(page)) memory[bits + (cp >>> 3)]! |= 1 << (cp & 7);
  memory[wasm.knownPtr() + page] = 1;
}

/** Counts the words of bytes[start, end); see text.ts for what a word is. */
export function scanWordsWasm(bytes: Uint8Array, caseFold: boolean, start = 0, end = bytes.length): WordCounts {
  const wasm = loadWasm<WordCountExports>('wordcount');
  const length = end - start;
  const input = wasm.inputPtr(length);
  new Uint8Array(wasm.memory.buffer, input, length).set(bytes.subarray(start, end));
  wasm.begin(length, caseFold ? 1 : 0);
  for (let from = wasm.scan(0); from >= 0; from = wasm.scan(from)) fillPage(wasm, wasm.neededPage());

  const count = wasm.distinct();
  const keys = new Uint32Array(wasm.memory.buffer, wasm.keysPtr(), count * 4);
  const arenaBytes = count === 0 ? 0 : keys[(count - 1) * 4]! + keys[(count - 1) * 4 + 1]!;
  const text = utf8Decoder.decode(new Uint8Array(wasm.memory.buffer, wasm.arenaPtr(), arenaBytes));
  const words: string[] = new Array<string>(count);
  const counts: number[] = new Array<number>(count);
  let pos = 0;
  let needsMerge = false;
  for (let id = 0; id < count; id++) {
    const packed = keys[id * 4 + 3]!;
    const units = packed & 0x7fffffff;
    let word = text.slice(pos, pos + units);
    pos += units;
    if (caseFold && packed >>> 31 === 1) {
      // Folding a non-ASCII key can land on any other key, ASCII ones included (U+212A K).
      word = word.toLowerCase();
      needsMerge = true;
    }
    words[id] = word;
    counts[id] = keys[id * 4 + 2]!;
  }
  const total = wasm.totalWords();
  if (!needsMerge) return { words, counts, total };
  const merged = new Map<string, number>();
  for (let j = 0; j < count; j++) merged.set(words[j]!, (merged.get(words[j]!) ?? 0) + counts[j]!);
  return { words: [...merged.keys()], counts: [...merged.values()], total };
}
