/** Contract of POST /v1/reduce, and the parsing of JSON values into the kernels' arrays. */
import { z } from '@hono/zod-openapi';
import { floatOps, intOps } from '../../compute/reduce/reduce.js';
import type { Limits } from '../../config.js';

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
/** A value as a string: an int of any size in decimal, or a float64 JSON cannot write. */
const valueStringPattern = '^(-?(0|[1-9][0-9]*)|NaN|-?Infinity)$';

export const ReduceValueSchema = z.unknown().openapi('ReduceValue', {
  anyOf: [{ type: 'number' }, { type: 'string', pattern: valueStringPattern }],
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

/**
 * The query of a binary body: what the legacy combined route `POST /v1/reduce` reads with an
 * `application/octet-stream` body (both optional there, and checked by the handler).
 */
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

/** The query of `POST /v1/reduce/binary`, as documented: both required. */
export const ReduceBinaryQuerySchema = z.object({
  op: ReduceOpSchema.openapi({ param: { name: 'op', in: 'query' }, description: 'The operation.' }),
  type: ReduceTypeSchema.openapi({
    param: { name: 'type', in: 'query' },
    description: 'How to read the body: little-endian `float64`, or little-endian `int` (int64).',
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
    result: z.union([z.number(), z.string().openapi({ pattern: valueStringPattern })]).openapi({
      description:
        'float64 results: a JSON number, or "NaN", "Infinity", "-Infinity" (JSON has no such numbers; -0 is sent as 0). ' +
        'int results: a decimal string, except mean, a float64 like above.',
      example: 0.6,
    }),
  })
  .openapi('ReduceResponse', { example: { op: 'sum', type: 'float64', count: 3, result: 0.6 } });
