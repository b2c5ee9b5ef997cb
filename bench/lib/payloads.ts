/** Request bodies for the overload bench, built straight into Buffers (they reach hundreds of MiB). */

const wordAlphabet = '0123456789abcdefghijklmnopqrstuvwxyz';

/**
 * Text of `words` distinct words (`[0-9a-z]`, a word to the crunch tokenizer, already
 * lower-case), separated by spaces, with a newline after every `wordsPerLine` (0: one single
 * line), cut at `maxBytes`. Words are the base-36 numerals of 0, 1, 2, …, four digits while
 * those last, then five: the shortest distinct words, to fit the most into an upload.
 */
export function distinctWords(options: { words: number; wordsPerLine: number; maxBytes: number }): { text: Buffer; words: number } {
  const { wordsPerLine, maxBytes } = options;
  const fourDigit = 36 ** 4;
  const bytes = Math.min(maxBytes, Math.min(options.words, fourDigit) * 5 + Math.max(0, options.words - fourDigit) * 6);
  const text = Buffer.allocUnsafe(bytes);
  const codes = Buffer.from(wordAlphabet, 'latin1');
  let at = 0;
  let word = 0;
  for (; word < options.words; word += 1) {
    const digits = word < fourDigit ? 4 : 5;
    const value = word < fourDigit ? word : word - fourDigit;
    if (at + digits + 1 > bytes) break;
    let rest = value;
    for (let position = digits - 1; position >= 0; position -= 1) {
      text[at + position] = codes[rest % 36]!;
      rest = Math.floor(rest / 36);
    }
    at += digits;
    text[at++] = wordsPerLine > 0 && (word + 1) % wordsPerLine === 0 ? 0x0a : 0x20;
  }
  return { text: text.subarray(0, at), words: word };
}

/** `prefix` + as many `item()`s as fit, comma-separated, + `suffix`, at most `maxBytes` in all. */
export function jsonArrayBody(prefix: string, item: () => string, suffix: string, maxBytes: number): { body: Buffer; items: number } {
  const parts: string[] = [];
  let size = prefix.length + suffix.length;
  for (;;) {
    const next = item();
    const added = next.length + (parts.length > 0 ? 1 : 0);
    if (size + added > maxBytes) break;
    parts.push(next);
    size += added;
  }
  return { body: Buffer.from(`${prefix}${parts.join(',')}${suffix}`, 'latin1'), items: parts.length };
}

/** `bytes` of ordinary text (a few MiB generated, then repeated), with line breaks. */
export function repeatedText(sample: Buffer, bytes: number): Buffer {
  const text = Buffer.allocUnsafe(bytes);
  for (let at = 0; at < bytes; at += sample.length) sample.copy(text, at, 0, Math.min(sample.length, bytes - at));
  return text;
}
