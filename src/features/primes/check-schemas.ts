/** Contract of the prime-checking endpoints. */
import { z } from '@hono/zod-openapi';
import type { Limits } from '../../config.js';
import { IntegerInputSchema, IntegerStringSchema, decimalStringSchema } from '../../inputs/integers.js';

export const PrimalityTestSchema = z.enum(['deterministic', 'probable']).openapi('PrimalityTest', {
  description:
    '`deterministic`: proven (Miller–Rabin with a base set proven for every n < 2^64). ' +
    '`probable`: Baillie–PSW, for n >= 2^64; no counterexample is known.',
});

export const PrimeCheckSchema = z
  .object({
    n: IntegerStringSchema,
    prime: z.boolean().openapi({ example: true }),
    test: PrimalityTestSchema,
  })
  .openapi('PrimeCheck', { example: { n: '97', prime: true, test: 'deterministic' } });

export const PrimeParamsSchema = z.object({
  n: decimalStringSchema().openapi({
    param: { name: 'n', in: 'path' },
    description: 'The integer to check, in decimal digits.',
    example: '97',
  }),
});

/**
 * `item` is the schema of each number: the contract documents IntegerInputSchema; the parser
 * (src/inputs/primes.ts) checks only the envelope with `z.unknown()` items and validates the
 * items itself, reporting at most 20 instead of one issue per bad item of a million.
 */
export function primeCheckBatchRequestSchema(limits: Limits, item: z.ZodType = IntegerInputSchema) {
  return z
    .object({
      numbers: z
        .array(item)
        .min(1)
        .max(limits.maxBatchItems)
        .openapi({ description: `1 to ${limits.maxBatchItems} integers of at most ${limits.maxIntegerBits} bits.` }),
    })
    .strict()
    .openapi('PrimeCheckBatchRequest', { example: { numbers: [2, 97, '18446744073709551557', 561] } });
}

export const PrimeCheckBatchResponseSchema = z
  .object({
    count: z.number().int().openapi({ example: 2 }),
    results: z.array(PrimeCheckSchema).openapi({ description: 'One result per input number, in input order.' }),
  })
  .openapi('PrimeCheckBatchResponse', {
    example: {
      count: 2,
      results: [
        { n: '97', prime: true, test: 'deterministic' },
        { n: '561', prime: false, test: 'deterministic' },
      ],
    },
  });

export const IntegerLinesSchema = z.string().openapi({
  description:
    'One non-negative decimal integer per line (`\\n`, or `\\r\\n`), no sign, spaces or leading zeros; a final newline is optional. ' +
    'Bad lines are reported by number: `#/line/3` is the third line.',
  example: '2\n97\n18446744073709551557\n561\n',
});

export const VerdictLinesSchema = z.string().openapi({
  description: 'One line per number, in input order: `1` when it is prime, `0` when it is not.',
  example: '1\n1\n1\n0\n',
});

export const VerdictBitmapSchema = z.string().openapi({
  format: 'binary',
  description:
    'One bit per number, in input order: number i is bit (i mod 8) of byte floor(i / 8), least significant bit first; ' +
    '1 when it is prime. The last byte is padded with 0 bits; ceil(count / 8) bytes in all.',
});

/** A batch's verdicts in each media type a client may `Accept`. */
export const verdictContent = {
  'application/json': { schema: PrimeCheckBatchResponseSchema },
  'text/plain': { schema: VerdictLinesSchema },
  'application/octet-stream': { schema: VerdictBitmapSchema },
} as const;
