/**
 * Streams a large JSON array response piece by piece. Rendering 100 000 items in one go
 * would hold the event loop for tens of milliseconds; a pull-based stream renders one
 * slice per pull, so other requests run between slices and memory stays flat.
 */
import type { Context } from 'hono';

const itemsPerSlice = 4_096;

export function jsonArrayResponse(
  c: Context,
  options: {
    readonly head: string;
    readonly count: number;
    readonly renderItem: (index: number) => string;
    readonly tail: string;
  },
): Response {
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
  c.header('Content-Type', 'application/json');
  return c.body(stream, 200);
}
