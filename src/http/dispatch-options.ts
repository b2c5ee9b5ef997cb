/** What a request tells the dispatcher: its abort signal, and a placement override where allowed. */
import type { Context } from 'hono';
import type { DispatchOptions } from '../dispatch/dispatcher.js';
import { isPlacement, type Placement, placements } from '../dispatch/placement.js';
import { laneFor } from '../pool/pool.js';
import type { Services } from '../services.js';
import type { AppEnv } from './env.js';
import { ProblemError } from './problems.js';

/** The placement the client forced with `X-Crunch-Route`, when the server allows overrides. */
export function requestedPlacement(c: Context, services: Services): Placement | undefined {
  const requested = c.req.header('x-crunch-route');
  if (requested === undefined || !services.config.dispatch.allowRouteOverride) return undefined;
  if (!isPlacement(requested)) {
    throw new ProblemError('bad-request', `X-Crunch-Route must be one of ${placements.join(', ')}; got ${JSON.stringify(requested)}.`);
  }
  return requested;
}

export function dispatchOptions(c: Context<AppEnv>, services: Services): DispatchOptions {
  const placement = requestedPlacement(c, services);
  const tenant = c.get('tenant');
  return {
    ...(placement === undefined ? {} : { placement }),
    admission: 'refuse',
    tenant,
    lane: laneFor(tenant, 'requests', services.config.tenants.fairShare),
    // Read only for work that leaves the loop: building the signal makes the adapter create
    // a full web Request, a cost an inline request need not pay.
    get signal(): AbortSignal {
      return c.req.raw.signal;
    },
  };
}
