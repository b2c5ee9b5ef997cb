/** POST /v1/primes/factor: prime factorizations with multiplicity. */
import type { FactorResult } from '../../compute/primes/factor.js';
import { computeRoute, respondCompute } from '../../http/compute-response.js';
import { computeResponseHeaders } from '../../http/dispatch-options.js';
import type { AppHono } from '../../http/env.js';
import { parseIntegerList } from '../../http/integer-input.js';
import { problemResponses, validationProblem } from '../../http/problems.js';
import type { Services } from '../../services.js';
import { FactorResponseSchema, factorRequestSchema } from './factor-schemas.js';
import { factorWork } from './factor-work.js';

/** Groups sorted factors with multiplicity into prime powers. */
export function primePowers(factors: readonly bigint[]): Array<{ prime: string; exponent: number }> {
  const powers: Array<{ prime: string; exponent: number }> = [];
  let previous: bigint | undefined;
  for (const factor of factors) {
    const last = powers[powers.length - 1];
    if (factor === previous && last !== undefined) last.exponent += 1;
    else powers.push({ prime: factor.toString(), exponent: 1 });
    previous = factor;
  }
  return powers;
}

export function registerPrimeFactorRoutes(app: AppHono, services: Services): void {
  const { config } = services;
  const { limits } = config;

  const factor = computeRoute({
    method: 'post',
    path: '/v1/primes/factor',
    tags: ['primes'],
    summary: 'Factor integers into primes',
    description:
      `Up to ${limits.maxBatchItems} integers of 1 to ${limits.maxFactorBits} bits each (0 is refused: it has no ` +
      'factorization; 1 has none either and answers `[]`). Trial division, then Pollard–Brent rho; every factor is ' +
      'certified prime, deterministically below 2^64 and by Baillie–PSW (probable) beyond. Numbers below 2^64 take at ' +
      'most about a millisecond; beyond, the time grows with the square root of the second-largest prime factor, and ' +
      'the request deadline problem names the numbers not finished.',
    request: {
      body: { required: true, content: { 'application/json': { schema: factorRequestSchema(limits) } } },
    },
    responses: {
      200: {
        description: 'One factorization per number, in order',
        headers: computeResponseHeaders,
        content: { 'application/json': { schema: FactorResponseSchema } },
      },
      ...problemResponses(400, 413, 415, 422, 503),
    },
  });

  app.openapi(factor, async (c) => {
    const { numbers } = c.req.valid('json');
    const { values, errors } = parseIntegerList(numbers, '/numbers', limits.maxFactorBits);
    values.forEach((value, index) => {
      if (value === 0n && errors.length < 20) {
        errors.push({ pointer: `/numbers/${index}`, message: '0 has no prime factorization (every integer divides it): send an integer >= 1' });
      }
    });
    if (errors.length > 0) throw validationProblem(errors.sort((a, b) => a.pointer.localeCompare(b.pointer, 'en', { numeric: true })));
    const render = (results: FactorResult[]) => ({
      count: values.length,
      results: results.map((result, index) => ({
        n: (values[index] as bigint).toString(),
        factors: primePowers(result.factors),
        test: result.test,
      })),
    });
    return respondCompute(c, services, {
      work: factorWork(values, config.pool.threads, config.requestTimeoutMs),
      render,
    }) as never;
  });
}
