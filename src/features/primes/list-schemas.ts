/** Contract of the prime-listing endpoint. */
import { z } from '@hono/zod-openapi';
import type { Limits } from '../../config.js';
import { IntegerStringSchema, decimalStringSchema, queryIntegerSchema } from '../../inputs/integers.js';

const decimalQuery = (name: string, description: string, example?: string) =>
  decimalStringSchema()
    .optional()
    .openapi({ param: { name, in: 'query' }, description, ...(example === undefined ? {} : { example }) });

export function primeListQuerySchema(limits: Limits) {
  return z.object({
    from: decimalQuery('from', 'Smallest number of the range (inclusive), decimal digits; default 0.', '0'),
    to: decimalQuery(
      'to',
      'Largest number of the range (inclusive), decimal digits, at most 18446744073709551615 (2^64 - 1). ' +
        'Required unless `cursor` is given.',
      '100',
    ),
    after: decimalQuery('after', 'List the primes strictly greater than this number: an alternative to `from`.'),
    limit: queryIntegerSchema(1, limits.maxListPage)
      .optional()
      .openapi({ param: { name: 'limit', in: 'query' }, description: `Primes per page, 1 to ${limits.maxListPage}; default ${limits.maxListPage}.`, example: 25 }),
    cursor: z
      .string()
      .optional()
      .openapi({
        param: { name: 'cursor', in: 'query' },
        pattern: '^p1\\.[A-Za-z0-9_-]+$',
        description: 'The `cursor` of the previous page: continues the same range. Not with `from` or `after`.',
      }),
  });
}

export const PrimeListSchema = z
  .object({
    from: IntegerStringSchema.openapi({ description: 'Start of this page (inclusive).' }),
    to: IntegerStringSchema.openapi({ description: 'End of the range (inclusive).' }),
    count: z.number().int().openapi({ description: 'Primes on this page.', example: 4 }),
    primes: z.array(IntegerStringSchema).openapi({ description: 'The primes of this page, ascending, as decimal strings.' }),
    cursor: z
      .string()
      .nullable()
      .openapi({ description: 'Opaque token for the next page (pass it as `cursor`), or null when the range is exhausted.' }),
    next: z
      .string()
      .nullable()
      .openapi({ description: 'Relative URL of the next page (also sent as a `Link: <…>; rel="next"` header), or null.' }),
  })
  .openapi('PrimeList', {
    example: {
      from: '0',
      to: '100',
      count: 4,
      primes: ['2', '3', '5', '7'],
      cursor: 'p1.OC0xMDA',
      next: '/v1/primes?cursor=p1.OC0xMDA&limit=4',
    },
  });
