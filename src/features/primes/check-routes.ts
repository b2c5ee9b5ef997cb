/** GET /v1/primes/{n} and POST /v1/primes/check. */
import { createRoute } from '@hono/zod-openapi';
import { u64Limit } from '../../compute/primes/batch.js';
import { computeResponseHeaders, dispatchOptions } from '../../http/dispatch-options.js';
import type { AppHono } from '../../http/env.js';
import { parseIntegerInput, parseIntegerList } from '../../http/integer-input.js';
import { jsonArrayResponse } from '../../http/json-stream.js';
import { problemResponses, validationProblem } from '../../http/problems.js';
import { setOutcomeHeaders } from '../../http/timing.js';
import type { Services } from '../../services.js';
import {
  PrimeCheckBatchResponseSchema,
  PrimeCheckSchema,
  PrimeParamsSchema,
  primeCheckBatchRequestSchema,
} from './check-schemas.js';
import { checkPrimesWork } from './check-work.js';

function testFor(value: bigint): 'deterministic' | 'probable' {
  return value < u64Limit ? 'deterministic' : 'probable';
}

export function registerPrimeCheckRoutes(app: AppHono, services: Services): void {
  const { config, dispatcher } = services;
  const { limits } = config;

  const checkOne = createRoute({
    method: 'get',
    path: '/v1/primes/{n}',
    tags: ['primes'],
    summary: 'Check whether one integer is prime',
    description:
      `Any non-negative integer up to ${limits.maxIntegerBits} bits, in decimal. Deterministic below 2^64, ` +
      'Baillie–PSW (probable) beyond. Small numbers are answered on the event loop, large ones on the worker pool.',
    request: { params: PrimeParamsSchema },
    responses: {
      200: {
        description: 'The verdict',
        headers: computeResponseHeaders,
        content: { 'application/json': { schema: PrimeCheckSchema } },
      },
      ...problemResponses(422, 503),
    },
  });

  app.openapi(checkOne, async (c) => {
    const { n } = c.req.valid('param');
    const parsed = parseIntegerInput(n, limits.maxIntegerBits);
    if (!parsed.ok) throw validationProblem([{ pointer: '#/path/n', message: parsed.message }]);
    const outcome = await dispatcher.run(checkPrimesWork([parsed.value], config.pool.threads), dispatchOptions(c, services));
    setOutcomeHeaders(c, outcome);
    return c.json({ n: parsed.value.toString(), prime: outcome.value[0] === 1, test: testFor(parsed.value) }, 200);
  });

  const checkMany = createRoute({
    method: 'post',
    path: '/v1/primes/check',
    tags: ['primes'],
    summary: 'Check many integers at once',
    description:
      `Up to ${limits.maxBatchItems} integers per request; results come back in input order. ` +
      'Large batches are sharded over every worker thread.',
    request: {
      body: { required: true, content: { 'application/json': { schema: primeCheckBatchRequestSchema(limits) } } },
    },
    responses: {
      200: {
        description: 'One verdict per number, in order',
        headers: computeResponseHeaders,
        content: { 'application/json': { schema: PrimeCheckBatchResponseSchema } },
      },
      ...problemResponses(400, 413, 415, 422, 503),
    },
  });

  app.openapi(checkMany, async (c) => {
    const { numbers } = c.req.valid('json');
    const { values, errors } = parseIntegerList(numbers, '/numbers', limits.maxIntegerBits);
    if (errors.length > 0) throw validationProblem(errors);
    const outcome = await dispatcher.run(checkPrimesWork(values, config.pool.threads), dispatchOptions(c, services));
    setOutcomeHeaders(c, outcome);
    const flags = outcome.value;
    // Typed as the schema for the contract; the body itself is streamed in slices.
    return jsonArrayResponse(c, {
      head: `{"count":${values.length},"results":[`,
      count: values.length,
      renderItem: (index) => {
        const value = values[index] as bigint;
        return `{"n":"${value}","prime":${flags[index] === 1},"test":"${testFor(value)}"}`;
      },
      tail: ']}',
    }) as never;
  });
}
