/**
 * JSON request bodies from their raw bytes: strict UTF-8 (an invalid byte is a 400 naming
 * its offset, never a silent U+FFFD as a lenient decoder would put in its place) and
 * JSON.parse, whose errors become a 400 naming the byte offset where parsing broke.
 * Nothing here recurses into the parsed value, so a body nested a million levels deep is
 * parsed (V8's parser is iterative) and then refused by the shape checks, not by a stack
 * overflow.
 */
import { isUtf8 } from 'node:buffer';
import { firstInvalidUtf8 } from '../compute/mapreduce/split.js';
import { MalformedBodyError } from './errors.js';

const decoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false });

/** The body as text, refused with the offset of its first bad byte unless it is UTF-8. */
export function decodeUtf8Strict(bytes: Uint8Array, what: 'JSON' | 'text' = 'JSON'): string {
  if (!isUtf8(bytes)) {
    const offset = firstInvalidUtf8(bytes);
    throw new MalformedBodyError(
      'invalid-utf8',
      `The body is not valid UTF-8: the first bad byte is at offset ${offset}. ${what === 'JSON' ? 'JSON' : 'Text'} must be sent as UTF-8.`,
      offset,
    );
  }
  return decoder.decode(bytes);
}

export function parseJsonBytes(bytes: Uint8Array): unknown {
  const text = decodeUtf8Strict(bytes);
  if (text.trim() === '') throw new MalformedBodyError('malformed-json', 'The body is empty: send a JSON document.', 0);
  try {
    return JSON.parse(text);
  } catch (error) {
    const position = /at position (\d+)/.exec(error instanceof Error ? error.message : '')?.[1];
    const offset = position === undefined ? undefined : Buffer.byteLength(text.slice(0, Number(position)));
    const where = offset === undefined ? '' : ` near byte ${offset}`;
    throw new MalformedBodyError(
      'malformed-json',
      `The request body is not valid JSON${where}: check quoting, commas and brackets.`,
      offset,
    );
  }
}

/** A short, safe description of a JSON value for messages: never serialises a whole (possibly huge or deep) value. */
export function describeJsonValue(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  switch (typeof value) {
    case 'string':
      return value.length > 40 ? `${JSON.stringify(value.slice(0, 40))}…` : JSON.stringify(value);
    case 'number':
    case 'boolean':
      return String(value);
    case 'object':
      return 'an object';
    default:
      return typeof value;
  }
}
