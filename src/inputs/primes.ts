/** The JSON bodies of POST /v1/primes/check and POST /v1/primes/factor, as operation inputs. */
import { z } from 'zod';
import type { IntegerBatch } from '../compute/primes/integer.js';
import type { Limits } from '../config.js';
import { factorRequestSchema } from '../features/primes/factor-schemas.js';
import { primeCheckBatchRequestSchema } from '../features/primes/check-schemas.js';
import { InputError } from './errors.js';
import { parseIntegerBatch, parseIntegerList } from './integers.js';
import { zodFieldErrors } from './zod-issues.js';

function envelope<T>(schema: z.ZodType<T>, body: unknown): T {
  const parsed = schema.safeParse(body);
  if (!parsed.success) throw new InputError(zodFieldErrors(parsed.error, 'json'));
  return parsed.data;
}

export function parsePrimeCheckBody(body: unknown, limits: Limits): { batch: IntegerBatch } {
  const { numbers } = envelope(primeCheckBatchRequestSchema(limits, z.unknown()), body) as { numbers: unknown[] };
  return { batch: parseIntegerBatch(numbers, '/numbers', limits.maxIntegerBits) };
}

export function parseFactorBody(body: unknown, limits: Limits): { values: bigint[] } {
  const { numbers } = envelope(factorRequestSchema(limits, z.unknown()), body) as { numbers: unknown[] };
  const { values, errors } = parseIntegerList(numbers, '/numbers', limits.maxFactorBits);
  values.forEach((value, index) => {
    if (value === 0n && errors.length < 20) {
      errors.push({ pointer: `/numbers/${index}`, message: '0 has no prime factorization (every integer divides it): send an integer >= 1' });
    }
  });
  if (errors.length > 0) throw new InputError(errors.sort((a, b) => a.pointer.localeCompare(b.pointer, 'en', { numeric: true })));
  return { values };
}
