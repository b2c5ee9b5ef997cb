/** Contract of the factoring endpoint. */
import { z } from '@hono/zod-openapi';
import type { Limits } from '../../config.js';
import { IntegerInputSchema, IntegerStringSchema } from '../../inputs/integers.js';
import { PrimalityTestSchema } from './check-schemas.js';

/** `item`: see primeCheckBatchRequestSchema. */
export function factorRequestSchema(limits: Limits, item: z.ZodType = IntegerInputSchema) {
  return z
    .object({
      numbers: z
        .array(item)
        .min(1)
        .max(limits.maxBatchItems)
        .openapi({
          description: `1 to ${limits.maxBatchItems} integers from 1 to 2^${limits.maxFactorBits} - 1 (0 has no factorization).`,
        }),
    })
    .strict()
    .openapi('FactorRequest', { example: { numbers: [360, '18446744073709551615', 1] } });
}

export const PrimePowerSchema = z
  .object({
    prime: IntegerStringSchema,
    exponent: z.number().int().min(1).openapi({ example: 3 }),
  })
  .openapi('PrimePower');

export const FactorizationSchema = z
  .object({
    n: IntegerStringSchema,
    factors: z.array(PrimePowerSchema).openapi({
      description: 'Distinct prime factors in ascending order with their exponents; their product is n. Empty for n = 1.',
    }),
    test: PrimalityTestSchema.openapi({
      description: '`deterministic` when every factor is below 2^64 (proven prime); `probable` when some factor ≥ 2^64 passed Baillie–PSW.',
    }),
  })
  .openapi('Factorization', {
    example: { n: '360', factors: [{ prime: '2', exponent: 3 }, { prime: '3', exponent: 2 }, { prime: '5', exponent: 1 }], test: 'deterministic' },
  });

export const FactorResponseSchema = z
  .object({
    count: z.number().int().openapi({ example: 1 }),
    results: z.array(FactorizationSchema).openapi({ description: 'One factorization per input number, in input order.' }),
  })
  .openapi('FactorResponse');
