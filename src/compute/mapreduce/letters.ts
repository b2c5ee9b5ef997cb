/**
 * letters: frequency of Unicode letters (`\p{L}`). Folding lower-cases each letter on its
 * own (`toLowerCase()`), so a letter may fold to more than one code point (U+0130 -> "i̇");
 * the folded string is the key.
 */
import type { MapReduceJobDefinition } from './job-definition.js';
import { byCountThenKey } from './ranking.js';
import { decodeAt, isLetterCodePoint, partitionOf } from './text.js';
import type { Chunk, LettersJob, LettersPart, LettersResult } from './types.js';

/** At most a few hundred thousand keys (every letter of Unicode): plain strings and Maps suffice. */
function mapLetters(job: LettersJob, chunk: Chunk, partitions: number): LettersPart[] {
  const bytes = chunk.bytes;
  const ascii = new Float64Array(128);
  const other = new Map<number, number>();
  for (let i = 0; i < bytes.length; ) {
    const b = bytes[i]!;
    if (b < 0x80) {
      ascii[b]!++;
      i++;
      continue;
    }
    const packed = decodeAt(bytes, i, bytes.length);
    const cp = packed >>> 3;
    if (isLetterCodePoint(cp)) other.set(cp, (other.get(cp) ?? 0) + 1);
    i += packed & 7;
  }
  const fold = job.caseFold ?? true;
  const counts = new Map<string, number>();
  const add = (cp: number, n: number): void => {
    const letter = fold ? String.fromCodePoint(cp).toLowerCase() : String.fromCodePoint(cp);
    counts.set(letter, (counts.get(letter) ?? 0) + n);
  };
  for (let b = 0x41; b <= 0x7a; b++) if (ascii[b]! > 0 && (b <= 0x5a || b >= 0x61)) add(b, ascii[b]!);
  for (const [cp, n] of other) add(cp, n);
  const parts: LettersPart[] = [];
  for (let p = 0; p < partitions; p++) parts.push({ kind: 'letters', letters: [], counts: [] });
  for (const [letter, n] of counts) {
    const part = parts[partitionOf(letter, partitions)]!;
    part.letters.push(letter);
    part.counts.push(n);
  }
  return parts;
}

function ranked(counts: Map<string, number>): LettersResult {
  let totalLetters = 0;
  const list = [...counts].map(([key, count]) => {
    totalLetters += count;
    return { key, count };
  });
  list.sort(byCountThenKey);
  return { kind: 'letters', totalLetters, letters: list.map(({ key, count }) => ({ letter: key, count })) };
}

function reduceLetters(_job: LettersJob, parts: readonly LettersPart[]): LettersResult {
  const counts = new Map<string, number>();
  for (const part of parts) {
    for (let j = 0; j < part.letters.length; j++) {
      const letter = part.letters[j]!;
      counts.set(letter, (counts.get(letter) ?? 0) + part.counts[j]!);
    }
  }
  return ranked(counts);
}

function combineLetters(_job: LettersJob, partials: readonly LettersResult[]): LettersResult {
  const counts = new Map<string, number>();
  for (const partial of partials) {
    for (const { letter, count } of partial.letters) counts.set(letter, (counts.get(letter) ?? 0) + count);
  }
  return ranked(counts);
}

export const lettersJob: MapReduceJobDefinition<LettersJob, LettersPart, LettersResult, LettersResult> = {
  kind: 'letters',
  rate: 60,
  needsLineNumbers: false,
  documentsMatter: false,
  cut: 'characters',
  map: mapLetters,
  reduce: reduceLetters,
  combine: combineLetters,
  *finish(_job, partial) {
    return partial;
  },
};
