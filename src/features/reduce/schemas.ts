/** Contract of POST /v1/reduce, and the parsing of JSON values into the kernels' arrays. */
import { z } from '@hono/zod-openapi';
import { floatOps, intOps } from '../../compute/reduce/reduce.js';
import type { ReduceType } from '../../compute/reduce/reduce.js';
import type { Limits } from '../../config.js';
import type { FieldError } from '../../http/problems.js';

export const ReduceOpSchema = z.enum(intOps).openapi('ReduceOp', {
  description: `For \`float64\`: ${floatOps.join(', ')}. For \`int\` also gcd, lcm, and, or, xor.`,
  example: 'sum',
});

export const ReduceTypeSchema = z.enum(['float64', 'int']).openapi('ReduceType', {
  description:
    '`float64`: IEEE doubles (sum and mean exactly rounded). `int`: exact integers of any size ' +
    '(two’s complement for and/or/xor).',
  example: 'float64',
});

// Validated value by value in parseValues (with messages that fit the type); the schema
// only documents the shape, so it accepts anything here.
export const ReduceValueSchema = z.unknown().openapi('ReduceValue', {
  anyOf: [{ type: 'number' }, { type: 'string' }],
  description:
    'float64: a JSON number, or one of the strings "NaN", "Infinity", "-Infinity". ' +
    'int: a JSON number up to 2^53 - 1 in magnitude, or a decimal string with an optional minus sign for any size.',
  examples: [0.1, 'NaN', '-18446744073709551617'],
});

export function reduceRequestSchema(limits: Limits) {
  return z
    .object({
      op: ReduceOpSchema,
      type: ReduceTypeSchema,
      values: z
        .array(ReduceValueSchema)
        .max(limits.maxReduceValues)
        .openapi({ description: `0 to ${limits.maxReduceValues} values.` }),
    })
    .strict()
    .openapi('ReduceRequest', { example: { op: 'sum', type: 'float64', values: [0.1, 0.2, 0.3] } });
}

export const ReduceQuerySchema = z.object({
  op: ReduceOpSchema.optional().openapi({
    param: { name: 'op', in: 'query' },
    description: 'The operation, for binary bodies (`application/octet-stream`) only.',
  }),
  type: ReduceTypeSchema.optional().openapi({
    param: { name: 'type', in: 'query' },
    description: 'How to read a binary body: little-endian `float64` or little-endian `int` (int64).',
  }),
});

export const BinaryValuesSchema = z.string().openapi({
  format: 'binary',
  description: 'Little-endian float64 or int64 values back to back (8 bytes each); `op` and `type` go in the query.',
});

export const ReduceResponseSchema = z
  .object({
    op: ReduceOpSchema,
    type: ReduceTypeSchema,
    count: z.number().int().openapi({ example: 3 }),
    result: z.union([z.number(), z.string()]).openapi({
      description:
        'float64 results: a JSON number, or "NaN", "Infinity", "-Infinity" (JSON has no such numbers; -0 is sent as 0). ' +
        'int results: a decimal string, except mean, a float64 like above.',
      example: 0.6,
    }),
  })
  .openapi('ReduceResponse', { example: { op: 'sum', type: 'float64', count: 3, result: 0.6 } });

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
        message: `${JSON.stringify(raw)?.slice(0, 40) ?? String(raw)} is not a float64: send a JSON number, or "NaN", "Infinity" or "-Infinity"`,
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
      const shown = JSON.stringify(raw)?.slice(0, 40) ?? String(raw);
      fail(i, `${shown} is not an integer: send a JSON number or a decimal string of digits with an optional minus sign, e.g. "-42"`);
    }
  }
  return errors.length > 0 ? { ok: false, errors } : { ok: true, ints };
}

export function parseValues(type: ReduceType, raws: readonly unknown[], maxBits: number): ParsedValues {
  return type === 'float64' ? parseFloatValues(raws) : parseIntValues(raws, maxBits);
}
