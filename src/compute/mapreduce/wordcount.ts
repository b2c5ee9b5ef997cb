/**
 * wordcount: total words, distinct words and the most frequent ones. The map phase is
 * the WebAssembly byte scanner (word-scan-wasm.ts; word-scan.ts is its plain JavaScript
 * twin, kept as the reference the tests compare it with); reduce merges counts per
 * partition and keeps that partition's top N, which is enough because partitions hold
 * disjoint words.
 */
import { bound, selectTop } from './ranking.js';
import { partitionOf } from './text.js';
import { MAX_TOP_WORDS, type Chunk, type WordCountJob, type WordCountPart, type WordCountResult } from './types.js';
import { scanWordsWasm } from './word-scan-wasm.js';

export function mapWordCount(job: WordCountJob, chunk: Chunk, partitions: number): WordCountPart[] {
  const { words, counts } = scanWordsWasm(chunk.bytes, job.caseFold ?? true);
  const parts: WordCountPart[] = [];
  for (let p = 0; p < partitions; p++) parts.push({ kind: 'wordcount', words: [], counts: [] });
  for (let j = 0; j < words.length; j++) {
    const word = words[j]!;
    const part = parts[partitionOf(word, partitions)]!;
    part.words.push(word);
    part.counts.push(counts[j]!);
  }
  return parts;
}

export function reduceWordCount(job: WordCountJob, parts: readonly WordCountPart[]): WordCountResult {
  const merged = new Map<string, number>();
  let totalWords = 0;
  for (const part of parts) {
    for (let j = 0; j < part.words.length; j++) {
      const word = part.words[j]!;
      const count = part.counts[j]!;
      totalWords += count;
      merged.set(word, (merged.get(word) ?? 0) + count);
    }
  }
  const top = selectTop([...merged.keys()], [...merged.values()], bound(job.top, MAX_TOP_WORDS));
  return { kind: 'wordcount', totalWords, distinctWords: merged.size, top: top.map(({ key, count }) => ({ word: key, count })) };
}

/** Partials must come from disjoint partitions (one per partition). */
export function mergeWordCount(job: WordCountJob, partials: readonly WordCountResult[]): WordCountResult {
  let totalWords = 0;
  let distinctWords = 0;
  const words: string[] = [];
  const counts: number[] = [];
  for (const partial of partials) {
    totalWords += partial.totalWords;
    distinctWords += partial.distinctWords;
    for (const { word, count } of partial.top) {
      words.push(word);
      counts.push(count);
    }
  }
  const top = selectTop(words, counts, bound(job.top, MAX_TOP_WORDS));
  return { kind: 'wordcount', totalWords, distinctWords, top: top.map(({ key, count }) => ({ word: key, count })) };
}
