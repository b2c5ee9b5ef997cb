/**
 * K-way merge of sorted record runs (packed.ts): the reduce and combine of jobs whose keys
 * come out in code-point order (index, sumbykey). Each map part keeps only its first N keys,
 * so a merge that stops after N distinct keys never holds more than N of them, however many
 * distinct keys the input has; no Map, no string per key.
 */
import { compareBytes, RecordReader } from './packed.js';

export interface RunCursor {
  readonly reader: RecordReader;
  /** Which run, and which record of it (to index side arrays such as sumbykey's units). */
  readonly run: number;
  record: number;
  keyStart: number;
  keyEnd: number;
}

/**
 * Visits keys in order; for each, `visit(bytes, start, end, cursors)` gets every cursor on
 * that key (positioned just after it) and must read each one's payload. Stops when `visit`
 * returns false or the runs are exhausted.
 */
export function mergeSortedRuns(
  runs: readonly Uint8Array[],
  visit: (bytes: Uint8Array, start: number, end: number, cursors: readonly RunCursor[]) => boolean,
): void {
  const heap: RunCursor[] = [];
  const less = (a: RunCursor, b: RunCursor): boolean => {
    const d = compareBytes(a.reader.bytes, a.keyStart, a.keyEnd, b.reader.bytes, b.keyStart, b.keyEnd);
    return d < 0 || (d === 0 && a.run < b.run);
  };
  const down = (i: number): void => {
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let top = i;
      if (l < heap.length && less(heap[l]!, heap[top]!)) top = l;
      if (r < heap.length && less(heap[r]!, heap[top]!)) top = r;
      if (top === i) return;
      [heap[i], heap[top]] = [heap[top]!, heap[i]!];
      i = top;
    }
  };
  const pop = (): RunCursor => {
    const top = heap[0]!;
    const last = heap.pop()!;
    if (heap.length > 0) {
      heap[0] = last;
      down(0);
    }
    return top;
  };
  const push = (cursor: RunCursor): void => {
    heap.push(cursor);
    for (let i = heap.length - 1; i > 0; ) {
      const parent = (i - 1) >> 1;
      if (!less(heap[i]!, heap[parent]!)) break;
      [heap[i], heap[parent]] = [heap[parent]!, heap[i]!];
      i = parent;
    }
  };
  const advance = (cursor: RunCursor): boolean => {
    if (cursor.reader.done) return false;
    cursor.keyStart = cursor.reader.key();
    cursor.keyEnd = cursor.reader.pos;
    return true;
  };
  runs.forEach((bytes, run) => {
    const cursor: RunCursor = { reader: new RecordReader(bytes), run, record: 0, keyStart: 0, keyEnd: 0 };
    if (advance(cursor)) push(cursor);
  });
  const same: RunCursor[] = [];
  while (heap.length > 0) {
    same.length = 0;
    same.push(pop());
    const first = same[0]!;
    while (
      heap.length > 0 &&
      compareBytes(heap[0]!.reader.bytes, heap[0]!.keyStart, heap[0]!.keyEnd, first.reader.bytes, first.keyStart, first.keyEnd) === 0
    ) {
      same.push(pop());
    }
    if (!visit(first.reader.bytes, first.keyStart, first.keyEnd, same)) return;
    for (const cursor of same) {
      cursor.record++;
      if (advance(cursor)) push(cursor);
    }
  }
}
