/** The contract every compute route shares: the `Prefer` and `Idempotency-Key` headers, the 202 job answer, the outcome headers. */
import { type RouteConfig, createRoute } from '@hono/zod-openapi';
import { ComputeRequestHeadersSchema, acceptedResponse } from '../features/jobs/job-schemas.js';
import { placements } from '../dispatch/placement.js';

/** `createRoute` for compute routes: adds the `Prefer`/`Idempotency-Key` headers and the 202 answer. */
export function computeRoute<P extends string, R extends Omit<RouteConfig, 'path'> & { path: P }>(route: R) {
  type Request = NonNullable<R['request']> & { headers: typeof ComputeRequestHeadersSchema };
  type Responses = R['responses'] & typeof acceptedResponse;
  return createRoute({
    ...route,
    request: { ...route.request, headers: ComputeRequestHeadersSchema } as Request,
    responses: { ...route.responses, ...acceptedResponse } as Responses,
  });
}

/** Documented on every compute response. */
export const computeResponseHeaders = {
  'X-Crunch-Route': {
    description:
      'Where the work ran (its placement): `inline` (event loop), `sliced` (event loop, in yielding slices) or `pool` (worker threads).',
    schema: { type: 'string' as const, enum: [...placements] },
  },
  'Server-Timing': {
    description: 'Queue wait, compute time and total in milliseconds, and the placement, e.g. `queue;dur=0.1, compute;dur=2.5, total;dur=2.9, route;desc="pool"`.',
    schema: { type: 'string' as const },
  },
};
