/**
 * Text primitives shared by the jobs: the word definition, code-point ordering, the
 * stable key hash that picks a partition, and cached Unicode classification of code
 * points met while scanning UTF-8 bytes.
 *
 * A word is a maximal run of Unicode letters, marks and numbers (`\p{L}`, `\p{M}`,
 * `\p{N}`), where an apostrophe (U+0027 or U+2019) between two such characters is part
 * of the word ("don't", "l’été"). Marks are included so that decomposed accents and
 * scripts written with vowel signs (Devanagari, Thai) are not cut into pieces.
 */

export const WORD_PATTERN = /[\p{L}\p{M}\p{N}]+(?:['\u2019][\p{L}\p{M}\p{N}]+)*/gu;

const WORD_CHAR = /^[\p{L}\p{M}\p{N}]$/u;
const LETTER_CHAR = /^\p{L}$/u;

/** Per BMP code point: 0 unknown yet, 1 yes, 2 no. Astral code points go through a Map. */
const wordBmp = new Uint8Array(0x10000);
const letterBmp = new Uint8Array(0x10000);
const wordAstral = new Map<number, boolean>();
const letterAstral = new Map<number, boolean>();

export function isWordCodePoint(cp: number): boolean {
  if (cp < 0x10000) {
    const known = wordBmp[cp]!;
    if (known !== 0) return known === 1;
    const yes = WORD_CHAR.test(String.fromCharCode(cp));
    wordBmp[cp] = yes ? 1 : 2;
    return yes;
  }
  let yes = wordAstral.get(cp);
  if (yes === undefined) {
    yes = WORD_CHAR.test(String.fromCodePoint(cp));
    wordAstral.set(cp, yes);
  }
  return yes;
}

export function isLetterCodePoint(cp: number): boolean {
  if (cp < 0x10000) {
    const known = letterBmp[cp]!;
    if (known !== 0) return known === 1;
    const yes = LETTER_CHAR.test(String.fromCharCode(cp));
    letterBmp[cp] = yes ? 1 : 2;
    return yes;
  }
  let yes = letterAstral.get(cp);
  if (yes === undefined) {
    yes = LETTER_CHAR.test(String.fromCodePoint(cp));
    letterAstral.set(cp, yes);
  }
  return yes;
}

const WORD_CHARS = /[\p{L}\p{M}\p{N}]/gu;

/**
 * The word code points among [page * 256, page * 256 + 256), found in one regex pass over the
 * page (six times cheaper than 256 single tests, for the wasm scanner's lazy class pages).
 */
export function wordCodePointsInPage(page: number): number[] {
  let text = '';
  for (let cp = page << 8; cp < (page + 1) << 8; cp++) text += String.fromCodePoint(cp);
  const found: number[] = [];
  for (const match of text.matchAll(WORD_CHARS)) found.push(match[0].codePointAt(0)!);
  return found;
}

/**
 * Compares strings by Unicode code point, not by UTF-16 code unit as `<` does: the two
 * differ only when a surrogate (an astral character) meets U+E000..U+FFFF.
 */
export function compareCodePoints(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    let x = a.charCodeAt(i);
    let y = b.charCodeAt(i);
    if (x === y) continue;
    if (x >= 0xd800 && y >= 0xd800) {
      // Lift surrogates above U+E000..U+FFFF so the order matches code points.
      x = x < 0xe000 ? x + 0x2000 : x - 0x800;
      y = y < 0xe000 ? y + 0x2000 : y - 0x800;
    }
    return x - y;
  }
  return a.length - b.length;
}

/** FNV-1a over UTF-16 code units: identical in every thread and process, cheap. */
export function stableHash(key: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < key.length; i++) h = Math.imul(h ^ key.charCodeAt(i), 0x01000193);
  return h >>> 0;
}

export function partitionOf(key: string, partitions: number): number {
  return partitions === 1 ? 0 : stableHash(key) % partitions;
}

/**
 * Decodes the code point at bytes[i] (a lead byte >= 0x80 of valid UTF-8). Returns the
 * code point times 8 plus the sequence length, to avoid allocating a pair in hot loops.
 * Truncated or stray bytes decode as U+FFFD of length 1, so invalid input cannot hang.
 */
export function decodeAt(bytes: Uint8Array, i: number, end: number): number {
  const b0 = bytes[i]!;
  if (b0 >= 0xc0 && b0 < 0xe0 && i + 1 < end) {
    return (((b0 & 0x1f) << 6) | (bytes[i + 1]! & 0x3f)) * 8 + 2;
  }
  if (b0 >= 0xe0 && b0 < 0xf0 && i + 2 < end) {
    return (((b0 & 0x0f) << 12) | ((bytes[i + 1]! & 0x3f) << 6) | (bytes[i + 2]! & 0x3f)) * 8 + 3;
  }
  if (b0 >= 0xf0 && i + 3 < end) {
    const cp = ((b0 & 0x07) << 18) | ((bytes[i + 1]! & 0x3f) << 12) | ((bytes[i + 2]! & 0x3f) << 6) | (bytes[i + 3]! & 0x3f);
    return cp * 8 + 4;
  }
  return 0xfffd * 8 + 1;
}

/** Drops a trailing `\r` so CRLF and LF lines read the same. */
export function stripCr(line: string): string {
  return line.length > 0 && line.charCodeAt(line.length - 1) === 13 ? line.slice(0, -1) : line;
}

/** Calls `visit` for each line of `text` (split on `\n`, no empty line after a final `\n`). */
export function forEachLine(text: string, firstLine: number, visit: (line: string, lineNumber: number) => void): void {
  let start = 0;
  let lineNumber = firstLine;
  while (start < text.length) {
    let end = text.indexOf('\n', start);
    if (end === -1) end = text.length;
    visit(stripCr(text.slice(start, end)), lineNumber);
    lineNumber++;
    start = end + 1;
  }
}

export const utf8Decoder = new TextDecoder('utf-8');
