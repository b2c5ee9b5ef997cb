/** Contract of the prime-counting endpoint. */
import { z } from '@hono/zod-openapi';
import { IntegerStringSchema, decimalStringSchema } from '../../inputs/integers.js';

export const CountMethodSchema = z.enum(['sieve', 'pi']).openapi('PrimeCountMethod', {
  description:
    '`sieve`: the segmented sieve over [from, to], sharded over the worker threads (cost grows with the width). ' +
    '`pi`: pi(to) - pi(from - 1) with the combinatorial prime-counting function (cost grows like to^(2/3)).',
});

export const PrimeCountQuerySchema = z.object({
  from: decimalStringSchema()
    .optional()
    .openapi({ param: { name: 'from', in: 'query' }, description: 'Start of the range (inclusive), decimal digits; default 0.', example: '0' }),
  to: decimalStringSchema()
    .openapi({ param: { name: 'to', in: 'query' }, description: 'End of the range (inclusive), decimal digits.', example: '1000000' }),
  method: CountMethodSchema.optional().openapi({
    param: { name: 'method', in: 'query' },
    description: 'Force a method; by default the cheaper one that is within its limits.',
  }),
});

export const PrimeCountSchema = z
  .object({
    from: IntegerStringSchema,
    to: IntegerStringSchema,
    count: IntegerStringSchema.openapi({ description: 'How many primes p satisfy from <= p <= to.' }),
    method: CountMethodSchema,
  })
  .openapi('PrimeCount', { example: { from: '0', to: '1000000', count: '78498', method: 'sieve' } });
