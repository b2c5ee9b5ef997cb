/**
 * index: inverted index word -> ascending unique document ids.
 *
 * Documents are the entries of the `documents` array (ids 0, 1, ...); for raw text each
 * line is a document whose id is its 1-based line number. Output is bounded: the first
 * maxWords words in code-point order, and per word its smallest maxDocumentsPerWord ids.
 *
 * Each chunk keeps only its own first maxWords words (the global first maxWords are among
 * them: a chunk has no more words before a given one than the whole input has), as sorted
 * runs, one per partition; reduce and combine are k-way merges that stop after maxWords
 * words. So however many distinct words the input has, no step holds more than
 * maxWords x (maxDocumentsPerWord + 1) ids per run. Ids keep one more than the bound so
 * truncation is reported exactly.
 */
import { FINISH_SLICE, type MapReduceJobDefinition } from './job-definition.js';
import { encodeScratch, hashBytes, partitionOfHash, RecordReader, RecordWriter } from './packed.js';
import { bound, firstInCodePointOrder } from './ranking.js';
import { mergeSortedRuns } from './sorted-runs.js';
import { forEachLine, utf8Decoder, WORD_PATTERN } from './text.js';
import {
  MAX_INDEX_DOCUMENTS,
  MAX_INDEX_WORDS,
  checkResultText,
  type Chunk,
  type IndexEntry,
  type IndexJob,
  type IndexResult,
  type IndexRun,
} from './types.js';

function writeIds(writer: RecordWriter, ids: readonly number[]): void {
  writer.varint(ids.length);
  let previous = 0;
  for (const id of ids) {
    writer.varint(id - previous);
    previous = id;
  }
}

function readIds(reader: RecordReader, into: number[]): void {
  const n = reader.varint();
  let id = 0;
  for (let j = 0; j < n; j++) {
    id += reader.varint();
    into.push(id);
  }
}

function mapIndex(job: IndexJob, chunk: Chunk, partitions: number): IndexRun[] {
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
  const { first: words, truncated } = firstInCodePointOrder([...postings.keys()], maxWords);
  const writers = Array.from({ length: partitions }, () => new RecordWriter());
  for (const word of words) {
    const { bytes, length } = encodeScratch(word);
    const writer = writers[partitionOfHash(hashBytes(bytes, 0, length), partitions)]!;
    writer.key(bytes, 0, length);
    writeIds(writer, postings.get(word)!);
    writer.records++;
  }
  return writers.map((writer) => ({ kind: 'index', records: writer.finish(), size: writer.records, truncated }));
}

/** Reduce and combine alike: the first maxWords words of all runs, their id lists united. */
function mergeRuns(job: IndexJob, runs: readonly IndexRun[]): IndexRun {
  const keep = bound(job.maxDocumentsPerWord, MAX_INDEX_DOCUMENTS) + 1;
  const maxWords = bound(job.maxWords, MAX_INDEX_WORDS);
  let truncated = runs.some((run) => run.truncated);
  const writer = new RecordWriter();
  const ids: number[] = [];
  mergeSortedRuns(
    runs.map((run) => run.records),
    (bytes, start, end, cursors) => {
      if (writer.records === maxWords) {
        truncated = true;
        return false;
      }
      ids.length = 0;
      for (const cursor of cursors) readIds(cursor.reader, ids);
      if (cursors.length > 1) {
        ids.sort((a, b) => a - b);
        let unique = 0;
        for (const id of ids) if (unique === 0 || ids[unique - 1] !== id) ids[unique++] = id;
        ids.length = unique;
      }
      if (ids.length > keep) ids.length = keep;
      writer.key(bytes, start, end);
      writeIds(writer, ids);
      writer.records++;
      return true;
    },
  );
  return { kind: 'index', records: writer.finish(), size: writer.records, truncated };
}

function* finishIndex(job: IndexJob, run: IndexRun): Generator<void, IndexResult, undefined> {
  const maxIds = bound(job.maxDocumentsPerWord, MAX_INDEX_DOCUMENTS);
  const reader = new RecordReader(run.records);
  const words: IndexEntry[] = [];
  let textBytes = 0;
  let cells = 0;
  while (!reader.done) {
    const start = reader.key();
    const end = reader.pos;
    textBytes += end - start;
    checkResultText(textBytes, 'the indexed words', 'fewer maxWords');
    const documents: number[] = [];
    readIds(reader, documents);
    const documentsTruncated = documents.length > maxIds;
    if (documentsTruncated) documents.length = maxIds;
    words.push({ word: utf8Decoder.decode(run.records.subarray(start, end)), documents, documentsTruncated });
    cells += documents.length + 1;
    if (cells >= FINISH_SLICE) {
      cells = 0;
      yield;
    }
  }
  return { kind: 'index', words, truncated: run.truncated };
}

export const indexJob: MapReduceJobDefinition<IndexJob, IndexRun, IndexRun, IndexResult> = {
  kind: 'index',
  rate: 15,
  needsLineNumbers: true,
  documentsMatter: true,
  cut: 'words',
  map: mapIndex,
  reduce: mergeRuns,
  mergeParts: mergeRuns,
  combine: mergeRuns,
  finish: finishIndex,
};
