/**
 * Integers on the wire: JSON numbers while they are safe (<= 2^53 - 1), decimal strings
 * beyond. Anything else is refused with a message that says what to send instead, never
 * rounded or coerced.
 */
import { z } from '@hono/zod-openapi';
import { type IntegerBatch, U64_LIMIT, bitLength } from '../compute/primes/integer.js';
import { type FieldError, InputError } from './errors.js';

const decimalPattern = /^(0|[1-9][0-9]*)$/;

/** The contract's `pattern` of a non-negative integer in decimal: what parseIntegerInput takes. */
export const decimalIntegerPattern = decimalPattern.source;

/**
 * Checked only for its JSON type here: parseIntegerInput/parseIntegerBatch do the real
 * validation with pointed messages, and a zod union per item would cost more than they do.
 */
export const IntegerInputSchema = z
  .custom<number | string>((value) => typeof value === 'number' || typeof value === 'string', {
    message: 'must be a non-negative integer, as a JSON number or a decimal string',
  })
  .openapi('IntegerInput', {
    type: ['integer', 'string'],
    minimum: 0,
    pattern: decimalIntegerPattern,
    description:
      'A non-negative integer: a JSON number up to 2^53 - 1 (9007199254740991), or a decimal string of digits ' +
      '(no sign, spaces, leading zeros or prefix) for any size.',
    examples: [97, '18446744073709551557'],
  });

export const IntegerStringSchema = z.string().openapi('IntegerString', {
  pattern: decimalIntegerPattern,
  description: 'A non-negative integer as a decimal string (integers travel as strings in responses).',
  example: '97',
});

/**
 * A small whole number in a query string (a page size, a count), typed `integer` in the
 * contract. Checked here with one message that says what to send, rather than zod's
 * coercion (`Number("")` is 0, `Number("1e3")` is 1000, "abc" reads "expected number, received NaN").
 */
export function queryIntegerSchema(min: number, max: number) {
  return z
    .string()
    .transform((text, context) => {
      const value = /^(0|[1-9][0-9]{0,15})$/.test(text) ? Number(text) : Number.NaN;
      if (value >= min && value <= max) return value;
      context.addIssue({ code: 'custom', message: `must be a whole number from ${min} to ${max}; got ${JSON.stringify(text)}` });
      return z.NEVER;
    })
    .openapi({ type: 'integer', minimum: min, maximum: max });
}

/** A non-negative integer of any size in a path or query string: a string with the contract's `pattern`, parsed by parseIntegerInput. */
export function decimalStringSchema() {
  return z.string().openapi({ pattern: decimalIntegerPattern });
}

export type IntegerParse = { ok: true; value: bigint } | { ok: false; message: string };

/** Parses one integer from JSON (number or string) or from a URL (string), checking its size. */
export function parseIntegerInput(raw: unknown, maxBits: number): IntegerParse {
  if (typeof raw === 'number') {
    if (!Number.isFinite(raw) || !Number.isInteger(raw)) {
      return { ok: false, message: `${raw} is not an integer: send a whole number, e.g. 97` };
    }
    if (raw < 0) return { ok: false, message: `${raw} is negative: send a non-negative integer` };
    if (!Number.isSafeInteger(raw)) {
      return {
        ok: false,
        message:
          `${raw} is above 2^53 - 1 (9007199254740991), where JSON numbers lose precision: ` +
          'send the exact value as a decimal string, e.g. "18446744073709551557"',
      };
    }
    return checkBits(BigInt(raw), maxBits);
  }
  if (typeof raw !== 'string') {
    return { ok: false, message: 'must be a non-negative integer, as a JSON number or a decimal string' };
  }
  if (decimalPattern.test(raw)) {
    // Digits carry ~3.32 bits each: refuse absurd lengths before paying for BigInt.
    if (raw.length > maxDigits(maxBits)) {
      return { ok: false, message: `has ${raw.length} digits, above the limit of ${maxBits} bits` };
    }
    return checkBits(BigInt(raw), maxBits);
  }
  return { ok: false, message: describeBadDecimal(raw) };
}

/** Digits carry ~3.32 bits each; a longer string cannot fit in `maxBits`. */
function maxDigits(maxBits: number): number {
  return Math.ceil(maxBits / 3.3219) + 1;
}

const safeLimit = BigInt(Number.MAX_SAFE_INTEGER);

function checkBits(value: bigint, maxBits: number): IntegerParse {
  if (maxBits >= 53 && value <= safeLimit) return { ok: true, value };
  const bits = bitLength(value);
  if (bits > maxBits) return { ok: false, message: `has ${bits} bits, above the limit of ${maxBits} bits` };
  return { ok: true, value };
}

function describeBadDecimal(raw: string): string {
  const shown = raw.length > 40 ? `${JSON.stringify(raw.slice(0, 40))}…` : JSON.stringify(raw);
  const hint = 'send only the digits 0-9, e.g. "97"';
  if (raw === '') return `is an empty string: ${hint}`;
  if (raw.trim() !== raw) return `${shown} has surrounding whitespace: ${hint}`;
  if (raw.startsWith('-')) return `${shown} is negative: send a non-negative integer`;
  if (raw.startsWith('+')) return `${shown} has a sign: ${hint}`;
  if (/^0[xob]/i.test(raw)) return `${shown} is not decimal: ${hint}`;
  if (/^0[0-9]+$/.test(raw)) return `${shown} has leading zeros: ${hint}`;
  if (/^[0-9]*\.[0-9]*$/.test(raw) || /^[0-9.]+e[+-]?[0-9]+$/i.test(raw)) {
    return `${shown} is not a whole number in plain decimal digits: ${hint}`;
  }
  return `${shown} is not a decimal integer: ${hint}`;
}

/** Parses a list, collecting at most `maxErrors` field errors with JSON pointers. */
export function parseIntegerList(
  raws: readonly unknown[],
  pointerBase: string,
  maxBits: number,
  maxErrors = 20,
): { values: bigint[]; errors: FieldError[] } {
  const values: bigint[] = new Array<bigint>(raws.length);
  const errors: FieldError[] = [];
  for (let index = 0; index < raws.length; index += 1) {
    const parsed = parseIntegerInput(raws[index], maxBits);
    if (parsed.ok) values[index] = parsed.value;
    else if (errors.length < maxErrors) errors.push({ pointer: `${pointerBase}/${index}`, message: parsed.message });
    else break;
  }
  return { values, errors };
}

/**
 * Parses a list straight into the packed batch the prime kernels take. Values below 2^64
 * are written as two 32-bit words computed exactly in doubles, with no BigInt and no
 * regular expression per item (a 10 000-number request spends most of its main-thread time
 * here otherwise); larger ones become BigInts. Bad items are refused with every field error,
 * as parseIntegerList reports them (that slower path runs only when something is wrong).
 */
export function parseIntegerBatch(raws: readonly unknown[], pointerBase: string, maxBits: number): IntegerBatch {
  const count = raws.length;
  const small = new BigUint64Array(count);
  const words = new Uint32Array(small.buffer);
  const largeIndex: number[] = [];
  const largeValues: bigint[] = [];
  const limit = 1n << BigInt(maxBits);
  const longest = maxDigits(maxBits);
  // The word packing assumes a little-endian host and a limit of at least 64 bits.
  const packWords = littleEndian && maxBits >= 64;
  for (let index = 0; index < count; index += 1) {
    const raw = raws[index];
    if (packWords && typeof raw === 'number') {
      if (!Number.isSafeInteger(raw) || raw < 0) return refuse(raws, pointerBase, maxBits);
      words[2 * index] = raw % twoTo32;
      words[2 * index + 1] = Math.floor(raw / twoTo32);
      continue;
    }
    if (packWords && typeof raw === 'string' && raw.length <= 20 && packDecimal(raw, words, 2 * index)) continue;
    let value: bigint;
    if (typeof raw === 'number' && Number.isSafeInteger(raw) && raw >= 0) value = BigInt(raw);
    else if (typeof raw === 'string' && raw.length <= longest && decimalPattern.test(raw)) value = BigInt(raw);
    else return refuse(raws, pointerBase, maxBits);
    if (value >= limit) return refuse(raws, pointerBase, maxBits);
    if (value < U64_LIMIT) small[index] = value;
    else {
      largeIndex.push(index);
      largeValues.push(value);
    }
  }
  return { count, small, largeIndex, largeValues };
}

const littleEndian = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;
const twoTo32 = 2 ** 32;
const tenTo8 = 1e8;

/**
 * Writes a canonical decimal of at most 20 digits below 2^64 as [low, high] 32-bit words
 * at `at`, and returns true; returns false (writing nothing) for anything else, which the
 * caller then handles the slow way. Every intermediate stays below 2^53, so it is exact:
 * value = hi * 10^8 + lo, hi < 10^12 split into hiHigh * 2^32 + a * 2^16 + b.
 */
function packDecimal(text: string, words: Uint32Array, at: number): boolean {
  const length = text.length;
  if (length === 0 || (length > 1 && text.charCodeAt(0) === 48)) return false;
  const split = Math.max(0, length - 8);
  let hi = 0;
  for (let position = 0; position < split; position += 1) {
    const digit = text.charCodeAt(position) - 48;
    if (digit < 0 || digit > 9) return false;
    hi = hi * 10 + digit;
  }
  let lo = 0;
  for (let position = split; position < length; position += 1) {
    const digit = text.charCodeAt(position) - 48;
    if (digit < 0 || digit > 9) return false;
    lo = lo * 10 + digit;
  }
  const hiHigh = Math.floor(hi / twoTo32); // < 2^8
  const hiLow = hi - hiHigh * twoTo32;
  const a = Math.floor(hiLow / 65536); // < 2^16
  const b = hiLow - a * 65536; // < 2^16
  const t0 = b * tenTo8 + lo; // < 2^43
  const t1 = a * tenTo8; // < 2^43, weighs 2^16
  const t1High = Math.floor(t1 / 65536);
  const s0 = t0 + (t1 - t1High * 65536) * 65536; // < 2^44
  const carry = Math.floor(s0 / twoTo32);
  const high = hiHigh * tenTo8 + t1High + carry; // < 2^36
  if (high >= twoTo32) return false;
  words[at] = s0 - carry * twoTo32;
  words[at + 1] = high;
  return true;
}

function refuse(raws: readonly unknown[], pointerBase: string, maxBits: number): never {
  const { errors } = parseIntegerList(raws, pointerBase, maxBits);
  throw new InputError(errors.length > 0 ? errors : [{ pointer: pointerBase, message: 'contains an invalid integer' }]);
}
