/**
 * index: inverted index word -> ascending unique document ids.
 *
 * Documents are the entries of the `documents` array (ids 0, 1, ...); for raw text each
 * line is a document whose id is its 1-based line number. Output is bounded: the first
 * maxWords words in code-point order, and per word its smallest maxDocumentsPerWord ids.
 * Map and reduce keep one id more than the bound so truncation can be reported exactly,
 * and each partition keeps only its first maxWords words (the global first maxWords are
 * among the union of those).
 */
import { bound } from './ranking.js';
import { compareCodePoints, forEachLine, partitionOf, utf8Decoder, WORD_PATTERN } from './text.js';
import {
  MAX_INDEX_DOCUMENTS,
  MAX_INDEX_WORDS,
  type Chunk,
  type IndexEntry,
  type IndexJob,
  type IndexPart,
  type IndexResult,
} from './types.js';

export function mapIndex(job: IndexJob, chunk: Chunk, partitions: number): IndexPart[] {
  const fold = job.caseFold ?? true;
  const keep = bound(job.maxDocumentsPerWord, MAX_INDEX_DOCUMENTS) + 1;
  const maxWords = bound(job.maxWords, MAX_INDEX_WORDS);
  const postings = new Map<string, number[]>();
  const addWords = (text: string, id: number): void => {
    for (const match of text.match(WORD_PATTERN) ?? []) {
      const word = fold ? match.toLowerCase() : match;
      const ids = postings.get(word);
      if (ids === undefined) postings.set(word, [id]);
      else if (ids[ids.length - 1] !== id && ids.length < keep) ids.push(id);
    }
  };
  const text = utf8Decoder.decode(chunk.bytes);
  if (chunk.source === 'text') {
    if (chunk.firstLine === 0 && text.length > 0) throw new Error('index over raw text needs chunks split with line numbers');
    forEachLine(text, chunk.firstLine, (line, id) => addWords(line, id));
  } else {
    addWords(text, chunk.document);
  }
  const buckets: { words: string[]; documents: number[][] }[] = [];
  for (let p = 0; p < partitions; p++) buckets.push({ words: [], documents: [] });
  for (const [word, ids] of postings) {
    const bucket = buckets[partitionOf(word, partitions)]!;
    bucket.words.push(word);
    bucket.documents.push(ids);
  }
  return buckets.map(({ words, documents }) => {
    const order = words.map((_, j) => j).sort((a, b) => compareCodePoints(words[a]!, words[b]!));
    const truncated = order.length > maxWords;
    if (truncated) order.length = maxWords;
    return { kind: 'index', words: order.map((j) => words[j]!), documents: order.map((j) => documents[j]!), truncated };
  });
}

/** Merges ascending unique id lists into one, keeping at most `keep` ids. */
function unionIds(lists: readonly number[][], keep: number): number[] {
  if (lists.length === 1) return lists[0]!.slice(0, keep);
  const all = lists.flat().sort((a, b) => a - b);
  const out: number[] = [];
  for (const id of all) {
    if (out.length === keep) break;
    if (out[out.length - 1] !== id) out.push(id);
  }
  return out;
}

export function reduceIndex(job: IndexJob, parts: readonly IndexPart[]): IndexResult {
  const maxIds = bound(job.maxDocumentsPerWord, MAX_INDEX_DOCUMENTS);
  const maxWords = bound(job.maxWords, MAX_INDEX_WORDS);
  const lists = new Map<string, number[][]>();
  let truncated = false;
  for (const part of parts) {
    truncated ||= part.truncated;
    for (let j = 0; j < part.words.length; j++) {
      const word = part.words[j]!;
      const found = lists.get(word);
      if (found === undefined) lists.set(word, [part.documents[j]!]);
      else found.push(part.documents[j]!);
    }
  }
  const words = [...lists.keys()].sort(compareCodePoints);
  if (words.length > maxWords) {
    truncated = true;
    words.length = maxWords;
  }
  const entries: IndexEntry[] = words.map((word) => {
    const ids = unionIds(lists.get(word)!, maxIds + 1);
    const documentsTruncated = ids.length > maxIds;
    if (documentsTruncated) ids.length = maxIds;
    return { word, documents: ids, documentsTruncated };
  });
  return { kind: 'index', words: entries, truncated };
}

/** Partials must come from disjoint partitions (one per partition). */
export function mergeIndex(job: IndexJob, partials: readonly IndexResult[]): IndexResult {
  const maxWords = bound(job.maxWords, MAX_INDEX_WORDS);
  const entries = partials.flatMap((partial) => partial.words).sort((a, b) => compareCodePoints(a.word, b.word));
  let truncated = partials.some((partial) => partial.truncated);
  if (entries.length > maxWords) {
    truncated = true;
    entries.length = maxWords;
  }
  return { kind: 'index', words: entries, truncated };
}
