/**
 * Tells the client where its work ran and what it cost: `X-Crunch-Route` and
 * `Server-Timing` (queue wait, compute time, total, and the route as a description), written
 * into a response's plain headers (src/http/plain-response.ts).
 */
import type { Context } from 'hono';
import type { Outcome } from '../dispatch/dispatcher.js';
import type { AppEnv } from './env.js';
import type { PlainHeaders } from './plain-response.js';

export function outcomeHeaders(c: Context<AppEnv>, outcome: Omit<Outcome<unknown>, 'value'>, headers: PlainHeaders): PlainHeaders {
  c.set('placement', outcome.placement);
  headers['X-Crunch-Route'] = outcome.placement;
  headers['Server-Timing'] = serverTiming(outcome);
  return headers;
}

/** The `Server-Timing` value alone, for a response written outside Hono (src/http/inline-lane.ts). */
export function serverTiming(outcome: Omit<Outcome<unknown>, 'value'>): string {
  return (
    `queue;dur=${outcome.queueMs.toFixed(3)}, compute;dur=${outcome.computeMs.toFixed(3)}, ` +
    `total;dur=${outcome.totalMs.toFixed(3)}, route;desc="${outcome.placement}"`
  );
}
