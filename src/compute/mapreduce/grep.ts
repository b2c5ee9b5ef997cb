/**
 * grep: lines matching a pattern (see pattern-guard.ts for what is refused). Lines are
 * split on `\n` with a trailing `\r` removed; matches are ordered by (document, line)
 * and the first maxMatches are returned with the total count.
 */
import type { MapReduceJobDefinition } from './job-definition.js';
import { compileLineMatcher } from './pattern-guard.js';
import { bound } from './ranking.js';
import { forEachLine, utf8Decoder } from './text.js';
import {
  MAX_GREP_MATCHES,
  checkResultText,
  MAX_RESULT_TEXT_BYTES,
  type Chunk,
  type GrepHit,
  type GrepJob,
  type GrepPart,
  type GrepPartial,
  type GrepResult,
} from './types.js';

function mapGrep(job: GrepJob, chunk: Chunk, partitions: number): GrepPart[] {
  const matches = compileLineMatcher(job.pattern, job.literal ?? false, job.ignoreCase ?? false);
  const max = bound(job.maxMatches, MAX_GREP_MATCHES);
  const text = utf8Decoder.decode(chunk.bytes);
  if (chunk.firstLine === 0 && text.length > 0) throw new Error('grep needs chunks split with line numbers');
  const found: GrepHit[] = [];
  let matchCount = 0;
  forEachLine(text, chunk.firstLine, (line, lineNumber) => {
    if (!matches(line)) return;
    matchCount++;
    if (found.length >= max) return;
    const bytes = Buffer.byteLength(line, 'utf8');
    found.push({ document: chunk.document, line: lineNumber, text: bytes > MAX_RESULT_TEXT_BYTES ? '' : line, bytes });
  });
  const parts: GrepPart[] = [];
  for (let p = 0; p < partitions; p++) parts.push({ kind: 'grep', matches: [], matchCount: 0 });
  // A chunk lies within one document, so the document number is a fine partition key.
  const part = parts[chunk.document % partitions]!;
  part.matches = found;
  part.matchCount = matchCount;
  return parts;
}

function firstMatches(job: GrepJob, lists: readonly GrepHit[][], matchCount: number): GrepPartial {
  const matches = lists.flat().sort((a, b) => a.document - b.document || a.line - b.line);
  const max = bound(job.maxMatches, MAX_GREP_MATCHES);
  if (matches.length > max) matches.length = max;
  return { kind: 'grep', matches, matchCount };
}

function sumCounts(items: readonly { matchCount: number }[]): number {
  let count = 0;
  for (const item of items) count += item.matchCount;
  return count;
}

function* finishGrep(_job: GrepJob, partial: GrepPartial): Generator<void, GrepResult, undefined> {
  let textBytes = 0;
  for (const hit of partial.matches) textBytes += hit.bytes;
  checkResultText(textBytes, 'the matching lines', 'fewer maxMatches or a narrower pattern');
  const matches = partial.matches.map(({ document, line, text }) => ({ document, line, text }));
  return { kind: 'grep', matches, matchCount: partial.matchCount, truncated: partial.matchCount > matches.length };
}

export const grepJob: MapReduceJobDefinition<GrepJob, GrepPart, GrepPartial, GrepResult> = {
  kind: 'grep',
  rate: 40,
  needsLineNumbers: true,
  documentsMatter: true,
  cut: 'lines',
  map: mapGrep,
  reduce: (job, parts) => firstMatches(job, parts.map((part) => part.matches), sumCounts(parts)),
  mergeParts: (job, parts) => firstMatches(job, parts.map((part) => part.matches), sumCounts(parts)),
  combine: (job, partials) => firstMatches(job, partials.map((partial) => partial.matches), sumCounts(partials)),
  finish: finishGrep,
};
