/** GET /v1/primes/count: how many primes lie in a range. */
import { respondCompute } from '../../http/compute-endpoint.js';
import { computeRoute } from '../../http/compute-route.js';
import type { AppHono } from '../../http/env.js';
import { parseIntegerInput } from '../../inputs/integers.js';
import { type FieldError, validationProblem } from '../../http/problems.js';
import { PRIME_PI_MAX, chooseCountMethod, primesCount } from '../../operations/primes-count.js';
import type { Services } from '../../services.js';
import { PrimeCountQuerySchema, PrimeCountSchema } from './count-schemas.js';

const u64Max = (1n << 64n) - 1n;

export function registerPrimeCountRoutes(app: AppHono, services: Services): void {
  const { limits } = services.config;

  const count = computeRoute({
    method: 'get',
    path: '/v1/primes/count',
    operationId: 'countPrimes',
    tags: ['primes'],
    summary: 'Count the primes of a range',
    description:
      'How many primes p satisfy from <= p <= to (to at most 2^64 - 1). Narrow ranges (at most ' +
      `${limits.maxSieveWidth} numbers wide) may be sieved, sharded over the worker threads; wide ranges with ` +
      `to <= ${PRIME_PI_MAX} are counted as pi(to) - pi(from - 1) with a combinatorial prime-counting algorithm. ` +
      'The cheaper method is chosen unless `method` says which; ranges neither method may take get a `too-costly` problem.',
    request: { query: PrimeCountQuerySchema },
    responses: {
      200: { description: 'The count', content: { 'application/json': { schema: PrimeCountSchema } } },
    },
  });

  app.openapi(count, async (c) => {
    const query = c.req.valid('query');
    const errors: FieldError[] = [];
    const integer = (name: string, text: string): bigint | undefined => {
      const parsed = parseIntegerInput(text, 64);
      if (parsed.ok) return parsed.value;
      errors.push({ pointer: `#/query/${name}`, message: `${parsed.message} (ranges lie within 0 .. 2^64 - 1 = ${u64Max})` });
      return undefined;
    };
    const from = query.from === undefined ? 0n : integer('from', query.from);
    const to = integer('to', query.to);
    if (from !== undefined && to !== undefined && from > to) {
      errors.push({ pointer: '#/query/from', message: `${from} is greater than to=${to}: give from <= to` });
    }
    if (errors.length > 0 || from === undefined || to === undefined) throw validationProblem(errors);
    const method = chooseCountMethod(from, to, query.method, limits.maxSieveWidth);
    return respondCompute(c, services, { operation: primesCount, input: { from, to, method } }) as never;
  });
}
