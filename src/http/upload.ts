/**
 * Reads a request body straight into a SharedArrayBuffer as its chunks arrive: one copy per
 * byte, spread over the chunks' event-loop turns, and the result can be handed to worker
 * threads as views without copying again. With a Content-Length the buffer is allocated
 * once; without one it grows by doubling. The app's body-limit middleware has already
 * refused (413) bodies above the configured size.
 *
 * Writing tens of megabytes into freshly allocated memory costs several times the copy
 * itself (every page is faulted in and zeroed first), so one large buffer is kept for
 * reuse: a caller that knows the body is no longer read by anyone (a synchronous request,
 * answered) hands it back with `releaseBody`.
 */
import type { IncomingMessage } from 'node:http';
import { ProblemError } from '../../http/problems.js';

const initialBytes = 1 << 16;
/** Smaller buffers are cheap to allocate and not worth keeping. */
const minSpareBytes = 1 << 20;
let spare: SharedArrayBuffer | undefined;

function allocate(bytes: number): SharedArrayBuffer {
  if (spare !== undefined && spare.byteLength >= bytes && bytes >= spare.byteLength / 2) {
    const reused = spare;
    spare = undefined;
    return reused;
  }
  return new SharedArrayBuffer(bytes);
}

/** Offers a body buffer for reuse; only call once nothing (no thread, no job) reads it any more. */
export function releaseBody(buffer: SharedArrayBuffer): void {
  if (buffer.byteLength >= minSpareBytes && (spare === undefined || buffer.byteLength > spare.byteLength)) spare = buffer;
}

/**
 * Reads the body. `incoming` is Node's request under @hono/node-server: reading it directly
 * skips the web-stream adapter, which costs about as much again as the socket read itself
 * for large uploads. Without it (or once something has read from it) the web stream is used.
 */
export async function readBodyShared(
  request: Request,
  maxBytes: number,
  incoming?: IncomingMessage,
): Promise<{ buffer: SharedArrayBuffer; length: number }> {
  const declared = Number(request.headers.get('content-length') ?? Number.NaN);
  let buffer = allocate(Number.isSafeInteger(declared) && declared >= 0 && declared <= maxBytes ? declared : initialBytes);
  let bytes = new Uint8Array(buffer);
  let length = 0;
  const append = (value: Uint8Array): void => {
    if (length + value.length > bytes.length) {
      if (length + value.length > maxBytes) {
        throw new ProblemError('body-too-large', `The request body is larger than ${maxBytes} bytes. Send less per request.`, {
          extensions: { maxBytes },
        });
      }
      const grown = new SharedArrayBuffer(Math.min(maxBytes, Math.max(length + value.length, bytes.length * 2)));
      const grownBytes = new Uint8Array(grown);
      grownBytes.set(bytes.subarray(0, length));
      buffer = grown;
      bytes = grownBytes;
    }
    bytes.set(value, length);
    length += value.length;
  };
  if (incoming !== undefined && !incoming.readableDidRead && !incoming.readableEnded) {
    await readNodeStream(incoming, append);
    return { buffer, length };
  }
  if (request.body === null) return { buffer, length };
  const reader = request.body.getReader();
  for (;;) {
    let chunk: Awaited<ReturnType<typeof reader.read>>;
    try {
      chunk = await reader.read();
    } catch (error) {
      throw endedEarly(error);
    }
    if (chunk.done) break;
    try {
      append(chunk.value);
    } catch (error) {
      await reader.cancel();
      throw error;
    }
  }
  return { buffer, length };
}

function endedEarly(cause: unknown): ProblemError {
  return new ProblemError('bad-request', 'The request body ended early: send the whole body with a correct Content-Length.', { cause });
}

/** Feeds every chunk to `append`; on an error stops listening (the rest is left unread). */
function readNodeStream(incoming: IncomingMessage, append: (chunk: Uint8Array) => void): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const stop = (error: unknown): void => {
      incoming.off('data', onData);
      incoming.off('end', onEnd);
      incoming.off('error', onError);
      incoming.off('aborted', onAborted);
      incoming.pause();
      reject(error);
    };
    const onData = (chunk: Buffer): void => {
      try {
        append(chunk);
      } catch (error) {
        stop(error);
      }
    };
    const onEnd = (): void => {
      incoming.off('data', onData);
      incoming.off('error', onError);
      incoming.off('aborted', onAborted);
      resolve();
    };
    const onError = (error: unknown): void => stop(endedEarly(error));
    const onAborted = (): void => stop(endedEarly(new Error('client aborted')));
    incoming.on('data', onData);
    incoming.once('end', onEnd);
    incoming.once('error', onError);
    incoming.once('aborted', onAborted);
  });
}
