/**
 * Streams a large JSON array response piece by piece. Rendering 100 000 items in one go
 * would hold the event loop for tens of milliseconds; a pull-based stream renders one
 * slice per pull (Node asks for the next only when the socket has drained), so other
 * requests run between slices.
 *
 * What a response holds until its client has read it — the computed value and a slice in
 * flight — is charged to the responses budget while it is written: a thousand slow
 * readers of large pages cannot hold gigabytes. Past the budget the request gets 503.
 */
import type { Context } from 'hono';
import type { ByteBudget } from '../budgets.js';
import { OverloadedError } from '../dispatch/errors.js';
import { type JsonArrayEncoding, itemsPerSlice, jsonArraySlices } from '../operations/json-array.js';
import type { AppEnv } from './env.js';
import { type PlainHeaders, plainResponse } from './plain-response.js';

/** Responses estimated below this are not worth accounting. */
const accountedFrom = 64 * 1024;

/**
 * Charges `bytes` to the budget until the response's connection is done with it, or throws
 * OverloadedError. Under @hono/node-server the end is the ServerResponse's `close`; without
 * it (app.fetch in tests) there is no socket to wait for.
 */
export function holdForResponse(c: Context<AppEnv>, budget: ByteBudget, bytes: number): void {
  if (bytes < accountedFrom) return;
  if (!budget.tryCharge(bytes)) {
    throw new OverloadedError(
      `Large responses being written hold ${budget.used} bytes, the limit for ${budget.name} (RESPONSES_MAX_BYTES); retry after the indicated delay.`,
      1,
      { budget: budget.name, limitBytes: budget.limit },
    );
  }
  const outgoing = (c.env as AppEnv['Bindings'] | undefined)?.outgoing;
  if (outgoing === undefined || outgoing.destroyed) budget.credit(bytes);
  else outgoing.once('close', () => budget.credit(bytes));
}

/** A large JSON array result as the response body: one slice per pull, charged to the responses budget. */
export function jsonArrayResponse(c: Context<AppEnv>, encoding: JsonArrayEncoding, budget: ByteBudget, headers: PlainHeaders): Response {
  holdForResponse(c, budget, encoding.count * encoding.itemBytes);
  headers['Content-Type'] = 'application/json';
  const slices = jsonArraySlices(encoding);
  // One slice's worth is sent as a plain string: written to the socket directly, far cheaper
  // than encoding stream chunks.
  if (encoding.count <= itemsPerSlice) return plainResponse(c, 200, slices.next().value ?? '', headers);
  const stream = new ReadableStream<Uint8Array>({
    pull(controller) {
      const next = slices.next();
      if (next.done === true) controller.close();
      else controller.enqueue(Buffer.from(next.value));
    },
  });
  return plainResponse(c, 200, stream, headers);
}
