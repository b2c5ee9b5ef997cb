/**
 * The WebAssembly word scanner against its JavaScript twin and against a regex reference,
 * including code points from many Unicode pages (so the module asks for pages mid-word),
 * and inputs large enough to make its table grow.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { scanWords, type WordCounts } from '../../../src/compute/mapreduce/word-scan.js';
import { scanWordsWasm } from '../../../src/compute/mapreduce/word-scan-wasm.js';
import { isWordCodePoint, wordCodePointsInPage } from '../../../src/compute/mapreduce/text.js';

const WORD = /[\p{L}\p{M}\p{N}]+(?:['\u2019][\p{L}\p{M}\p{N}]+)*/gu;

function asMap(counts: WordCounts): Map<string, number> {
  const map = new Map<string, number>();
  counts.words.forEach((word, i) => map.set(word, (map.get(word) ?? 0) + counts.counts[i]!));
  return map;
}

function reference(text: string, fold: boolean): Map<string, number> {
  const map = new Map<string, number>();
  for (const match of text.match(WORD) ?? []) {
    const word = fold ? match.toLowerCase() : match;
    map.set(word, (map.get(word) ?? 0) + 1);
  }
  return map;
}

const sorted = (map: Map<string, number>) => [...map].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));

test('wasm and JavaScript scanners agree with the regex reference on random Unicode text', () => {
  const piece = fc.oneof(
    fc.constantFrom('a', 'Z', 'é', 'É', "'", '\u2019', ' ', '\n', '.', '1', 'İ', '\u212A', 'ß', '\u0301', '😀', '\u{1D400}', '\u{20000}'),
    fc.integer({ min: 0, max: 0x10ffff }).filter((cp) => cp < 0xd800 || cp > 0xdfff).map((cp) => String.fromCodePoint(cp)),
  );
  fc.assert(
    fc.property(fc.array(piece, { maxLength: 60 }), fc.boolean(), (pieces, fold) => {
      const text = pieces.join('');
      const bytes = new TextEncoder().encode(text);
      const wasm = scanWordsWasm(bytes, fold);
      const js = scanWords(bytes, fold);
      const expected = reference(text, fold);
      assert.deepEqual(sorted(asMap(wasm)), sorted(expected));
      assert.deepEqual(sorted(asMap(js)), sorted(expected));
      assert.equal(wasm.total, [...expected.values()].reduce((a, b) => a + b, 0));
      assert.equal(new Set(wasm.words).size, wasm.words.length);
    }),
    { numRuns: 2000 },
  );
});

test('many distinct words (the table grows) and a sub-range of the buffer', () => {
  const words: string[] = [];
  for (let i = 0; i < 50_000; i++) words.push(`${i.toString(36)}${i % 3 === 0 ? 'é' : ''}${i % 5 === 0 ? 'X' : 'x'}`);
  const text = `${words.join(' ')} ${words.slice(0, 1000).join('\n')}`;
  const bytes = new TextEncoder().encode(`!!${text}!!`);
  const result = scanWordsWasm(bytes, true, 2, bytes.length - 2);
  assert.deepEqual(sorted(asMap(result)), sorted(reference(text, true)));
  assert.equal(result.total, 51_000);
});

test('a class page found in one regex pass matches the single-code-point definition', () => {
  for (const page of [0x00, 0x03, 0x20, 0x30, 0xd8, 0xdc, 0xff, 0x1f6, 0x1d4, 0x200, 0x10ff]) {
    const expected: number[] = [];
    for (let cp = page << 8; cp < (page + 1) << 8; cp++) if (isWordCodePoint(cp)) expected.push(cp);
    assert.deepEqual(wordCodePointsInPage(page), expected, `page ${page.toString(16)}`);
  }
});
