/**
 * The one way a compute route answers: it describes its work (a dispatcher `Work`) and how
 * to render the value as JSON, and this function runs it synchronously or, when the client
 * sends `Prefer: respond-async`, as a job. Both paths run the same `Work`, so a job computes
 * exactly what the sync call would have.
 */
import type { Context } from 'hono';
import type { Work } from '../dispatch/dispatcher.js';
import type { Services } from '../services.js';
import { dispatchOptions } from './dispatch-options.js';
import { setOutcomeHeaders } from './timing.js';

export interface ComputeRequest<T> {
  readonly work: Work<T>;
  /** The JSON body of the result: the sync response and a job's `result` alike. */
  readonly render: (value: T) => unknown;
  /**
   * A sync response built differently from `render`, e.g. streamed for very large results.
   * Must send the same JSON as `render` would.
   */
  readonly respond?: (c: Context, value: T) => Response;
}

export async function respondCompute<T>(c: Context, services: Services, request: ComputeRequest<T>): Promise<Response> {
  const outcome = await services.dispatcher.run(request.work, dispatchOptions(c, services));
  setOutcomeHeaders(c, outcome);
  if (request.respond !== undefined) return request.respond(c, outcome.value);
  return c.json(request.render(outcome.value) as object, 200);
}
