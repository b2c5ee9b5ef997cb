/**
 * grep: lines matching a pattern (see pattern-guard.ts for what is refused). Lines are
 * split on `\n` with a trailing `\r` removed; matches are ordered by (document, line)
 * and the first maxMatches are returned with the total count.
 */
import { compileLineMatcher } from './pattern-guard.js';
import { bound } from './ranking.js';
import { forEachLine, utf8Decoder } from './text.js';
import { MAX_GREP_MATCHES, type Chunk, type GrepJob, type GrepMatch, type GrepPart, type GrepResult } from './types.js';

export function mapGrep(job: GrepJob, chunk: Chunk, partitions: number): GrepPart[] {
  const matches = compileLineMatcher(job.pattern, job.literal ?? false, job.ignoreCase ?? false);
  const max = bound(job.maxMatches, MAX_GREP_MATCHES);
  const text = utf8Decoder.decode(chunk.bytes);
  if (chunk.firstLine === 0 && text.length > 0) throw new Error('grep needs chunks split with line numbers');
  const found: GrepMatch[] = [];
  let matchCount = 0;
  forEachLine(text, chunk.firstLine, (line, lineNumber) => {
    if (!matches(line)) return;
    matchCount++;
    if (found.length < max) found.push({ document: chunk.document, line: lineNumber, text: line });
  });
  const parts: GrepPart[] = [];
  for (let p = 0; p < partitions; p++) parts.push({ kind: 'grep', matches: [], matchCount: 0 });
  // A chunk lies within one document, so the document number is a fine partition key.
  const part = parts[chunk.document % partitions]!;
  part.matches = found;
  part.matchCount = matchCount;
  return parts;
}

function firstMatches(job: GrepJob, lists: readonly GrepMatch[][], matchCount: number): GrepResult {
  const matches = lists.flat().sort((a, b) => a.document - b.document || a.line - b.line);
  const max = bound(job.maxMatches, MAX_GREP_MATCHES);
  if (matches.length > max) matches.length = max;
  return { kind: 'grep', matches, matchCount, truncated: matchCount > matches.length };
}

export function reduceGrep(job: GrepJob, parts: readonly GrepPart[]): GrepResult {
  let count = 0;
  for (const part of parts) count += part.matchCount;
  return firstMatches(job, parts.map((part) => part.matches), count);
}

export function mergeGrep(job: GrepJob, partials: readonly GrepResult[]): GrepResult {
  let count = 0;
  for (const partial of partials) count += partial.matchCount;
  return firstMatches(job, partials.map((partial) => partial.matches), count);
}
