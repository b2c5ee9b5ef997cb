/** GET /v1/primes/count: how many primes lie in a range. */
import { computeRoute, respondCompute } from '../../http/compute-response.js';
import { computeResponseHeaders } from '../../http/dispatch-options.js';
import type { AppHono } from '../../http/env.js';
import { parseIntegerInput } from '../../http/integer-input.js';
import { type FieldError, ProblemError, problemResponses, validationProblem } from '../../http/problems.js';
import type { Services } from '../../services.js';
import { PrimeCountQuerySchema, PrimeCountSchema } from './count-schemas.js';
import { type CountMethod, PRIME_PI_MAX, countPrimesWork, estimateCountMicros } from './count-work.js';

const u64Max = (1n << 64n) - 1n;

/**
 * The method for a range: the one asked for, else the cheaper of those within their limits
 * (the sieve up to `maxSieveWidth` numbers wide, pi(x) up to PRIME_PI_MAX).
 */
export function chooseCountMethod(from: bigint, to: bigint, requested: CountMethod | undefined, maxSieveWidth: bigint): CountMethod {
  const width = to - from + 1n;
  const sieveFits = width <= maxSieveWidth;
  const piFits = to <= PRIME_PI_MAX;
  const limits = `the sieve counts ranges up to ${maxSieveWidth} numbers wide (MAX_SIEVE_WIDTH), pi(x) counts up to to = ${PRIME_PI_MAX}`;
  if (requested === 'sieve' && !sieveFits) {
    throw new ProblemError('too-costly', `The range is ${width} numbers wide: ${limits}. Narrow the range or leave out method=sieve.`, {
      extensions: { maxSieveWidth: maxSieveWidth.toString(), primePiMax: PRIME_PI_MAX.toString() },
    });
  }
  if (requested === 'pi' && !piFits) {
    throw new ProblemError('too-costly', `to = ${to} is above ${PRIME_PI_MAX}: ${limits}. Lower \`to\` or leave out method=pi.`, {
      extensions: { maxSieveWidth: maxSieveWidth.toString(), primePiMax: PRIME_PI_MAX.toString() },
    });
  }
  if (requested !== undefined) return requested;
  if (!sieveFits && !piFits) {
    throw new ProblemError('too-costly', `The range [${from}, ${to}] is ${width} numbers wide and ends above ${PRIME_PI_MAX}: ${limits}.`, {
      extensions: { maxSieveWidth: maxSieveWidth.toString(), primePiMax: PRIME_PI_MAX.toString() },
    });
  }
  if (!piFits) return 'sieve';
  if (!sieveFits) return 'pi';
  return estimateCountMicros(from, to, 'sieve') <= estimateCountMicros(from, to, 'pi') ? 'sieve' : 'pi';
}

export function registerPrimeCountRoutes(app: AppHono, services: Services): void {
  const { config } = services;
  const { limits } = config;

  const count = computeRoute({
    method: 'get',
    path: '/v1/primes/count',
    tags: ['primes'],
    summary: 'Count the primes of a range',
    description:
      'How many primes p satisfy from <= p <= to (to at most 2^64 - 1). Narrow ranges (at most ' +
      `${limits.maxSieveWidth} numbers wide) may be sieved, sharded over the worker threads; wide ranges with ` +
      `to <= ${PRIME_PI_MAX} are counted as pi(to) - pi(from - 1) with a combinatorial prime-counting algorithm. ` +
      'The cheaper method is chosen unless `method` says which; ranges neither method may take get a `too-costly` problem.',
    request: { query: PrimeCountQuerySchema },
    responses: {
      200: {
        description: 'The count',
        headers: computeResponseHeaders,
        content: { 'application/json': { schema: PrimeCountSchema } },
      },
      ...problemResponses(422, 503),
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
    return respondCompute(c, services, {
      work: countPrimesWork(from, to, method, config.pool.threads),
      render: (result) => ({ from: from.toString(), to: to.toString(), count: result.count.toString(), method: result.method }),
    }) as never;
  });
}
