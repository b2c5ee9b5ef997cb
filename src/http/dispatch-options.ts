/** What a request tells the dispatcher: its abort signal, and a route override where allowed. */
import type { Context } from 'hono';
import type { Route } from '../config.js';
import type { DispatchOptions } from '../dispatch/dispatcher.js';
import type { Services } from '../services.js';
import { ProblemError } from './problems.js';

const routes: readonly Route[] = ['inline', 'sliced', 'pool'];

export function dispatchOptions(c: Context, services: Services): DispatchOptions {
  const requested = c.req.header('x-crunch-route');
  let route: Route | undefined;
  if (requested !== undefined && services.config.dispatch.allowRouteOverride) {
    if (!routes.includes(requested as Route)) {
      throw new ProblemError('bad-request', `X-Crunch-Route must be one of ${routes.join(', ')}; got ${JSON.stringify(requested)}.`);
    }
    route = requested as Route;
  }
  return {
    ...(route === undefined ? {} : { route }),
    // Read only for work that leaves the loop: building the signal makes the adapter create
    // a full web Request, a cost an inline request need not pay.
    get signal(): AbortSignal {
      return c.req.raw.signal;
    },
  };
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
