/**
 * Refusals a client ignores cost the server. A closed-loop client (wrk, a retry loop without
 * backoff) sends again the moment it is refused, so under overload the event loop and the
 * client spend the machine's cores on refusals, taken from the pool threads: measured at 256
 * connections on 2 cores, 11.6 s of 15 s of the loop went to 36 662 refusals and goodput fell
 * to a quarter of the light-load rate, however cheap each refusal was made.
 *
 * So a connection's first refusal is answered at once, with its Retry-After; each refusal
 * after it, with no other answer in between, waits twice as long as the one before (10 ms,
 * 20 ms, ... up to REFUSAL_BACKOFF_MAX_MS). A client that honours Retry-After never waits; one
 * that does not slows itself down, and the cores go back to the work that was admitted.
 * Per connection, not per tenant: without keys every caller is the same tenant.
 */
import type { Socket } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Context } from 'hono';
import type { AppEnv } from './env.js';

/** Problems that refuse for want of capacity or quota, which the client is told to retry later. */
const backedOffProblems: ReadonlySet<string> = new Set(['overloaded', 'quota-exceeded', 'rate-limited']);
const firstBackoffMs = 10;

/** Whether the problem refuses the request for want of capacity (a shed, not a failure). */
export function isShedProblem(type: string | undefined): boolean {
  return type !== undefined && backedOffProblems.has(type);
}

/** The wait before the `refusals`-th refusal in a row on one connection. */
export function refusalBackoffMs(refusals: number, maxMs: number): number {
  if (refusals < 2) return 0;
  return Math.min(maxMs, firstBackoffMs * 2 ** Math.min(refusals - 2, 30));
}

/** Called as a request ends: a wait to make before answering, when the connection is refused again. */
export type RefusalBackoff = (c: Context<AppEnv>) => Promise<void> | undefined;

export function refusalBackoff(maxMs: number): RefusalBackoff {
  const refusalsInARow = new WeakMap<Socket, number>();
  return (c) => {
    const socket = (c.env as AppEnv['Bindings'] | undefined)?.incoming?.socket;
    if (socket === undefined) return undefined;
    if (!isShedProblem(c.get('problemType'))) {
      refusalsInARow.delete(socket);
      return undefined;
    }
    const refusals = (refusalsInARow.get(socket) ?? 0) + 1;
    refusalsInARow.set(socket, refusals);
    const waitMs = refusalBackoffMs(refusals, maxMs);
    return waitMs > 0 ? sleep(waitMs).then(() => undefined) : undefined;
  };
}
