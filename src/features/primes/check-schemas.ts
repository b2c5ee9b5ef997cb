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
