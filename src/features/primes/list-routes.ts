/** GET /v1/primes: the primes of a range, one bounded page at a time. */
import { dispatchWork, respondBytes, respondCompute } from '../../http/compute-endpoint.js';
import { computeRoute } from '../../http/compute-route.js';
import { headerRefs } from '../../http/contract-headers.js';
import type { AppHono } from '../../http/env.js';
import { parseIntegerInput } from '../../inputs/integers.js';
import { type FieldError, validationProblem } from '../../http/problems.js';
import type { Services } from '../../services.js';
import { PrimeListSchema, primeListQuerySchema } from './list-schemas.js';
import { decodeCursor, encodedPageJson, listEncodedPrimesWork, pageLinks, primesList } from '../../operations/primes-list.js';
import { parsePrefer } from '../../http/prefer.js';

const u64Max = (1n << 64n) - 1n;

export interface ListQuery {
  readonly from: bigint;
  readonly to: bigint;
  readonly limit: number;
}

/** Validates the query into a range and a page size, collecting every error with its pointer. */
export function parseListQuery(
  query: { from?: string | undefined; to?: string | undefined; after?: string | undefined; limit?: number | undefined; cursor?: string | undefined },
  maxListPage: number,
): ListQuery {
  const errors: FieldError[] = [];
  const integer = (name: string, text: string): bigint | undefined => {
    const parsed = parseIntegerInput(text, 64);
    if (parsed.ok) return parsed.value;
    errors.push({ pointer: `#/query/${name}`, message: `${parsed.message} (ranges lie within 0 .. 2^64 - 1 = ${u64Max})` });
    return undefined;
  };

  // Checked by the query schema (queryIntegerSchema): 1 to maxListPage.
  const limit = query.limit ?? maxListPage;

  let from: bigint | undefined = 0n;
  let to: bigint | undefined;
  if (query.cursor !== undefined) {
    for (const name of ['from', 'after'] as const) {
      if (query[name] !== undefined) errors.push({ pointer: `#/query/${name}`, message: 'cannot be combined with `cursor`, which already says where to go on' });
    }
    const decoded = decodeCursor(query.cursor);
    if (decoded === undefined) {
      errors.push({ pointer: '#/query/cursor', message: 'is not a cursor this server issued: pass the `cursor` of a previous page unchanged' });
    } else {
      from = decoded.from;
      to = decoded.to;
      if (query.to !== undefined && integer('to', query.to) !== decoded.to) {
        errors.push({ pointer: '#/query/to', message: `differs from the range of the cursor (to=${decoded.to}); leave it out` });
      }
    }
  } else {
    if (query.from !== undefined && query.after !== undefined) {
      errors.push({ pointer: '#/query/after', message: 'cannot be combined with `from`: give one start' });
    }
    if (query.from !== undefined) from = integer('from', query.from);
    if (query.after !== undefined) {
      const after = integer('after', query.after);
      from = after === undefined ? undefined : after + 1n;
    }
    if (query.to === undefined) {
      errors.push({ pointer: '#/query/to', message: 'is required: give the end of the range (the answer is paged with `limit` and `cursor`)' });
    } else to = integer('to', query.to);
    if (from !== undefined && to !== undefined && from > to && query.after === undefined) {
      errors.push({ pointer: '#/query/from', message: `${from} is greater than to=${to}: give from <= to` });
    }
  }
  if (errors.length > 0 || from === undefined || to === undefined) throw validationProblem(errors);
  return { from, to, limit };
}

export function registerPrimeListRoutes(app: AppHono, services: Services): void {
  const { limits } = services.config;

  const list = computeRoute({
    method: 'get',
    path: '/v1/primes',
    operationId: 'listPrimes',
    tags: ['primes'],
    summary: 'List the primes of a range, in pages',
    description:
      `The primes p with from <= p <= to (to at most 2^64 - 1), ascending, at most \`limit\` (<= ${limits.maxListPage}) ` +
      'per page. When more remain, `cursor` and `next` (also a `Link` header) lead to the next page, so any range can ' +
      'be walked whole. Segmented mod-30 wheel sieve, sharded over the worker threads for large pages; above 2^44 the ' +
      'sieve survivors are confirmed by deterministic Miller–Rabin, so pages there are slower.',
    request: { query: primeListQuerySchema(limits) },
    responses: {
      200: {
        description: 'One page of primes',
        headers: headerRefs('Link'),
        content: { 'application/json': { schema: PrimeListSchema } },
      },
    },
  });

  app.openapi(list, async (c) => {
    const { from, to, limit } = parseListQuery(c.req.valid('query'), limits.maxListPage);
    const preference = parsePrefer(c.req.header('prefer'));
    if (!preference.respondAsync && preference.waitSeconds === undefined) {
      // The page is encoded where it was sieved (on the pool, a task per sieve part): the
      // loop joins bytes, whatever the number of primes.
      const outcome = await dispatchWork(c, services, listEncodedPrimesWork(from, to, limit, services.planContext.threads));
      const { next } = pageLinks(outcome.value.page, limit);
      return respondBytes(c, services, outcome, encodedPageJson(outcome.value, limit), 'application/json', next === null ? {} : { Link: `<${next}>; rel="next"` }) as never;
    }
    // An `after` at or past `to` leaves nothing: an empty, final page.
    return respondCompute(c, services, { operation: primesList, input: { from, to, limit } }) as never;
  });
}
