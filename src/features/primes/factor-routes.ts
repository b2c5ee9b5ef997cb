/** POST /v1/primes/factor: prime factorizations with multiplicity. */
import { respondCompute } from '../../http/compute-endpoint.js';
import { bodyProblems, computeRoute } from '../../http/compute-route.js';
import type { AppHono } from '../../http/env.js';
import { readJsonInput } from '../../http/json-body.js';
import { ownBodyRoute } from '../../http/own-body-route.js';
import type { Services } from '../../services.js';
import { FactorResponseSchema, factorRequestSchema } from './factor-schemas.js';
import { primesFactor } from '../../operations/primes-factor.js';

export function registerPrimeFactorRoutes(app: AppHono, services: Services): void {
  const { limits } = services.config;

  const factor = computeRoute({
    method: 'post',
    path: '/v1/primes/factor',
    operationId: 'factorNumbers',
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
      200: { description: 'One factorization per number, in order', content: { 'application/json': { schema: FactorResponseSchema } } },
    },
  }, bodyProblems);

  ownBodyRoute(app, factor, async (c) =>
    respondCompute(c, services, { operation: primesFactor, input: await readJsonInput(c, services, 'primes.factor') }),
  );
}
