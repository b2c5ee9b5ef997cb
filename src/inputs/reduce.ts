/**
 * The JSON body of POST /v1/reduce as an operation input: floats straight into shared
 * memory (pool shards are views of it), integers packed as int64 where they fit.
 */
import { packInts } from '../compute/reduce/int-reduce.js';
import { isOpAllowed, type ReduceType } from '../compute/reduce/reduce.js';
import type { Limits } from '../config.js';
import { reduceRequestSchema } from '../features/reduce/schemas.js';
import type { ReduceInput } from '../operations/reduce.js';
import { type FieldError, InputError } from './errors.js';
import { describeJsonValue } from './json.js';
import { zodFieldErrors } from './zod-issues.js';

const specials: Record<string, number> = { NaN: Number.NaN, Infinity: Number.POSITIVE_INFINITY, '-Infinity': Number.NEGATIVE_INFINITY };
const signedDecimal = /^-?(0|[1-9][0-9]*)$/;
const maxErrors = 20;

export type ParsedValues =
  | { readonly ok: true; readonly floats: Float64Array }
  | { readonly ok: true; readonly ints: bigint[] }
  | { readonly ok: false; readonly errors: FieldError[] };

/** Float values go straight into a SharedArrayBuffer so pool shards are views, not copies. */
export function parseFloatValues(raws: readonly unknown[]): ParsedValues {
  const floats = new Float64Array(new SharedArrayBuffer(raws.length * 8));
  const errors: FieldError[] = [];
  for (let i = 0; i < raws.length; i += 1) {
    const raw = raws[i];
    if (typeof raw === 'number') floats[i] = raw;
    else if (typeof raw === 'string' && raw in specials) floats[i] = specials[raw] as number;
    else {
      errors.push({
        pointer: `/values/${i}`,
        message: `${describeJsonValue(raw)} is not a float64: send a JSON number, or "NaN", "Infinity" or "-Infinity"`,
      });
      if (errors.length >= maxErrors) break;
    }
  }
  return errors.length > 0 ? { ok: false, errors } : { ok: true, floats };
}

export function parseIntValues(raws: readonly unknown[], maxBits: number): ParsedValues {
  const ints = new Array<bigint>(raws.length);
  const errors: FieldError[] = [];
  const fail = (i: number, message: string) => errors.push({ pointer: `/values/${i}`, message });
  for (let i = 0; i < raws.length && errors.length < maxErrors; i += 1) {
    const raw = raws[i];
    if (typeof raw === 'number') {
      if (!Number.isInteger(raw)) fail(i, `${raw} is not an integer: send a whole number, e.g. 42`);
      else if (!Number.isSafeInteger(raw)) {
        fail(i, `${raw} is beyond 2^53 - 1 in magnitude, where JSON numbers lose precision: send the exact value as a decimal string, e.g. "-18446744073709551617"`);
      } else ints[i] = BigInt(raw);
    } else if (typeof raw === 'string' && signedDecimal.test(raw)) {
      if (raw.length > Math.ceil(maxBits / 3.3219) + 2) {
        fail(i, `has ${raw.length} digits, above the limit of ${maxBits} bits`);
        continue;
      }
      const value = BigInt(raw);
      const magnitude = value < 0n ? -value : value;
      if (magnitude.toString(2).length > maxBits) fail(i, `has more than ${maxBits} bits, above the limit`);
      else ints[i] = value;
    } else {
      fail(i, `${describeJsonValue(raw)} is not an integer: send a JSON number or a decimal string of digits with an optional minus sign, e.g. "-42"`);
    }
  }
  return errors.length > 0 ? { ok: false, errors } : { ok: true, ints };
}

export function parseValues(type: ReduceType, raws: readonly unknown[], maxBits: number): ParsedValues {
  return type === 'float64' ? parseFloatValues(raws) : parseIntValues(raws, maxBits);
}

/** Refuses an op the type does not define, pointing at where the op was given. */
export function checkReduceOp(op: string, type: ReduceType, pointer: string): void {
  if (!isOpAllowed(op, type)) {
    throw new InputError([{ pointer, message: `${op} is defined for type int only; use type "int" or one of sum, product, min, max, mean` }]);
  }
}

export function tooManyValues(count: number, max: number): InputError {
  return new InputError([
    { pointer: '/values', message: `${count} values, above the limit of ${max}: split the array and reduce the partial results` },
  ]);
}

export function parseReduceBody(body: unknown, limits: Limits): ReduceInput {
  const parsed = reduceRequestSchema(limits).safeParse(body);
  if (!parsed.success) {
    const tooMany = Array.isArray((body as { values?: unknown } | null)?.values) && (body as { values: unknown[] }).values.length > limits.maxReduceValues;
    if (tooMany) throw tooManyValues((body as { values: unknown[] }).values.length, limits.maxReduceValues);
    throw new InputError(zodFieldErrors(parsed.error, 'json'));
  }
  const { op, type, values: raws } = parsed.data;
  checkReduceOp(op, type, '/op');
  const values = parseValues(type, raws, limits.maxIntegerBits);
  if (!values.ok) throw new InputError(values.errors);
  return { op, type, values: 'floats' in values ? values.floats : packInts(values.ints, true) };
}
