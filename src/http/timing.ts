/**
 * Tells the client where its work ran and what it cost: `X-Crunch-Route` and
 * `Server-Timing` (queue wait, compute time, total, and the route as a description).
 */
import type { Context } from 'hono';
import type { Outcome } from '../dispatch/dispatcher.js';
import type { AppEnv } from './env.js';

export function setOutcomeHeaders(c: Context<AppEnv>, outcome: Omit<Outcome<unknown>, 'value'>): void {
  c.set('placement', outcome.placement);
  c.header('X-Crunch-Route', outcome.placement);
  c.header(
    'Server-Timing',
    [
      `queue;dur=${outcome.queueMs.toFixed(3)}`,
      `compute;dur=${outcome.computeMs.toFixed(3)}`,
      `total;dur=${outcome.totalMs.toFixed(3)}`,
      `route;desc="${outcome.placement}"`,
    ].join(', '),
  );
}
