/**
 * Shared shapes of the MapReduce engine: job specs, chunks, per-partition map output,
 * reduce partials and final results. Everything here is plain data (numbers, strings,
 * bigints, arrays, typed arrays) so it survives structured clone between threads.
 *
 * Lines are numbered from 1 (like `grep -n`), documents from 0 (their index in the
 * `documents` array; raw text is document 0).
 */
import { ResultTooLargeError } from '../errors.js';

/** Options are validated by the caller (HTTP layer); kernels only apply defaults and caps. */
export interface WordCountJob {
  kind: 'wordcount';
  /** Lower-case every word with `String.prototype.toLowerCase()` (default true). */
  caseFold?: boolean;
  /** How many of the most frequent words to return (default and cap: MAX_TOP_WORDS). */
  top?: number;
}

export interface LettersJob {
  kind: 'letters';
  /** Lower-case each letter on its own with `toLowerCase()` (default true). */
  caseFold?: boolean;
}

export interface IndexJob {
  kind: 'index';
  caseFold?: boolean;
  /** Words kept, the first ones in code-point order (default and cap: MAX_INDEX_WORDS). */
  maxWords?: number;
  /** Document ids kept per word, the smallest ones (default and cap: MAX_INDEX_DOCUMENTS). */
  maxDocumentsPerWord?: number;
}

export interface GrepJob {
  kind: 'grep';
  /** JavaScript regex source (compiled with the `u` flag), or a plain substring if `literal`. */
  pattern: string;
  literal?: boolean;
  ignoreCase?: boolean;
  /** Matches returned, the first ones in (document, line) order (default and cap: MAX_GREP_MATCHES). */
  maxMatches?: number;
}

export interface SumByKeyJob {
  kind: 'sumbykey';
  /** Keys returned, the first ones in code-point order (default and cap: MAX_SUM_KEYS). */
  maxKeys?: number;
}

export type JobSpec = WordCountJob | LettersJob | IndexJob | GrepJob | SumByKeyJob;
export type JobKind = JobSpec['kind'];

export const MAX_TOP_WORDS = 100_000;
export const MAX_INDEX_WORDS = 100_000;
export const MAX_INDEX_DOCUMENTS = 10_000;
export const MAX_GREP_MATCHES = 10_000;
export const MAX_SUM_KEYS = 100_000;
/**
 * Text bytes (words, keys, lines) one result may carry. Beyond it the answer is refused
 * (ResultTooLargeError) rather than built: rendering it would hold the event loop and memory.
 */
export const MAX_RESULT_TEXT_BYTES = 32 * 1024 * 1024;

/** Refuses a result whose text (`what`: "the keys") has passed MAX_RESULT_TEXT_BYTES, saying how to ask for less. */
export function checkResultText(textBytes: number, what: string, askFor: string): void {
  if (textBytes > MAX_RESULT_TEXT_BYTES) {
    throw new ResultTooLargeError(
      `${what} total more than ${MAX_RESULT_TEXT_BYTES} bytes of text (MAX_RESULT_TEXT_BYTES); ask for ${askFor}`,
      MAX_RESULT_TEXT_BYTES,
    );
  }
}

/**
 * A run of whole lines of one document. `bytes` never starts or ends inside a line
 * (so never inside a UTF-8 sequence); a single line longer than the chunk size becomes
 * one oversized chunk.
 */
export interface Chunk {
  /** Index in the `documents` array, or 0 for raw text. */
  document: number;
  /** Whether the input was raw text (each line is a document for `index`) or a documents array. */
  source: 'text' | 'documents';
  bytes: Uint8Array;
  /** Offset of bytes[0] within its document's UTF-8 encoding. */
  byteOffset: number;
  /** 1-based number of the chunk's first line within its document; 0 when lines were not counted. */
  firstLine: number;
}

// ---- map output (one Part per partition) and partials (one per partition, or combined) ----
//
// Where keys may number in the millions they travel as records (packed.ts): a key is its
// varint UTF-8 length and its bytes, followed by the job's varint numbers.

export interface WordCountPart {
  kind: 'wordcount';
  /** Records: key, count. Keys are unique within a part except where case folding merged two. */
  records: Uint8Array;
  size: number;
}

export interface WordCountPartial {
  kind: 'wordcount';
  totalWords: number;
  distinctWords: number;
  /** Records (key, count) of the partition's top words, most frequent first, ties by key. */
  top: Uint8Array;
  topSize: number;
}

export interface LettersPart {
  kind: 'letters';
  letters: string[];
  counts: number[];
}

/**
 * A sorted run of the index: records (key, id count, ids as ascending deltas from 0), keys in
 * code-point order, at most maxWords of them, at most maxDocumentsPerWord + 1 ids each (the
 * extra one flags truncation). A map part, a reduced partition and a combination alike.
 */
export interface IndexRun {
  kind: 'index';
  records: Uint8Array;
  size: number;
  /** True when words were dropped because more than maxWords existed. */
  truncated: boolean;
}

export interface GrepMatch {
  document: number;
  line: number;
  /** The line without its line ending (`\n` or `\r\n`). */
  text: string;
}

/** A match on its way to the result: lines too long to return travel without their text. */
export interface GrepHit extends GrepMatch {
  /** UTF-8 bytes of the line; `text` is '' when this exceeds MAX_RESULT_TEXT_BYTES. */
  bytes: number;
}

export interface GrepPart {
  kind: 'grep';
  /** The first maxMatches matches in (document, line) order. */
  matches: GrepHit[];
  matchCount: number;
}

export interface LineRef {
  document: number;
  line: number;
}

/**
 * A sorted run of sumbykey: records (key, scale, count, the exact sum scaled by 10^scale as a
 * packed bigint) in code-point order, at most maxKeys. A map part, a reduced partition and a
 * combination alike. (Bigints in arrays cost a structured clone each: millions of them held
 * the event loop for a second on their way between threads.)
 */
export interface SumByKeyRun {
  kind: 'sumbykey';
  records: Uint8Array;
  size: number;
  truncated: boolean;
  /** Line statistics of the whole chunk are carried by its partition 0 only (zero elsewhere). */
  lines: number;
  skipped: number;
  firstSkipped: LineRef | null;
}

export type PartitionOutput = WordCountPart | LettersPart | IndexRun | GrepPart | SumByKeyRun;

export interface MapOutput {
  kind: JobKind;
  /** partitions[p] holds the keys of partition p (see packed.ts, partitionOfHash). */
  partitions: PartitionOutput[];
}

/** What reduce returns for one partition (or combine for several): opaque to callers. */
export type Partial = WordCountPartial | LettersResult | IndexRun | GrepPartial | SumByKeyRun;

export interface GrepPartial {
  kind: 'grep';
  matches: GrepHit[];
  matchCount: number;
}

// ---- results (a partial has the same shape as the result, cut to the job's bounds) ----

export interface WordCount {
  word: string;
  count: number;
}

export interface WordCountResult {
  kind: 'wordcount';
  totalWords: number;
  distinctWords: number;
  /** Most frequent first; ties by word in code-point order ascending. */
  top: WordCount[];
}

export interface LetterCount {
  letter: string;
  count: number;
}

export interface LettersResult {
  kind: 'letters';
  totalLetters: number;
  /** Most frequent first; ties by letter in code-point order ascending. */
  letters: LetterCount[];
}

export interface IndexEntry {
  word: string;
  documents: number[];
  /** True when the word occurs in more than maxDocumentsPerWord documents. */
  documentsTruncated: boolean;
}

export interface IndexResult {
  kind: 'index';
  /** Words in code-point order. */
  words: IndexEntry[];
  /** True when more than maxWords distinct words exist. */
  truncated: boolean;
}

export interface GrepResult {
  kind: 'grep';
  matches: GrepMatch[];
  matchCount: number;
  truncated: boolean;
}

export interface KeySum {
  key: string;
  /** Exact decimal sum, canonical: no exponent, no trailing fractional zeros, no "-0". */
  sum: string;
  count: number;
}

export interface SumByKeyResult {
  kind: 'sumbykey';
  keys: KeySum[];
  distinctKeysTruncated: boolean;
  /** Non-empty lines seen (well-formed or not). */
  lines: number;
  /** Malformed lines, counted and skipped. */
  skipped: number;
  firstSkipped: LineRef | null;
}

export type JobResult = WordCountResult | LettersResult | IndexResult | GrepResult | SumByKeyResult;


/** The caller refuses bytes that are not UTF-8 before any kernel runs. */
export class InvalidUtf8Error extends Error {
  override readonly name = 'InvalidUtf8Error';
  readonly code = 'invalid-utf8';
}
