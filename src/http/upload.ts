/**
 * Binary and text uploads, read straight into memory the pool threads can share: one copy
 * per byte as the chunks arrive, and shards reach the workers as views, not copies.
 *
 * - Under @hono/node-server the body is read from Node's IncomingMessage directly: the
 *   web-stream adapter would cost about as much again as the socket read for large bodies.
 * - Uploads of `sharedFrom` bytes or more land in a SharedArrayBuffer (views are posted to
 *   threads as is); smaller ones in an exact-size ArrayBuffer that can be transferred.
 * - Writing tens of megabytes into fresh memory costs several times the copy itself (every
 *   page is faulted in and zeroed first), so one large buffer is kept for reuse: the
 *   compute response hands it back (`releaseUpload`) once a synchronous answer is built.
 *
 * The app's body-limit middleware has already refused (413) a declared length over the limit;
 * chunked bodies are counted here.
 */
import type { IncomingMessage } from 'node:http';
import type { Context } from 'hono';
import type { AppEnv } from './env.js';
import { ProblemError } from './problems.js';

const initialBytes = 1 << 16;
/** Smaller buffers are cheap to allocate and not worth keeping. */
const minSpareBytes = 1 << 20;
let spare: SharedArrayBuffer | undefined;

function allocateShared(bytes: number): SharedArrayBuffer {
  if (spare !== undefined && spare.byteLength >= bytes && bytes >= spare.byteLength / 2) {
    const reused = spare;
    spare = undefined;
    return reused;
  }
  return new SharedArrayBuffer(Math.max(bytes, 1));
}

/** Offers an upload's memory for reuse; only call once nothing (no thread, no job) reads it any more. */
export function releaseUpload(bytes: Uint8Array): void {
  const buffer = bytes.buffer;
  if (!(buffer instanceof SharedArrayBuffer) || buffer.byteLength < minSpareBytes) return;
  if (spare === undefined || buffer.byteLength > spare.byteLength) spare = buffer;
}

export interface UploadOptions {
  readonly maxBytes: number;
  /** Uploads at least this big go into shared memory (0: always). */
  readonly sharedFrom: number;
}

/** The whole body, as a view of exactly its length. */
export async function readUpload(c: Context<AppEnv>, options: UploadOptions): Promise<Uint8Array> {
  const { maxBytes, sharedFrom } = options;
  const declared = Number(c.req.header('content-length') ?? Number.NaN);
  const known = Number.isSafeInteger(declared) && declared >= 0 && declared <= maxBytes;
  const allocate = (bytes: number): Uint8Array =>
    new Uint8Array(bytes >= sharedFrom ? allocateShared(bytes) : new ArrayBuffer(bytes), 0, bytes);
  let bytes = allocate(known ? declared : initialBytes);
  let length = 0;
  const append = (chunk: Uint8Array): void => {
    if (length + chunk.length > bytes.length) {
      if (length + chunk.length > maxBytes) {
        throw new ProblemError('body-too-large', `The request body is larger than ${maxBytes} bytes. Send less per request.`, {
          extensions: { maxBytes },
        });
      }
      const grown = allocate(Math.min(maxBytes, Math.max(length + chunk.length, bytes.length * 2)));
      grown.set(bytes.subarray(0, length));
      bytes = grown;
    }
    bytes.set(chunk, length);
    length += chunk.length;
  };
  const incoming = (c.env as AppEnv['Bindings'] | undefined)?.incoming;
  if (incoming !== undefined && !incoming.readableDidRead && !incoming.readableEnded) {
    await readNodeStream(incoming, append);
  } else if (c.req.raw.body !== null) {
    const reader = c.req.raw.body.getReader();
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
  }
  return length === bytes.length ? bytes : bytes.subarray(0, length);
}

function endedEarly(cause: unknown): ProblemError {
  return new ProblemError('bad-request', 'The request body ended early: send the whole body with a correct Content-Length.', { cause });
}

/** Feeds every chunk to `append`; on an error stops listening (the rest is left unread). */
function readNodeStream(incoming: IncomingMessage, append: (chunk: Uint8Array) => void): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const detach = (): void => {
      incoming.off('data', onData);
      incoming.off('end', onEnd);
      incoming.off('error', onError);
      incoming.off('aborted', onAborted);
    };
    const stop = (error: unknown): void => {
      detach();
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
      detach();
      resolve();
    };
    const onError = (error: unknown): void => stop(endedEarly(error));
    const onAborted = (): void => stop(endedEarly(new Error('the client aborted the upload')));
    incoming.on('data', onData);
    incoming.once('end', onEnd);
    incoming.once('error', onError);
    incoming.once('aborted', onAborted);
  });
}
