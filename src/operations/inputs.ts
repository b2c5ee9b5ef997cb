/**
 * zod schemas of the shapes operation inputs share (packed integer batches, bulk arrays).
 * They check data read back from a job store before it is planned, so a record that is not
 * what its operation expects fails as a bad job instead of deep inside a kernel.
 */
import { z } from 'zod';
import type { IntegerBatch } from '../compute/primes/integer.js';

export const integerBatchSchema: z.ZodType<IntegerBatch> = z.object({
  count: z.number().int().nonnegative(),
  small: z.instanceof(BigUint64Array),
  largeIndex: z.array(z.number().int().nonnegative()),
  largeValues: z.array(z.bigint().nonnegative()),
});

export const nonNegativeBigint = z.bigint().nonnegative();
