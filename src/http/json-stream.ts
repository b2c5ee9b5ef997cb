/**
 * Streams a large JSON array response piece by piece. Rendering 100 000 items in one go
 * would hold the event loop for tens of milliseconds; a pull-based stream renders one
 * slice per pull, so other requests run between slices and memory stays flat.
 */
import type { Context } from 'hono';

/** About 2 ms of rendering for the simplest items. */
const itemsPerSlice = 16_384;

export function jsonArrayResponse(
  c: Context,
  options: {
    readonly head: string;
    readonly count: number;
    readonly renderItem: (index: number) => string;
    readonly tail: string;
  },
): Response {
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
