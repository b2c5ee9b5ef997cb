/**
 * The MapReduce engine against naive single-pass references written plainly here (regex
 * and Map based), for every built-in job, over random texts and random chunk sizes and
 * partition counts; plus edge-case tables.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import {
  checkPattern,
  documentsMatter,
  firstInvalidUtf8,
  isValidUtf8,
  jobNeedsLineNumbers,
  joinDocuments,
  mapChunk,
  mergeMapOutputs,
  mergePartials,
  packDocuments,
  PatternRefusedError,
  reducePartition,
  runJobInline,
  splitInput,
  type JobResult,
  type JobSpec,
  type MapOutput,
} from '../../../src/compute/mapreduce/index.js';

// ---- naive references ----

const WORD = /[\p{L}\p{M}\p{N}]+(?:['\u2019][\p{L}\p{M}\p{N}]+)*/gu;

/** Code-point order, by comparing arrays of code points. */
function byCodePoint(a: string, b: string): number {
  const x = Array.from(a, (ch) => ch.codePointAt(0)!);
  const y = Array.from(b, (ch) => ch.codePointAt(0)!);
  for (let i = 0; i < Math.min(x.length, y.length); i++) if (x[i] !== y[i]) return x[i]! - y[i]!;
  return x.length - y.length;
}

function ranked(counts: Map<string, number>): Array<[string, number]> {
  return [...counts].sort((a, b) => b[1] - a[1] || byCodePoint(a[0], b[0]));
}

function documentsOf(input: string | string[]): string[] {
  return typeof input === 'string' ? [input] : input;
}

/** Lines split on \n, no empty line after a final \n, one trailing \r dropped. */
function linesOf(text: string): string[] {
  const lines = text.split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  return lines.map((line) => (line.endsWith('\r') ? line.slice(0, -1) : line));
}

function naiveWordCount(input: string | string[], caseFold: boolean, top: number): JobResult {
  const counts = new Map<string, number>();
  let total = 0;
  for (const text of documentsOf(input)) {
    for (const match of text.match(WORD) ?? []) {
      const word = caseFold ? match.toLowerCase() : match;
      counts.set(word, (counts.get(word) ?? 0) + 1);
      total++;
    }
  }
  return {
    kind: 'wordcount',
    totalWords: total,
    distinctWords: counts.size,
    top: ranked(counts)
      .slice(0, top)
      .map(([word, count]) => ({ word, count })),
  };
}

function naiveLetters(input: string | string[], caseFold: boolean): JobResult {
  const counts = new Map<string, number>();
  let total = 0;
  for (const text of documentsOf(input)) {
    for (const ch of text) {
      if (!/\p{L}/u.test(ch)) continue;
      const key = caseFold ? ch.toLowerCase() : ch;
      counts.set(key, (counts.get(key) ?? 0) + 1);
      total++;
    }
  }
  return { kind: 'letters', totalLetters: total, letters: ranked(counts).map(([letter, count]) => ({ letter, count })) };
}

function naiveIndex(input: string | string[], caseFold: boolean, maxWords: number, maxIds: number): JobResult {
  const ids = new Map<string, Set<number>>();
  const add = (text: string, id: number) => {
    for (const match of text.match(WORD) ?? []) {
      const word = caseFold ? match.toLowerCase() : match;
      if (!ids.has(word)) ids.set(word, new Set());
      ids.get(word)!.add(id);
    }
  };
  if (typeof input === 'string') linesOf(input).forEach((line, i) => add(line, i + 1));
  else input.forEach((text, d) => add(text, d));
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

function naiveGrep(input: string | string[], pattern: string, literal: boolean, ignoreCase: boolean, max: number): JobResult {
  const regex = literal ? undefined : new RegExp(pattern, ignoreCase ? 'iu' : 'u');
  const matches: Array<{ document: number; line: number; text: string }> = [];
  documentsOf(input).forEach((text, document) => {
    linesOf(text).forEach((line, i) => {
      const hit = regex !== undefined ? regex.test(line) : ignoreCase ? line.toLowerCase().includes(pattern.toLowerCase()) : line.includes(pattern);
      if (hit) matches.push({ document, line: i + 1, text: line });
    });
  });
  return { kind: 'grep', matches: matches.slice(0, max), matchCount: matches.length, truncated: matches.length > max };
}

const SCALE = 12;
function naiveSumByKey(input: string | string[], maxKeys: number): JobResult {
  const sums = new Map<string, { units: bigint; count: number }>();
  let lines = 0;
  let skipped = 0;
  let firstSkipped: { document: number; line: number } | null = null;
  const trim = (s: string) => s.replace(/^[ \t]+/, '').replace(/[ \t]+$/, '');
  documentsOf(input).forEach((text, document) => {
    linesOf(text).forEach((line, i) => {
      if (trim(line) === '') return;
      lines++;
      const comma = line.indexOf(',');
      const key = comma < 0 ? '' : trim(line.slice(0, comma));
      const value = comma < 0 ? '' : trim(line.slice(comma + 1));
      const m = /^([+-]?)(\d+\.?\d*|\.\d+)$/.exec(value);
      if (key === '' || m === null) {
        skipped++;
        firstSkipped ??= { document, line: i + 1 };
        return;
      }
      const [whole, fraction = ''] = m[2]!.split('.');
      let units = BigInt(whole || '0') * 10n ** BigInt(SCALE) + BigInt((fraction + '0'.repeat(SCALE)).slice(0, SCALE));
      if (m[1] === '-') units = -units;
      const sum = sums.get(key) ?? { units: 0n, count: 0 };
      sum.units += units;
      sum.count++;
      sums.set(key, sum);
    });
  });
  const format = (units: bigint) => {
    const negative = units < 0n;
    const abs = negative ? -units : units;
    const whole = (abs / 10n ** BigInt(SCALE)).toString();
    const fraction = (abs % 10n ** BigInt(SCALE)).toString().padStart(SCALE, '0').replace(/0+$/, '');
    const text = fraction === '' ? whole : `${whole}.${fraction}`;
    return negative && text !== '0' ? `-${text}` : text;
  };
  const keys = [...sums.keys()].sort(byCodePoint);
  return {
    kind: 'sumbykey',
    keys: keys.slice(0, maxKeys).map((key) => ({ key, sum: format(sums.get(key)!.units), count: sums.get(key)!.count })),
    distinctKeysTruncated: keys.length > maxKeys,
    lines,
    skipped,
    firstSkipped,
  };
}

function naive(job: JobSpec, input: string | string[]): JobResult {
  switch (job.kind) {
    case 'wordcount':
      return naiveWordCount(input, job.caseFold ?? true, job.top ?? 100_000);
    case 'letters':
      return naiveLetters(input, job.caseFold ?? true);
    case 'index':
      return naiveIndex(input, job.caseFold ?? true, job.maxWords ?? 100_000, job.maxDocumentsPerWord ?? 10_000);
    case 'grep':
      return naiveGrep(input, job.pattern, job.literal ?? false, job.ignoreCase ?? false, job.maxMatches ?? 10_000);
    case 'sumbykey':
      return naiveSumByKey(input, job.maxKeys ?? 100_000);
  }
}

// ---- generators ----

const tokens = [
  'the', 'The', 'THE', 'cat', 'Cat', 'a', 'b', 'ab', 'x1', '42', 'don', 't', 'é', 'É', 'école', 'École', 'naïve', 'ß', 'İ', 'ΣΑΣ',
  'σ', 'K', 'ǅ', 'e\u0301', '\u0301', '日本', '語', '😀', '𝔘', '\u{1D7D8}', '٣', "'", '\u2019', ' ', ' ', ' ', ',', '.', '-', '!', '\t',
  '\n', '\n', '\r\n', '\r', '"', ';',
];
const textArb = fc.array(fc.constantFrom(...tokens), { maxLength: 80 }).map((parts) => parts.join(''));

const csvTokens = ['a', 'b', 'é', 'k', ',', ',', '1', '2', '9', '0', '.', '-', '+', ' ', '\t', '\n', '\n', '\n', '\r\n', 'x', '.5'];
const csvArb = fc.array(fc.constantFrom(...csvTokens), { maxLength: 80 }).map((parts) => parts.join(''));

const inputArb = (text: fc.Arbitrary<string>) =>
  fc.oneof(text, fc.array(text, { minLength: 0, maxLength: 5 })) as fc.Arbitrary<string | string[]>;

const jobArb: fc.Arbitrary<JobSpec> = fc.oneof(
  fc.record({ kind: fc.constant('wordcount' as const), caseFold: fc.boolean(), top: fc.integer({ min: 0, max: 12 }) }),
  fc.record({ kind: fc.constant('letters' as const), caseFold: fc.boolean() }),
  fc.record({
    kind: fc.constant('index' as const),
    caseFold: fc.boolean(),
    maxWords: fc.integer({ min: 0, max: 8 }),
    maxDocumentsPerWord: fc.integer({ min: 0, max: 3 }),
  }),
  fc.record({
    kind: fc.constant('grep' as const),
    pattern: fc.constantFrom('cat', 'é', '^the', '\\p{Lu}', '[0-9]+$', 'a|b', '😀', '(?:ab)+', '^$'),
    literal: fc.boolean(),
    ignoreCase: fc.boolean(),
    maxMatches: fc.integer({ min: 0, max: 6 }),
  }),
);

const settingsArb = fc.record({ chunkBytes: fc.integer({ min: 1, max: 64 }), partitions: fc.integer({ min: 1, max: 5 }) });

function encodeInput(input: string | string[]): Uint8Array | string[] {
  return typeof input === 'string' ? new TextEncoder().encode(input) : input;
}

/**
 * The engine as the pool runs it: copies, structured clone at every hop, partitions reduced
 * apart, and map outputs and partials in completion order (here: reversed), which must not matter.
 */
function runThroughClones(job: JobSpec, input: Uint8Array | string[], chunkBytes: number, partitions: number): JobResult {
  const chunks = splitInput(input, chunkBytes, { lineNumbers: jobNeedsLineNumbers(job) });
  const outputs = chunks.map((chunk) => structuredClone(mapChunk(job, structuredClone(chunk), partitions))).reverse();
  const partials = Array.from({ length: partitions }, (_, p) =>
    structuredClone(reducePartition(job, outputs.map((output) => output.partitions[p]!))),
  );
  return mergePartials(job, partials.reverse());
}

describe('engine vs naive references', () => {
  test('wordcount, letters, index, grep: any chunking and partitioning gives the reference result', () => {
    fc.assert(
      fc.property(jobArb, inputArb(textArb), settingsArb, (job, input, { chunkBytes, partitions }) => {
        const expected = naive(job, input);
        assert.deepEqual(runJobInline(job, encodeInput(input), { chunkBytes, partitions }), expected);
        assert.deepEqual(runThroughClones(job, encodeInput(input), chunkBytes, partitions), expected);
      }),
      { numRuns: 1000 },
    );
  });

  test('sumbykey: exact decimal sums per key, malformed lines counted', () => {
    fc.assert(
      fc.property(
        inputArb(csvArb),
        fc.integer({ min: 0, max: 6 }),
        settingsArb,
        (input, maxKeys, { chunkBytes, partitions }) => {
          const job: JobSpec = { kind: 'sumbykey', maxKeys };
          const expected = naive(job, input);
          assert.deepEqual(runJobInline(job, encodeInput(input), { chunkBytes, partitions }), expected);
          assert.deepEqual(runThroughClones(job, encodeInput(input), chunkBytes, partitions), expected);
        },
      ),
      { numRuns: 500 },
    );
  });

  test('sumbykey: large integers and long fractions stay exact', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.constantFrom('a', 'b', 'c'), fc.bigInt({ min: -(10n ** 30n), max: 10n ** 30n }), fc.integer({ min: 0, max: 9 })), {
          maxLength: 30,
        }),
        (rows) => {
          const text = rows
            .map(([key, units, scale]) => {
              const abs = (units < 0n ? -units : units).toString().padStart(scale + 1, '0');
              const digits = scale === 0 ? abs : `${abs.slice(0, -scale)}.${abs.slice(-scale)}`;
              return `${key},${units < 0n ? '-' : ''}${digits}`;
            })
            .join('\n');
          // Reference: exact rational sum with a common denominator of 10^9.
          const expected = new Map<string, bigint>();
          for (const [key, units, scale] of rows) expected.set(key, (expected.get(key) ?? 0n) + units * 10n ** BigInt(9 - scale));
          const result = runJobInline({ kind: 'sumbykey' }, new TextEncoder().encode(text), { chunkBytes: 17, partitions: 2 });
          assert.equal(result.kind, 'sumbykey');
          if (result.kind !== 'sumbykey') return;
          for (const { key, sum } of result.keys) {
            const [whole, fraction = ''] = sum.replace('-', '').split('.');
            let units = BigInt(whole!) * 10n ** 9n + BigInt(fraction.padEnd(9, '0'));
            if (sum.startsWith('-')) units = -units;
            assert.equal(units, expected.get(key), `${key}: ${sum}`);
            assert.doesNotMatch(sum, /\.\d*0$|^-0$|e/);
          }
          assert.equal(result.keys.length, expected.size);
        },
      ),
      { numRuns: 200 },
    );
  });
});

describe('edge cases', () => {
  const wordcount = (text: string, options: Partial<Extract<JobSpec, { kind: 'wordcount' }>> = {}, chunkBytes = 3) =>
    runJobInline({ kind: 'wordcount', ...options }, new TextEncoder().encode(text), { chunkBytes, partitions: 3 });

  test('empty input and only punctuation give zero words', () => {
    for (const text of ['', ' ', '...,;!\n\n\r\n', "'''", '\u2019']) {
      assert.deepEqual(wordcount(text), { kind: 'wordcount', totalWords: 0, distinctWords: 0, top: [] });
    }
    assert.deepEqual(runJobInline({ kind: 'grep', pattern: 'x' }, []), { kind: 'grep', matches: [], matchCount: 0, truncated: false });
  });

  test('multi-byte characters survive 1-byte chunks (cuts fall after newlines only)', () => {
    const text = 'é😀日\nç😀\n😀é\n';
    for (const chunk of splitInput(new TextEncoder().encode(text), 1)) assert.ok(isValidUtf8(chunk.bytes));
    assert.deepEqual(wordcount('ÉCOLE\nécole\nÉcole', {}, 1), naiveWordCount('ÉCOLE\nécole\nÉcole', true, 100));
    assert.deepEqual(
      runJobInline({ kind: 'letters' }, new TextEncoder().encode(text), { chunkBytes: 1 }),
      naiveLetters(text, true),
    );
  });

  test('chunks of a plain buffer (a Node Buffer too) own exact-size buffers, so each can be transferred', () => {
    for (const input of [Buffer.from('ab\ncd\nef\n'), new TextEncoder().encode('ab\ncd\nef\n')]) {
      const chunks = splitInput(input, 3);
      assert.equal(chunks.length, 3);
      for (const chunk of chunks) {
        assert.equal(chunk.bytes.byteOffset, 0);
        assert.equal(chunk.bytes.byteLength, chunk.bytes.buffer.byteLength);
        assert.notEqual(chunk.bytes.buffer, input.buffer);
      }
    }
    const shared = new Uint8Array(new SharedArrayBuffer(9));
    shared.set(new TextEncoder().encode('ab\ncd\nef'));
    for (const chunk of splitInput(shared, 3)) assert.equal(chunk.bytes.buffer, shared.buffer);
  });

  test('sumbykey trims blanks in linear time (a long inner run of blanks once took quadratic time)', () => {
    // With the old regex trim this line alone took minutes: the runner's timeout would fail the test.
    const text = `a,1\nb,2${' '.repeat(400_000)}x\n${' '.repeat(400_000)}a , 2.5 \t\n`;
    const result = runJobInline({ kind: 'sumbykey' }, new TextEncoder().encode(text), { chunkBytes: 1 << 20 });
    assert.deepEqual(result, naiveSumByKey('a,1\nb,2 x\na , 2.5 \t\n', 1e5));
  });

  test('CRLF and LF lines read the same', () => {
    const lf = runJobInline({ kind: 'grep', pattern: 'b$' }, new TextEncoder().encode('ab\ncb\nd\n'), { chunkBytes: 2 });
    const crlf = runJobInline({ kind: 'grep', pattern: 'b$' }, new TextEncoder().encode('ab\r\ncb\r\nd\r\n'), { chunkBytes: 2 });
    assert.deepEqual(crlf, lf);
    assert.equal(lf.kind === 'grep' ? lf.matchCount : -1, 2);
  });

  test('ties in top N are broken by code point order, astral after U+FFFF', () => {
    const result = wordcount('b a c \uFB01 \u{1D41A} a b c \uFB01 \u{1D41A}', { top: 5, caseFold: false });
    assert.deepEqual(result.kind === 'wordcount' ? result.top.map((w) => w.word) : [], ['a', 'b', 'c', '\uFB01', '\u{1D41A}']);
    const cut = wordcount('z z y y x', { top: 1 });
    assert.deepEqual(cut.kind === 'wordcount' ? cut.top : [], [{ word: 'y', count: 2 }]);
  });

  test('apostrophes belong to a word only between word characters', () => {
    const result = wordcount("don't 'quoted' l’été rock'n'roll it's' '", { caseFold: false });
    assert.deepEqual(
      result.kind === 'wordcount' ? result.top.map((w) => w.word).sort() : [],
      ["don't", 'it\'s', 'l’été', "quoted", "rock'n'roll"].sort(),
    );
  });

  test('case folding merges keys that fold together (Kelvin sign K with k)', () => {
    assert.deepEqual(wordcount('\u212A k K', { top: 3 }), { kind: 'wordcount', totalWords: 3, distinctWords: 1, top: [{ word: 'k', count: 3 }] });
  });

  test('index over raw text uses 1-based line numbers; over documents their indexes', () => {
    const text = runJobInline({ kind: 'index' }, new TextEncoder().encode('a b\nb\n\nA\n'), { chunkBytes: 2, partitions: 2 });
    assert.deepEqual(text, naiveIndex('a b\nb\n\nA\n', true, 1e5, 1e4));
    assert.deepEqual(text.kind === 'index' ? text.words.map((w) => [w.word, w.documents]) : [], [['a', [1, 4]], ['b', [1, 2]]]);
    const docs = runJobInline({ kind: 'index', caseFold: false }, ['a b', '', 'b A']);
    assert.deepEqual(docs.kind === 'index' ? docs.words.map((w) => [w.word, w.documents]) : [], [['A', [2]], ['a', [0]], ['b', [0, 2]]]);
  });
});

describe('UTF-8 validation', () => {
  const table: Array<[number[], number]> = [
    [[0x61, 0x62], -1],
    [[0xc3, 0xa9], -1],
    [[0x61, 0xff], 1],
    [[0xc3], 0],
    [[0x61, 0xc0, 0x80], 1],
    [[0xe0, 0x80, 0x80], 0],
    [[0xed, 0xa0, 0x80], 0],
    [[0xf4, 0x90, 0x80, 0x80], 0],
    [[0xf0, 0x9f, 0x98, 0x80, 0x80], 4],
    [[0x61, 0xe6, 0x97], 1],
  ];
  for (const [bytes, offset] of table) {
    test(`${bytes.map((b) => b.toString(16)).join(' ')} -> ${offset}`, () => {
      assert.equal(firstInvalidUtf8(new Uint8Array(bytes)), offset);
      assert.equal(isValidUtf8(new Uint8Array(bytes)), offset === -1);
    });
  }

  test('agrees with a fatal TextDecoder on random bytes, and the prefix before the offset is valid', () => {
    const decoder = new TextDecoder('utf-8', { fatal: true });
    const valid = (b: Uint8Array) => {
      try {
        decoder.decode(b);
        return true;
      } catch {
        return false;
      }
    };
    const bytesArb = fc
      .array(fc.oneof(fc.integer({ min: 0, max: 255 }), fc.constantFrom(0xc3, 0xa9, 0xe6, 0x97, 0xa5, 0xf0, 0x9f, 0x98, 0x80)), { maxLength: 24 })
      .map((a) => new Uint8Array(a));
    fc.assert(
      fc.property(bytesArb, (bytes) => {
        const offset = firstInvalidUtf8(bytes);
        assert.equal(offset === -1, valid(bytes));
        assert.equal(isValidUtf8(bytes), valid(bytes));
        if (offset >= 0) assert.ok(valid(bytes.subarray(0, offset)));
      }),
      { numRuns: 2000 },
    );
  });

  test('splitInput refuses invalid UTF-8', () => {
    assert.throws(() => splitInput(new Uint8Array([0x61, 0xff, 0x0a]), 8), { name: 'InvalidUtf8Error' });
  });
});

describe('grep pattern guard', () => {
  const refused: Array<[string, string]> = [
    ['(a+)+', 'nested-quantifier'],
    ['(a*b?)*', 'nested-quantifier'],
    ['((ab)*c)+', 'nested-quantifier'],
    ['(a|a)*', 'quantified-alternation'],
    ['(\\1)', 'backreference'],
    ['(?<x>a)\\k<x>', 'backreference'],
    ['a(?=b)', 'lookaround'],
    ['(?!a)b', 'lookaround'],
    ['(?<=a)b', 'lookaround'],
    ['(?<!a)b', 'lookaround'],
    ['(?:a+)*', 'nested-quantifier'],
    ['(?<n>a|b)+', 'quantified-alternation'],
    ['a{5000}', 'large-repeat'],
    ['a{1,1001}', 'large-repeat'],
    ['a'.repeat(257), 'too-long'],
  ];
  for (const [pattern, reason] of refused) {
    test(`refuses ${pattern.length > 20 ? `${pattern.slice(0, 10)}…` : pattern} (${reason})`, () => {
      assert.throws(() => checkPattern(pattern), (error: unknown) => error instanceof PatternRefusedError && error.reason === reason);
    });
  }

  test('refuses invalid syntax when compiled by a job', () => {
    assert.throws(() => runJobInline({ kind: 'grep', pattern: '(' }, ['x']), (error: unknown) => error instanceof PatternRefusedError && error.reason === 'invalid');
    assert.throws(() => runJobInline({ kind: 'grep', pattern: 'a{' }, ['x']), (error: unknown) => error instanceof PatternRefusedError);
  });

  for (const pattern of ['a+b', '[ab]*', '(ab)+', '\\p{L}+', 'x{2,5}', '(?:ab)?c', 'a|b', '^\\d+,\\d+$', '[(+)]+', '\\(a+\\)+']) {
    test(`accepts ${pattern}`, () => {
      assert.doesNotThrow(() => checkPattern(pattern));
    });
  }
});

describe('documents as the HTTP layer hands them over', () => {
  const sumByKeyArb: fc.Arbitrary<JobSpec> = fc.record({ kind: fc.constant('sumbykey' as const), maxKeys: fc.integer({ min: 0, max: 6 }) });

  test('packed documents give what the strings give; joined ones too, for jobs where documents do not matter', () => {
    fc.assert(
      fc.property(fc.oneof(jobArb, sumByKeyArb), fc.array(fc.oneof(textArb, csvArb), { maxLength: 6 }), settingsArb, (job, documents, settings) => {
        const expected = runJobInline(job, documents, settings);
        assert.deepEqual(runJobInline(job, packDocuments(documents, 0), settings), expected, 'packed');
        if (!documentsMatter(job)) assert.deepEqual(runJobInline(job, joinDocuments(documents, 0), settings), expected, 'joined');
      }),
    );
  });

  test('merging the map outputs of consecutive chunks, where a job can, changes no answer', () => {
    fc.assert(
      fc.property(fc.oneof(jobArb, sumByKeyArb), fc.array(fc.oneof(textArb, csvArb), { maxLength: 6 }), settingsArb, fc.integer({ min: 1, max: 4 }), (job, documents, { chunkBytes, partitions }, batch) => {
        const chunks = splitInput(documents, chunkBytes, { lineNumbers: jobNeedsLineNumbers(job) });
        const outputs: MapOutput[] = [];
        for (let start = 0; start < chunks.length; start += batch) {
          outputs.push(...mergeMapOutputs(job, chunks.slice(start, start + batch).map((chunk) => mapChunk(job, chunk, partitions))));
        }
        const partials = Array.from({ length: partitions }, (_, p) => reducePartition(job, outputs.map((output) => output.partitions[p]!)));
        assert.deepEqual(mergePartials(job, partials), runJobInline(job, documents, { chunkBytes, partitions }));
      }),
    );
  });
});
