/** GET /v1/primes/{n} and POST /v1/primes/check. */
import { respondCompute } from '../../http/compute-endpoint.js';
import { bodyProblems, computeRoute } from '../../http/compute-route.js';
import type { AppHono } from '../../http/env.js';
import { readJsonInput } from '../../http/json-body.js';
import { ownBodyRoute } from '../../http/own-body-route.js';
import { parseIntegerInput } from '../../inputs/integers.js';
import { validationProblem } from '../../http/problems.js';
import type { Services } from '../../services.js';
import {
  PrimeCheckBatchResponseSchema,
  PrimeCheckSchema,
  PrimeParamsSchema,
  primeCheckBatchRequestSchema,
} from './check-schemas.js';
import { primesCheck, primesIsPrime } from '../../operations/primes-check.js';

export function registerPrimeCheckRoutes(app: AppHono, services: Services): void {
  const { config } = services;
  const { limits } = config;

  const checkOne = computeRoute({
    method: 'get',
    path: '/v1/primes/{n}',
    operationId: 'checkPrime',
    tags: ['primes'],
    summary: 'Check whether one integer is prime',
    description:
      `Any non-negative integer up to ${limits.maxIntegerBits} bits, in decimal. Deterministic below 2^64, ` +
      'Baillie–PSW (probable) beyond. Small numbers are answered on the event loop, large ones on the worker pool.',
    request: { params: PrimeParamsSchema },
    responses: {
      200: { description: 'The verdict', content: { 'application/json': { schema: PrimeCheckSchema } } },
    },
  });

  app.openapi(checkOne, async (c) => {
    const { n: text } = c.req.valid('param');
    const parsed = parseIntegerInput(text, limits.maxIntegerBits);
    if (!parsed.ok) throw validationProblem([{ pointer: '#/path/n', message: parsed.message }]);
    return respondCompute(c, services, { operation: primesIsPrime, input: { n: parsed.value } }) as never;
  });

  const checkMany = computeRoute({
    method: 'post',
    path: '/v1/primes/check',
    operationId: 'checkPrimes',
    tags: ['primes'],
    summary: 'Check many integers at once',
    description:
      `Up to ${limits.maxBatchItems} integers per request; results come back in input order. ` +
      'Large batches are sharded over every worker thread.',
    request: {
      body: { required: true, content: { 'application/json': { schema: primeCheckBatchRequestSchema(limits) } } },
    },
    responses: {
      200: { description: 'One verdict per number, in order', content: { 'application/json': { schema: PrimeCheckBatchResponseSchema } } },
    },
  }, bodyProblems);

  ownBodyRoute(app, checkMany, async (c) => {
    const input = await readJsonInput(c, services, 'primes.check');
    return respondCompute(c, services, { operation: primesCheck, input });
  });
}
