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
import type { AppEnv } from './env.js';

/** About 2 ms of rendering for the simplest items. */
const itemsPerSlice = 16_384;

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

export function jsonArrayResponse(
  c: Context<AppEnv>,
  options: {
    readonly head: string;
    readonly count: number;
    readonly renderItem: (index: number) => string;
    readonly tail: string;
    /** About how many bytes one item takes, rendered and in the value behind it. */
    readonly itemBytes: number;
    readonly budget: ByteBudget;
  },
): Response {
  holdForResponse(c, options.budget, options.count * options.itemBytes);
  c.header('Content-Type', 'application/json');
  // One slice's worth is rendered at once: a plain string body is written to the socket
  // directly, far cheaper than encoding stream chunks.
  if (options.count <= itemsPerSlice) {
    let text = options.head;
    for (let index = 0; index < options.count; index += 1) text += index === 0 ? options.renderItem(index) : `,${options.renderItem(index)}`;
    return c.body(text + options.tail, 200);
  }
  const encoder = new TextEncoder();
  let next = 0;
  let headSent = false;
  const stream = new ReadableStream<Uint8Array>({
    pull(controller) {
      let text = '';
      if (!headSent) {
        text += options.head;
        headSent = true;
      }
      const end = Math.min(options.count, next + itemsPerSlice);
      for (let index = next; index < end; index += 1) {
        text += index === 0 ? options.renderItem(index) : `,${options.renderItem(index)}`;
      }
      next = end;
      if (next >= options.count) {
        text += options.tail;
        controller.enqueue(encoder.encode(text));
        controller.close();
        return;
      }
      controller.enqueue(encoder.encode(text));
    },
  });
  return c.body(stream, 200);
}
