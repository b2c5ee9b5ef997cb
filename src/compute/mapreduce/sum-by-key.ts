/**
 * sumbykey: `key,value` lines -> per key the exact sum of its values, keys in code-point
 * order.
 *
 * A line is split at its first comma; key and value are trimmed of spaces and tabs. The
 * key must be non-empty and the value a plain decimal: optional sign, digits, optional
 * fraction (`12`, `-3.50`, `+.5`, `7.`), no exponent, no thousands separators. Sums are
 * exact: a value is an integer scaled by a power of ten (BigInt), sums align scales, and
 * the result is printed canonically (no trailing fractional zeros, no "-0").
 *
 * Blank lines are ignored. Malformed lines (a header line included) are counted and
 * skipped, and the first one is named by (document, line), so the caller may turn a
 * non-zero `skipped` into an error if it prefers.
 */
import { bound } from './ranking.js';
import { compareCodePoints, forEachLine, partitionOf, utf8Decoder } from './text.js';
import { MAX_SUM_KEYS, type Chunk, type KeySum, type LineRef, type SumByKeyJob, type SumByKeyPart, type SumByKeyResult } from './types.js';

const VALUE = /^([+-]?)(\d*)(?:\.(\d*))?$/;
/**
 * Drops leading and trailing spaces and tabs. A loop, not `/^[ \t]+|[ \t]+$/g`: that regex
 * backtracks quadratically over a long inner run of blanks (40 000 of them took 2 s).
 */
function trimBlanks(text: string): string {
  let start = 0;
  let end = text.length;
  while (start < end && (text.charCodeAt(start) === 32 || text.charCodeAt(start) === 9)) start++;
  while (end > start && (text.charCodeAt(end - 1) === 32 || text.charCodeAt(end - 1) === 9)) end--;
  return start === 0 && end === text.length ? text : text.slice(start, end);
}

interface Sum {
  units: bigint;
  scale: number;
  count: number;
}

function addScaled(sum: Sum, units: bigint, scale: number): void {
  if (scale > sum.scale) {
    sum.units = sum.units * 10n ** BigInt(scale - sum.scale) + units;
    sum.scale = scale;
  } else {
    sum.units += scale === sum.scale ? units : units * 10n ** BigInt(sum.scale - scale);
  }
}

function addTo(sums: Map<string, Sum>, key: string, units: bigint, scale: number, count: number): void {
  const sum = sums.get(key);
  if (sum === undefined) sums.set(key, { units, scale, count });
  else {
    addScaled(sum, units, scale);
    sum.count += count;
  }
}

/** Prints units / 10^scale canonically. */
export function formatScaled(units: bigint, scale: number): string {
  while (scale > 0 && units % 10n === 0n) {
    units /= 10n;
    scale--;
  }
  const negative = units < 0n;
  let digits = (negative ? -units : units).toString();
  if (scale > 0) {
    digits = digits.padStart(scale + 1, '0');
    digits = `${digits.slice(0, -scale)}.${digits.slice(-scale)}`;
  }
  return negative ? `-${digits}` : digits;
}

function earlier(a: LineRef | null, b: LineRef | null): LineRef | null {
  if (a === null) return b;
  if (b === null) return a;
  return a.document < b.document || (a.document === b.document && a.line <= b.line) ? a : b;
}

export function mapSumByKey(job: SumByKeyJob, chunk: Chunk, partitions: number): SumByKeyPart[] {
  const text = utf8Decoder.decode(chunk.bytes);
  if (chunk.firstLine === 0 && text.length > 0) throw new Error('sumbykey needs chunks split with line numbers');
  const sums = new Map<string, Sum>();
  let lines = 0;
  let skipped = 0;
  let firstSkipped: LineRef | null = null;
  forEachLine(text, chunk.firstLine, (line, lineNumber) => {
    const comma = line.indexOf(',');
    if (comma === -1 && trimBlanks(line) === '') return;
    lines++;
    const key = comma === -1 ? '' : trimBlanks(line.slice(0, comma));
    const m = comma === -1 ? null : VALUE.exec(trimBlanks(line.slice(comma + 1)));
    if (key === '' || m === null || (m[2] === '' && (m[3] ?? '') === '')) {
      skipped++;
      firstSkipped ??= { document: chunk.document, line: lineNumber };
      return;
    }
    const fraction = m[3] ?? '';
    const magnitude = BigInt(`${m[2]}${fraction}`);
    const units = m[1] === '-' ? -magnitude : magnitude;
    addTo(sums, key, units, fraction.length, 1);
  });
  const maxKeys = bound(job.maxKeys, MAX_SUM_KEYS);
  const buckets: string[][] = [];
  for (let p = 0; p < partitions; p++) buckets.push([]);
  for (const key of sums.keys()) buckets[partitionOf(key, partitions)]!.push(key);
  return buckets.map((keys, p) => {
    keys.sort(compareCodePoints);
    const truncated = keys.length > maxKeys;
    if (truncated) keys.length = maxKeys;
    const first = p === 0;
    return {
      kind: 'sumbykey',
      keys,
      units: keys.map((key) => sums.get(key)!.units),
      scales: keys.map((key) => sums.get(key)!.scale),
      counts: keys.map((key) => sums.get(key)!.count),
      truncated,
      lines: first ? lines : 0,
      skipped: first ? skipped : 0,
      firstSkipped: first ? firstSkipped : null,
    };
  });
}

export function reduceSumByKey(job: SumByKeyJob, parts: readonly SumByKeyPart[]): SumByKeyResult {
  const sums = new Map<string, Sum>();
  let truncated = false;
  let lines = 0;
  let skipped = 0;
  let firstSkipped: LineRef | null = null;
  for (const part of parts) {
    truncated ||= part.truncated;
    lines += part.lines;
    skipped += part.skipped;
    firstSkipped = earlier(firstSkipped, part.firstSkipped);
    for (let j = 0; j < part.keys.length; j++) addTo(sums, part.keys[j]!, part.units[j]!, part.scales[j]!, part.counts[j]!);
  }
  const keys = [...sums.keys()].sort(compareCodePoints);
  const maxKeys = bound(job.maxKeys, MAX_SUM_KEYS);
  if (keys.length > maxKeys) {
    truncated = true;
    keys.length = maxKeys;
  }
  const out: KeySum[] = keys.map((key) => {
    const sum = sums.get(key)!;
    return { key, sum: formatScaled(sum.units, sum.scale), count: sum.count };
  });
  return { kind: 'sumbykey', keys: out, distinctKeysTruncated: truncated, lines, skipped, firstSkipped };
}

/** Partials must come from disjoint partitions (one per partition). */
export function mergeSumByKey(job: SumByKeyJob, partials: readonly SumByKeyResult[]): SumByKeyResult {
  const keys = partials.flatMap((partial) => partial.keys).sort((a, b) => compareCodePoints(a.key, b.key));
  let truncated = partials.some((partial) => partial.distinctKeysTruncated);
  const maxKeys = bound(job.maxKeys, MAX_SUM_KEYS);
  if (keys.length > maxKeys) {
    truncated = true;
    keys.length = maxKeys;
  }
  let lines = 0;
  let skipped = 0;
  let firstSkipped: LineRef | null = null;
  for (const partial of partials) {
    lines += partial.lines;
    skipped += partial.skipped;
    firstSkipped = earlier(firstSkipped, partial.firstSkipped);
  }
  return { kind: 'sumbykey', keys, distinctKeysTruncated: truncated, lines, skipped, firstSkipped };
}
