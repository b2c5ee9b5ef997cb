/**
 * wordcount: total words, distinct words and the most frequent ones.
 *
 * Map is the WebAssembly byte scanner (word-scan-wasm.ts; word-scan.ts is its plain
 * JavaScript twin, kept as the reference the tests compare it with); its distinct keys go
 * straight from the module's arena into one record buffer per partition, never becoming
 * strings. Reduce counts a partition's records in a KeyCounter and keeps that partition's
 * top N as ranked records, which is enough because partitions hold disjoint words; combine
 * merges ranked lists; finish decodes the N words that are returned.
 */
import { FINISH_SLICE, type MapReduceJobDefinition } from './job-definition.js';
import { KeyCounter } from './key-counter.js';
import { compareBytes, encodeScratch, hashBytes, partitionOfHash, RecordReader, RecordWriter } from './packed.js';
import { bound } from './ranking.js';
import { utf8Decoder } from './text.js';
import {
  checkResultText,
  MAX_TOP_WORDS,
  type Chunk,
  type WordCount,
  type WordCountJob,
  type WordCountPart,
  type WordCountPartial,
  type WordCountResult,
} from './types.js';
import { isNonAscii, keyRange, releaseWordScanMemory, scanWordKeys } from './word-scan-wasm.js';

function mapWordCount(job: WordCountJob, chunk: Chunk, partitions: number): WordCountPart[] {
  const caseFold = job.caseFold ?? true;
  const { memory, keys, arena, count } = scanWordKeys(chunk.bytes, caseFold);
  const writers: RecordWriter[] = [];
  // Records take about the keys' bytes plus two: sized so most writers never grow.
  const keyBytes = count === 0 ? 0 : keyRange(keys, arena, count - 1)[1] - arena;
  const initial = Math.max(64, Math.ceil(((keyBytes + 3 * count) * 1.2) / partitions));
  for (let p = 0; p < partitions; p++) writers.push(new RecordWriter(initial));
  for (let id = 0; id < count; id++) {
    let [start, end] = keyRange(keys, arena, id);
    let bytes = memory;
    let hash = keys[id * 4 + 3]!;
    if (caseFold && isNonAscii(keys, id)) {
      // The scanner folds A-Z only; other letters fold here, and may land on another key
      // (U+212A KELVIN SIGN -> k): reduce merges such duplicates.
      const folded = encodeScratch(utf8Decoder.decode(memory.subarray(start, end)).toLowerCase());
      bytes = folded.bytes;
      start = 0;
      end = folded.length;
      hash = hashBytes(bytes, start, end);
    }
    const writer = writers[partitionOfHash(hash, partitions)]!;
    writer.key(bytes, start, end);
    writer.varint(keys[id * 4 + 2]!);
    writer.records++;
  }
  releaseWordScanMemory();
  return writers.map((writer) => ({ kind: 'wordcount', records: writer.finish(), size: writer.records }));
}

function reduceWordCount(job: WordCountJob, parts: readonly WordCountPart[]): WordCountPartial {
  // Sized for the sum of the parts (their distinct keys at most): no rehash while counting.
  let expected = 0;
  for (const part of parts) expected += part.size;
  const counter = new KeyCounter(Math.min(expected, 1 << 24));
  let totalWords = 0;
  for (const part of parts) {
    const reader = new RecordReader(part.records);
    const bytes = part.records;
    while (!reader.done) {
      const start = reader.key();
      const end = reader.pos;
      const n = reader.varint();
      totalWords += n;
      counter.add(bytes, start, end, hashBytes(bytes, start, end), n);
    }
  }
  const writer = new RecordWriter();
  const ids = counter.top(bound(job.top, MAX_TOP_WORDS));
  for (const id of ids) {
    const offset = counter.offsets[id]!;
    writer.key(counter.arena, offset, offset + counter.lengths[id]!);
    writer.varint(counter.counts[id]!);
  }
  return { kind: 'wordcount', totalWords, distinctWords: counter.size, top: writer.finish(), topSize: ids.length };
}

/**
 * Merges ranked (count desc, key asc) record lists of disjoint keys, keeping the first
 * `limit`: in pairs, then pairs of pairs, so no item is copied more than log2(lists) times.
 */
function mergeRanked(lists: readonly Uint8Array[], limit: number): { records: Uint8Array; size: number } {
  if (lists.length === 0) return { records: new Uint8Array(0), size: 0 };
  if (lists.length === 1) return cutRanked(lists[0]!, limit);
  let level = [...lists];
  let size = 0;
  while (level.length > 1) {
    const next: Uint8Array[] = [];
    for (let j = 0; j + 1 < level.length; j += 2) {
      const merged = mergeTwoRanked(level[j]!, level[j + 1]!, limit);
      next.push(merged.records);
      size = merged.size;
    }
    if (level.length % 2 === 1) next.push(level[level.length - 1]!);
    level = next;
  }
  return { records: level[0]!, size };
}

/** The first `limit` records of one ranked list. */
function cutRanked(records: Uint8Array, limit: number): { records: Uint8Array; size: number } {
  const reader = new RecordReader(records);
  let n = 0;
  while (!reader.done && n < limit) {
    reader.key();
    reader.varint();
    n++;
  }
  return { records: reader.done ? records : records.slice(0, reader.pos), size: n };
}

function mergeTwoRanked(first: Uint8Array, second: Uint8Array, limit: number): { records: Uint8Array; size: number } {
  const a = new RecordReader(first);
  const b = new RecordReader(second);
  const writer = new RecordWriter(first.length + second.length);
  let size = 0;
  let ka = a.done ? -1 : a.key();
  let ea = a.pos;
  let ca = ka < 0 ? 0 : a.varint();
  let kb = b.done ? -1 : b.key();
  let eb = b.pos;
  let cb = kb < 0 ? 0 : b.varint();
  while (size < limit && (ka >= 0 || kb >= 0)) {
    const takeA = kb < 0 || (ka >= 0 && (ca > cb || (ca === cb && compareBytes(a.bytes, ka, ea, b.bytes, kb, eb) < 0)));
    if (takeA) {
      writer.key(a.bytes, ka, ea);
      writer.varint(ca);
      ka = a.done ? -1 : a.key();
      ea = a.pos;
      ca = ka < 0 ? 0 : a.varint();
    } else {
      writer.key(b.bytes, kb, eb);
      writer.varint(cb);
      kb = b.done ? -1 : b.key();
      eb = b.pos;
      cb = kb < 0 ? 0 : b.varint();
    }
    size++;
  }
  return { records: writer.finish(), size };
}

function combineWordCount(job: WordCountJob, partials: readonly WordCountPartial[]): WordCountPartial {
  let totalWords = 0;
  let distinctWords = 0;
  for (const partial of partials) {
    totalWords += partial.totalWords;
    distinctWords += partial.distinctWords;
  }
  const { records, size } = mergeRanked(
    partials.map((partial) => partial.top),
    bound(job.top, MAX_TOP_WORDS),
  );
  return { kind: 'wordcount', totalWords, distinctWords, top: records, topSize: size };
}

function* finishWordCount(_job: WordCountJob, partial: WordCountPartial): Generator<void, WordCountResult, undefined> {
  const top: WordCount[] = [];
  const reader = new RecordReader(partial.top);
  let textBytes = 0;
  while (!reader.done) {
    const start = reader.key();
    const end = reader.pos;
    textBytes += end - start;
    checkResultText(textBytes, 'the most frequent words', 'a smaller top');
    top.push({ word: utf8Decoder.decode(partial.top.subarray(start, end)), count: reader.varint() });
    if (top.length % FINISH_SLICE === 0) yield;
  }
  return { kind: 'wordcount', totalWords: partial.totalWords, distinctWords: partial.distinctWords, top };
}

export const wordCountJob: MapReduceJobDefinition<WordCountJob, WordCountPart, WordCountPartial, WordCountResult> = {
  kind: 'wordcount',
  rate: 60,
  needsLineNumbers: false,
  documentsMatter: false,
  cut: 'words',
  map: mapWordCount,
  reduce: reduceWordCount,
  combine: combineWordCount,
  finish: finishWordCount,
};
