/**
 * A word count written as user functions, run in the sandbox through the real pool, equals
 * the built-in wordcount kernel (runJobInline, an independent implementation over bytes) on
 * random Unicode texts, whatever the batching, partition count, input format or combine.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import fc from 'fast-check';
import { compareCodePoints, MAX_TOP_WORDS, runJobInline, type WordCountResult } from '../../src/compute/mapreduce/index.js';
import { WorkerPool } from '../../src/pool/pool.js';
import { runCustomJob, textBatches, valueBatches, type SandboxBatch, type SandboxResult } from '../../src/sandbox/index.js';
import { poolRunner, testLimits, WORD_COUNT, WORD_COUNT_NO_COMBINE } from '../helpers/sandbox.js';

let pool: WorkerPool;
before(() => {
  pool = new WorkerPool({ threads: 2, maxQueuedTasks: 16 });
});
after(() => pool.close());

// Pieces chosen for the word definition's edges: apostrophes inside and outside words,
// combining marks, digits of other scripts, case folds that change length or are
// context-sensitive (final sigma), letters outside the BMP, symbols that are not letters.
const PIECES = [
  'a', 'Z', 'word', 'Word', 'é', 'É', 'e\u0301', 'ß', 'İ', 'Σ', 'ΑΣ', 'ς', 'ΑΣ.Β', '\u212a', 'ǅ', '𝐀', '中文', '٣', '42',
  "'", '’', "don't", 'l’été', ' ', ' ', '  ', '\t', '\n', '\n', '\r\n', '.', ',', '-', '😀', '\u00a0', '_',
];
const texts = fc.array(fc.constantFrom(...PIECES), { maxLength: 120 }).map((pieces) => pieces.join(''));

function asWordCount(results: readonly SandboxResult[]): WordCountResult {
  const top = results
    .map(({ key, value }) => ({ word: String(key), count: value as number }))
    .sort((a, b) => b.count - a.count || compareCodePoints(a.word, b.word));
  return { kind: 'wordcount', totalWords: top.reduce((sum, entry) => sum + entry.count, 0), distinctWords: top.length, top };
}

function batchesOf(text: string, format: 'lines' | 'ndjson' | 'values', batchBytes: number): SandboxBatch[] {
  const bytes = new TextEncoder().encode(text);
  if (format === 'lines') return textBatches(bytes, 'lines', batchBytes);
  const lines = text.split('\n');
  if (lines.at(-1) === '') lines.pop();
  if (format === 'values') return valueBatches(lines, Math.max(1, batchBytes >> 3));
  return textBatches(new TextEncoder().encode(lines.map((line) => JSON.stringify(line)).join('\n')), 'ndjson', batchBytes);
}

test('a user word count equals the built-in wordcount on random texts, batchings and partitions', async () => {
  await fc.assert(
    fc.asyncProperty(
      texts,
      fc.integer({ min: 1, max: 96 }),
      fc.integer({ min: 1, max: 4 }),
      fc.constantFrom('lines' as const, 'ndjson' as const, 'values' as const),
      fc.boolean(),
      async (text, batchBytes, partitions, format, combine) => {
        const expected = runJobInline({ kind: 'wordcount', top: MAX_TOP_WORDS }, new TextEncoder().encode(text));
        const { results } = await runCustomJob(poolRunner(pool), {
          functions: combine ? WORD_COUNT : WORD_COUNT_NO_COMBINE,
          batches: batchesOf(text, format, batchBytes),
          partitions,
          limits: testLimits(),
          lanes: 4,
        });
        assert.deepEqual(asWordCount(results), expected);
      },
    ),
    { numRuns: 40 },
  );
});

test('and on a longer text, in one batch and in many', async () => {
  const random = fc.sample(fc.array(fc.constantFrom(...PIECES), { minLength: 20_000, maxLength: 20_000 }), { numRuns: 1, seed: 7 })[0]!;
  const text = random.join('');
  const expected = runJobInline({ kind: 'wordcount', top: MAX_TOP_WORDS }, new TextEncoder().encode(text));
  for (const batchBytes of [1 << 20, 4096]) {
    const { results, documents } = await runCustomJob(poolRunner(pool), {
      functions: WORD_COUNT,
      batches: batchesOf(text, 'lines', batchBytes),
      partitions: 3,
      limits: testLimits(),
      lanes: 4,
    });
    assert.deepEqual(asWordCount(results), expected);
    assert.equal(documents, text.split('\n').length - (text.endsWith('\n') ? 1 : 0));
  }
});
