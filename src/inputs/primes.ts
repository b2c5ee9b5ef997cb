/** The JSON bodies of POST /v1/primes/check and POST /v1/primes/factor, as operation inputs. */
import { z } from 'zod';
import type { IntegerBatch } from '../compute/primes/integer.js';
import type { Limits } from '../config.js';
import { factorRequestSchema } from '../features/primes/factor-schemas.js';
import { primeCheckBatchRequestSchema } from '../features/primes/check-schemas.js';
import { InputError } from './errors.js';
import { parseIntegerLines } from './integer-lines.js';
import { parseJsonBytes } from './json.js';
import { parseIntegerBatch, parseIntegerList } from './integers.js';
import { zodFieldErrors } from './zod-issues.js';

function envelope<T>(schema: z.ZodType<T>, body: unknown): T {
  const parsed = schema.safeParse(body);
  if (!parsed.success) throw new InputError(zodFieldErrors(parsed.error, 'json'));
  return parsed.data;
}

export function parsePrimeCheckBody(body: unknown, limits: Limits): { batch: IntegerBatch } {
  return { batch: parsePrimeCheckNumbers(body, limits).batch };
}

/** The batch, and the numbers as sent (JSON numbers and decimal strings, valid once parsed). */
export function parsePrimeCheckNumbers(body: unknown, limits: Limits): { batch: IntegerBatch; numbers: readonly (string | number)[] } {
  const { numbers } = envelope(primeCheckBatchRequestSchema(limits, z.unknown()), body) as { numbers: unknown[] };
  return { batch: parseIntegerBatch(numbers, '/numbers', limits.maxIntegerBits), numbers: numbers as (string | number)[] };
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

/** The two request formats of a batch of checks: JSON `{ "numbers": [...] }`, or text/plain lines. */
export type CheckBodyFormat = 'json' | 'text';

/** A batch request's body from its bytes, with the numbers as sent (for encoding them back without a BigInt each). */
export function parseCheckBodyBytes(
  format: CheckBodyFormat,
  bytes: Uint8Array,
  limits: Limits,
): { batch: IntegerBatch; decimals: readonly (string | number)[] } {
  if (format === 'text') return parseIntegerLines(bytes, limits.maxBatchItems, limits.maxIntegerBits);
  const { batch, numbers } = parsePrimeCheckNumbers(parseJsonBytes(bytes), limits);
  return { batch, decimals: numbers };
}
