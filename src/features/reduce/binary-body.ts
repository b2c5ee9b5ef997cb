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

export async function readBodyShared(request: Request, maxBytes: number): Promise<{ buffer: SharedArrayBuffer; length: number }> {
  const declared = Number(request.headers.get('content-length') ?? Number.NaN);
  let buffer = allocate(Number.isSafeInteger(declared) && declared >= 0 && declared <= maxBytes ? declared : initialBytes);
  let bytes = new Uint8Array(buffer);
  let length = 0;
  if (request.body === null) return { buffer, length };
  const reader = request.body.getReader();
  for (;;) {
    let chunk: Awaited<ReturnType<typeof reader.read>>;
    try {
      chunk = await reader.read();
    } catch (error) {
      throw new ProblemError('bad-request', 'The request body ended early: send the whole body with a correct Content-Length.', {
        cause: error,
      });
    }
    const { done, value } = chunk;
    if (done) break;
    if (length + value.length > bytes.length) {
      if (length + value.length > maxBytes) {
        await reader.cancel();
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
  }
  return { buffer, length };
}
