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
 * Each chunk keeps its own first maxKeys keys as sorted runs (one per partition); reduce
 * and combine are k-way merges that stop after maxKeys keys (see inverted-index.ts for
 * why that is exact), so no step holds more than maxKeys keys per run.
 *
 * Blank lines are ignored. Malformed lines (a header line included) are counted and
 * skipped, and the first one is named by (document, line), so the caller may turn a
 * non-zero `skipped` into an error if it prefers.
 */
import { FINISH_SLICE, type MapReduceJobDefinition } from './job-definition.js';
import { encodeScratch, hashBytes, partitionOfHash, RecordReader, RecordWriter } from './packed.js';
import { bound, firstInCodePointOrder } from './ranking.js';
import { mergeSortedRuns } from './sorted-runs.js';
import { forEachLine, utf8Decoder } from './text.js';
import {
  checkResultText,
  MAX_SUM_KEYS,
  type Chunk,
  type KeySum,
  type LineRef,
  type SumByKeyJob,
  type SumByKeyResult,
  type SumByKeyRun,
} from './types.js';

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

function mapSumByKey(job: SumByKeyJob, chunk: Chunk, partitions: number): SumByKeyRun[] {
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
  const { first: keys, truncated } = firstInCodePointOrder([...sums.keys()], bound(job.maxKeys, MAX_SUM_KEYS));
  const writers = Array.from({ length: partitions }, () => new RecordWriter());
  for (const key of keys) {
    const sum = sums.get(key)!;
    const { bytes, length } = encodeScratch(key);
    const p = partitionOfHash(hashBytes(bytes, 0, length), partitions);
    const writer = writers[p]!;
    writer.key(bytes, 0, length);
    writer.varint(sum.scale);
    writer.varint(sum.count);
    writer.bigint(sum.units);
    writer.records++;
  }
  return writers.map((writer, p) => ({
    kind: 'sumbykey',
    records: writer.finish(),
    size: writer.records,
    truncated,
    lines: p === 0 ? lines : 0,
    skipped: p === 0 ? skipped : 0,
    firstSkipped: p === 0 ? firstSkipped : null,
  }));
}

/** Reduce and combine alike: the first maxKeys keys of all runs, their sums added exactly. */
function mergeRuns(job: SumByKeyJob, runs: readonly SumByKeyRun[]): SumByKeyRun {
  const maxKeys = bound(job.maxKeys, MAX_SUM_KEYS);
  let truncated = false;
  let lines = 0;
  let skipped = 0;
  let firstSkipped: LineRef | null = null;
  for (const run of runs) {
    truncated ||= run.truncated;
    lines += run.lines;
    skipped += run.skipped;
    firstSkipped = earlier(firstSkipped, run.firstSkipped);
  }
  const writer = new RecordWriter();
  mergeSortedRuns(
    runs.map((run) => run.records),
    (bytes, start, end, cursors) => {
      if (writer.records === maxKeys) {
        truncated = true;
        return false;
      }
      let sum: Sum | undefined;
      for (const cursor of cursors) {
        const scale = cursor.reader.varint();
        const count = cursor.reader.varint();
        const value = cursor.reader.bigint();
        if (sum === undefined) sum = { units: value, scale, count };
        else {
          addScaled(sum, value, scale);
          sum.count += count;
        }
      }
      writer.key(bytes, start, end);
      writer.varint(sum!.scale);
      writer.varint(sum!.count);
      writer.bigint(sum!.units);
      writer.records++;
      return true;
    },
  );
  return { kind: 'sumbykey', records: writer.finish(), size: writer.records, truncated, lines, skipped, firstSkipped };
}

function* finishSumByKey(_job: SumByKeyJob, run: SumByKeyRun): Generator<void, SumByKeyResult, undefined> {
  const keys: KeySum[] = [];
  let textBytes = 0;
  const reader = new RecordReader(run.records);
  while (!reader.done) {
    const start = reader.key();
    const end = reader.pos;
    textBytes += end - start;
    checkResultText(textBytes, 'the keys', 'fewer maxKeys');
    const scale = reader.varint();
    const count = reader.varint();
    keys.push({ key: utf8Decoder.decode(run.records.subarray(start, end)), sum: formatScaled(reader.bigint(), scale), count });
    if (keys.length % FINISH_SLICE === 0) yield;
  }
  const { truncated, lines, skipped, firstSkipped } = run;
  return { kind: 'sumbykey', keys, distinctKeysTruncated: truncated, lines, skipped, firstSkipped };
}

export const sumByKeyJob: MapReduceJobDefinition<SumByKeyJob, SumByKeyRun, SumByKeyRun, SumByKeyResult> = {
  kind: 'sumbykey',
  rate: 10,
  needsLineNumbers: true,
  documentsMatter: true,
  cut: 'lines',
  map: mapSumByKey,
  reduce: mergeRuns,
  mergeParts: mergeRuns,
  combine: mergeRuns,
  finish: finishSumByKey,
};
