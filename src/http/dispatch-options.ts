/** What a request tells the dispatcher: its abort signal, and a route override where allowed. */
import type { Context } from 'hono';
import type { Route } from '../config.js';
import type { DispatchOptions } from '../dispatch/dispatcher.js';
import type { Services } from '../services.js';
import { ProblemError } from './problems.js';

const routes: readonly Route[] = ['inline', 'sliced', 'pool'];

export function dispatchOptions(c: Context, services: Services): DispatchOptions {
  const requested = c.req.header('x-crunch-route');
  if (requested === undefined || !services.config.dispatch.allowRouteOverride) return { signal: c.req.raw.signal };
  if (!routes.includes(requested as Route)) {
    throw new ProblemError('bad-request', `X-Crunch-Route must be one of ${routes.join(', ')}; got ${JSON.stringify(requested)}.`);
  }
  return { signal: c.req.raw.signal, route: requested as Route };
}

/** Documented on every compute response. */
export const computeResponseHeaders = {
  'X-Crunch-Route': {
    description: 'Where the work ran: `inline` (event loop), `sliced` (event loop, in yielding slices) or `pool` (worker threads).',
    schema: { type: 'string' as const, enum: ['inline', 'sliced', 'pool'] },
  },
  'Server-Timing': {
    description: 'Queue wait, compute time and total in milliseconds, and the route, e.g. `queue;dur=0.1, compute;dur=2.5, total;dur=2.9, route;desc="pool"`.',
    schema: { type: 'string' as const },
  },
};
