/**
 * Issue 9 at CI scale: single long lines cut inside (crossing many chunk boundaries), many
 * distinct keys over many partitions, ties by the million in top-N selection, records and
 * their offsets past 2^31, and results too large to return. Every check is against a naive
 * reference written plainly here, or a property over random chunkings and partition counts.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { ComputeInputError, ResultTooLargeError } from '../../../src/compute/errors.js';
import {
  combinePartials,
  CUT_SEARCH_BYTES,
  finishInSlices,
  isCutPoint,
  mapChunk,
  MAX_RESULT_TEXT_BYTES,
  mergePartials,
  packForGroups,
  reducePartitions,
  runJobInline,
  splitInput,
  splitOptionsFor,
  type JobResult,
  type JobSpec,
} from '../../../src/compute/mapreduce/index.js';
import { KeyCounter, nthLargest, smallestKeys } from '../../../src/compute/mapreduce/key-counter.js';
import { hashBytes, partitionOfHash, RecordReader, RecordWriter } from '../../../src/compute/mapreduce/packed.js';
import { keyRange } from '../../../src/compute/mapreduce/word-scan-wasm.js';

const WORD = /[\p{L}\p{M}\p{N}]+(?:['\u2019][\p{L}\p{M}\p{N}]+)*/gu;
const encode = (text: string) => new TextEncoder().encode(text);
const decoder = new TextDecoder();

/** Plain `<` on arrays of code points. */
function byCodePoint(a: string, b: string): number {
  const x = Array.from(a, (ch) => ch.codePointAt(0)!);
  const y = Array.from(b, (ch) => ch.codePointAt(0)!);
  for (let i = 0; i < Math.min(x.length, y.length); i++) if (x[i] !== y[i]) return x[i]! - y[i]!;
  return x.length - y.length;
}

function naiveCounts(text: string): Map<string, number> {
  const counts = new Map<string, number>();
  for (const match of text.match(WORD) ?? []) {
    const word = match.toLowerCase();
    counts.set(word, (counts.get(word) ?? 0) + 1);
  }
  return counts;
}

function naiveWordCount(text: string, top: number): JobResult {
  const counts = naiveCounts(text);
  const ranked = [...counts].sort((a, b) => b[1] - a[1] || byCodePoint(a[0], b[0]));
  return {
    kind: 'wordcount',
    totalWords: [...counts.values()].reduce((a, b) => a + b, 0),
    distinctWords: counts.size,
    top: ranked.slice(0, top).map(([word, count]) => ({ word, count })),
  };
}

function naiveIndex(text: string, maxWords: number, maxIds: number): JobResult {
  const ids = new Map<string, Set<number>>();
  const lines = text.split('\n');
  if (lines.at(-1) === '') lines.pop();
  lines.forEach((line, i) => {
    for (const match of line.match(WORD) ?? []) {
      const word = match.toLowerCase();
      if (!ids.has(word)) ids.set(word, new Set());
      ids.get(word)!.add(i + 1);
    }
  });
  const words = [...ids.keys()].sort(byCodePoint);
  return {
    kind: 'index',
    words: words.slice(0, maxWords).map((word) => {
      const all = [...ids.get(word)!].sort((a, b) => a - b);
      return { word, documents: all.slice(0, maxIds), documentsTruncated: all.length > maxIds };
    }),
    truncated: words.length > maxWords,
  };
}

/** `count` distinct words (base 26 from 26^3), some accented, joined by `separator` every `perLine`. */
function distinctText(count: number, perLine = Number.POSITIVE_INFINITY): string {
  const words: string[] = [];
  for (let i = 0; i < count; i++) {
    let n = i + 26 ** 3;
    let word = '';
    while (n > 0) {
      n -= 1;
      word = String.fromCharCode(0x61 + (n % 26)) + word;
      n = Math.floor(n / 26);
    }
    if (i % 7 === 3) word = `É${word}`;
    words.push(word);
    if (i % 5 === 0) words.push(word.toUpperCase());
  }
  let text = '';
  words.forEach((word, i) => (text += word + ((i + 1) % perLine === 0 ? '\n' : i % 3 === 0 ? ', ' : ' ')));
  return text;
}

describe('a single long line', () => {
  const line = distinctText(3000);

  test('is cut inside for wordcount, letters and index, only at cut points, and read back whole', () => {
    const bytes = encode(line);
    for (const job of [{ kind: 'wordcount' }, { kind: 'letters' }, { kind: 'index' }] as JobSpec[]) {
      const chunks = splitInput(bytes, 997, { share: 'view', ...splitOptionsFor(job) });
      assert.ok(chunks.length >= Math.ceil(bytes.length / 997), `${job.kind}: ${chunks.length} chunks`);
      let offset = 0;
      for (const chunk of chunks) {
        assert.equal(chunk.byteOffset, offset);
        assert.equal(chunk.firstLine === 0 || chunk.firstLine === 1, true);
        assert.ok(chunk.bytes.length <= 997, `${job.kind}: a chunk of ${chunk.bytes.length} bytes`);
        offset += chunk.bytes.length;
        const rule = job.kind === 'letters' ? 'characters' : 'words';
        if (offset < bytes.length) assert.ok(isCutPoint(bytes, offset, rule), `${job.kind}: cut at ${offset}`);
      }
      assert.equal(offset, bytes.length);
    }
    // grep and sumbykey see whole lines: one chunk.
    assert.equal(splitInput(bytes, 997, splitOptionsFor({ kind: 'grep', pattern: 'x' })).length, 1);
  });

  test('a word longer than the search window runs to its line end, as one chunk', () => {
    const giant = `ab ${'x'.repeat(3 * CUT_SEARCH_BYTES)} cd\nef gh\n`;
    const chunks = splitInput(encode(giant), 1024, { share: 'view', ...splitOptionsFor({ kind: 'wordcount' }) });
    // Cut before the space that precedes the giant word; the next cut point is out of reach.
    assert.ok(new TextDecoder().decode(chunks[1]!.bytes) === ` ${'x'.repeat(3 * CUT_SEARCH_BYTES)} cd\n`, 'the giant word is one chunk');
    assert.deepEqual(runJobInline({ kind: 'wordcount', top: 2 }, encode(giant), { chunkBytes: 1024 }), naiveWordCount(giant, 2));
  });

  test('gives the reference answers at any chunk size and partition count', () => {
    const bytes = encode(line);
    const expectedCount = naiveWordCount(line, 50);
    const expectedIndex = naiveIndex(line, 40, 3);
    fc.assert(
      fc.property(fc.integer({ min: 8, max: 5000 }), fc.integer({ min: 1, max: 40 }), (chunkBytes, partitions) => {
        assert.deepEqual(runJobInline({ kind: 'wordcount', top: 50 }, bytes, { chunkBytes, partitions }), expectedCount);
        assert.deepEqual(runJobInline({ kind: 'index', maxWords: 40, maxDocumentsPerWord: 3 }, bytes, { chunkBytes, partitions }), expectedIndex);
      }),
      { numRuns: 30 },
    );
  });
});

describe('many distinct keys', () => {
  const text = distinctText(60_000, 37);

  test('wordcount and index over 200 partitions and tiny chunks equal the reference', () => {
    const bytes = encode(text);
    assert.deepEqual(runJobInline({ kind: 'wordcount', top: 1000 }, bytes, { chunkBytes: 4096, partitions: 200 }), naiveWordCount(text, 1000));
    assert.deepEqual(
      runJobInline({ kind: 'index', maxWords: 2000, maxDocumentsPerWord: 2 }, bytes, { chunkBytes: 4096, partitions: 200 }),
      naiveIndex(text, 2000, 2),
    );
  });

  test('reducing partitions in groups and combining the groups in any order gives the same result', () => {
    const bytes = encode(text.slice(0, 60_000));
    fc.assert(
      fc.property(
        fc.constantFrom<JobSpec>({ kind: 'wordcount', top: 300 }, { kind: 'index', maxWords: 300, maxDocumentsPerWord: 2 }, { kind: 'sumbykey', maxKeys: 50 }, { kind: 'letters' }),
        fc.integer({ min: 1, max: 24 }),
        fc.integer({ min: 1, max: 8 }),
        fc.integer({ min: 256, max: 20_000 }),
        (job, partitions, perGroup, chunkBytes) => {
          const expected = runJobInline(job, bytes, { chunkBytes: 1 << 20 });
          // As the pool does it: records packed per reduce group, cloned across the thread boundary.
          const outputs = splitInput(bytes, chunkBytes, splitOptionsFor(job)).map((chunk) =>
            structuredClone(packForGroups(mapChunk(job, chunk, partitions), perGroup)),
          );
          const partials = [];
          for (let start = 0; start < partitions; start += perGroup) {
            const parts = [];
            for (let p = start; p < Math.min(partitions, start + perGroup); p++) parts.push(outputs.map((output) => output.partitions[p]!));
            partials.push(structuredClone(reducePartitions(job, parts)));
          }
          partials.reverse();
          assert.deepEqual(mergePartials(job, partials), expected);
          assert.deepEqual(mergePartials(job, [combinePartials(job, partials)]), expected);
        },
      ),
      { numRuns: 25 },
    );
  });

  test('map outputs are compact: bytes, not strings, under two bytes of overhead per key', () => {
    const bytes = encode(text);
    const output = mapChunk({ kind: 'wordcount' }, { document: 0, source: 'text', bytes, byteOffset: 0, firstLine: 1 }, 8);
    let size = 0;
    let keys = 0;
    for (const part of output.partitions) {
      assert.ok(part.kind === 'wordcount' && part.records instanceof Uint8Array);
      size += part.records.byteLength;
      keys += part.size;
    }
    const keyBytes = [...naiveCounts(text).keys()].reduce((total, word) => total + Buffer.byteLength(word), 0);
    assert.equal(keys, naiveCounts(text).size);
    assert.ok(size <= keyBytes + 2 * keys, `${size} bytes for ${keys} keys of ${keyBytes} bytes`);
  });
});

describe('top N with millions of ties', () => {
  test('nthLargest and smallestKeys agree with sorting', () => {
    fc.assert(
      fc.property(fc.array(fc.oneof(fc.integer({ min: 0, max: 5 }), fc.integer({ min: 0, max: 10_000 })), { minLength: 1, maxLength: 300 }), fc.nat(), (values, k) => {
        const rank = 1 + (k % values.length);
        assert.equal(nthLargest(Float64Array.from(values), rank), [...values].sort((a, b) => b - a)[rank - 1]);
        const need = k % (values.length + 2);
        const ids = values.map((_, i) => i);
        const compare = (a: number, b: number) => values[a]! - values[b]! || a - b;
        assert.deepEqual(smallestKeys(ids, need, compare).sort(compare), [...ids].sort(compare).slice(0, need));
      }),
      { numRuns: 300 },
    );
  });

  test('300 000 keys all counted once: top 100 are the first 100 keys in code-point order', () => {
    const counter = new KeyCounter();
    const words: string[] = [];
    for (let i = 0; i < 300_000; i++) {
      const word = (i * 7919).toString(36);
      words.push(word);
      const bytes = encode(word);
      counter.add(bytes, 0, bytes.length, hashBytes(bytes, 0, bytes.length), 1);
    }
    const start = performance.now();
    const top = counter.top(100).map((id) => decoder.decode(counter.arena.subarray(counter.offsets[id]!, counter.offsets[id]! + counter.lengths[id]!)));
    const ms = performance.now() - start;
    assert.equal(counter.size, new Set(words).size);
    // ASCII keys: UTF-16 order is code-point order, so the default sort is a fine reference.
    assert.deepEqual(top, [...new Set(words)].sort().slice(0, 100));
    // Not a timing assertion: a sort of every tied key would take seconds, this is a sanity bound.
    assert.ok(ms < 5000, `${ms} ms`);
  });
});

describe('records', () => {
  test('varints round-trip up to 2^53 and keys keep their bytes', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.string({ unit: 'binary', maxLength: 12 }), fc.oneof(fc.nat(300), fc.maxSafeNat())), { maxLength: 30 }), (rows) => {
        const writer = new RecordWriter(16);
        for (const [key, n] of rows) {
          const bytes = encode(key);
          writer.key(bytes, 0, bytes.length);
          writer.varint(n);
        }
        const reader = new RecordReader(writer.finish());
        for (const [key, n] of rows) {
          const start = reader.key();
          assert.equal(decoder.decode(reader.bytes.subarray(start, reader.pos)), decoder.decode(encode(key)));
          assert.equal(reader.varint(), n);
        }
        assert.ok(reader.done);
      }),
    );
  });

  test('bigints round-trip, small ones and ones of thousands of digits, either sign', () => {
    fc.assert(
      fc.property(fc.array(fc.oneof(fc.bigInt({ min: -(2n ** 60n), max: 2n ** 60n }), fc.bigInt({ min: -(10n ** 3000n), max: 10n ** 3000n })), { maxLength: 20 }), (values) => {
        const writer = new RecordWriter(16);
        for (const value of values) writer.bigint(value);
        const reader = new RecordReader(writer.finish());
        for (const value of values) assert.equal(reader.bigint(), value);
        assert.ok(reader.done);
      }),
      { numRuns: 200 },
    );
    for (const edge of [0n, 1n, -1n, 2n ** 51n - 1n, -(2n ** 51n) + 1n, 2n ** 51n, -(2n ** 51n)]) {
      const writer = new RecordWriter();
      writer.bigint(edge);
      assert.equal(new RecordReader(writer.finish()).bigint(), edge);
    }
  });

  test('a partition is a function of the key alone, spread evenly', () => {
    const counts = new Array<number>(7).fill(0);
    for (let i = 0; i < 70_000; i++) {
      const bytes = encode(`w${i}`);
      counts[partitionOfHash(hashBytes(bytes, 0, bytes.length), 7)]!++;
    }
    for (const n of counts) assert.ok(n > 9000 && n < 11_000, String(counts));
  });

  test('key offsets past 2^31 stay positive (the scanner once read them as negative i32)', () => {
    const keys = Uint32Array.of(0x9000_0000, 7, 1, 7, 0xffff_fff0, 3, 2, 3);
    const arena = 0x8000_0040;
    assert.deepEqual(keyRange(keys, arena, 0), [0x1_1000_0040, 0x1_1000_0047]);
    assert.deepEqual(keyRange(keys, arena, 1), [0x1_8000_0030, 0x1_8000_0033]);
    assert.equal(new Int32Array(Uint32Array.of(0x8f00_0000).buffer)[0]! >>> 0, 0x8f00_0000);
  });
});

describe('results too large to return', () => {
  const giant = 'a'.repeat(MAX_RESULT_TEXT_BYTES + 1);

  test('wordcount and grep refuse with the limit named; letters and counts still answer', () => {
    const bytes = encode(`${giant} b\n`);
    const refused = (error: unknown) =>
      error instanceof ResultTooLargeError && error instanceof ComputeInputError && error.limit === MAX_RESULT_TEXT_BYTES && /MAX_RESULT_TEXT_BYTES/.test(error.message);
    assert.throws(() => runJobInline({ kind: 'wordcount', top: 2 }, bytes), refused);
    assert.throws(() => runJobInline({ kind: 'grep', pattern: 'b', literal: true }, bytes), refused);
    assert.deepEqual(runJobInline({ kind: 'wordcount', top: 0 }, bytes), { kind: 'wordcount', totalWords: 2, distinctWords: 2, top: [] });
    assert.deepEqual(runJobInline({ kind: 'grep', pattern: 'c', literal: true }, bytes), { kind: 'grep', matches: [], matchCount: 0, truncated: false });
    const letters = runJobInline({ kind: 'letters' }, bytes, { chunkBytes: 1 << 20, partitions: 2 });
    assert.deepEqual(letters, { kind: 'letters', totalLetters: giant.length + 1, letters: [{ letter: 'a', count: giant.length }, { letter: 'b', count: 1 }] });
  });
});

describe('finishing on the event loop', () => {
  test('finishInSlices pauses between slices and builds what mergePartials builds', async () => {
    const bytes = encode(distinctText(30_000, 13));
    for (const job of [{ kind: 'wordcount', top: 30_000 }, { kind: 'index', maxWords: 30_000, maxDocumentsPerWord: 1 }, { kind: 'sumbykey' }] as JobSpec[]) {
      const partials = [0, 1, 2].map((p) => reducePartitions(job, [splitInput(bytes, 4096, splitOptionsFor(job)).map((chunk) => mapChunk(job, chunk, 3).partitions[p]!)]));
      let pauses = 0;
      const sliced = await finishInSlices(job, combinePartials(job, partials), async () => {
        pauses++;
      });
      assert.deepEqual(sliced, mergePartials(job, partials));
      if (job.kind !== 'sumbykey') assert.ok(pauses >= 3, `${job.kind}: ${pauses} pauses`);
    }
  });
});
