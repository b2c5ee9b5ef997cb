/**
 * Request bodies read into memory the pool threads can share: one copy per byte as the
 * chunks arrive, and shards reach the workers as views, not copies.
 *
 * - Under @hono/node-server the body is read from Node's IncomingMessage directly: the
 *   web-stream adapter would cost about as much again as the socket read for large bodies.
 * - Bodies of `sharedFrom` bytes or more land in a SharedArrayBuffer (views are posted to
 *   threads as is); smaller ones in an ArrayBuffer that can be transferred.
 * - Memory is held only for bytes that arrived: the buffer starts small and doubles as the
 *   body grows (up to its declared length), and every growth is charged to the request-body
 *   budget first. A client that declares 256 MiB and sends a trickle holds a trickle; when
 *   the budget is spent the request gets 503 at once. The charge is credited when the request
 *   ends (`creditRequestBodies`), whatever happened to it.
 * - Writing tens of megabytes into fresh memory costs several times the copy itself (every
 *   page is faulted in and zeroed first), so one large buffer is kept for reuse, charged to
 *   the same budget while it waits: the compute response hands it back (`releaseUpload`)
 *   once a synchronous answer is built (a job keeps its upload).
 *
 * The app's body-limit middleware has already refused (413) a declared length over the limit;
 * chunked bodies are counted here.
 */
import type { IncomingMessage } from 'node:http';
import type { Context, MiddlewareHandler } from 'hono';
import type { ByteBudget } from '../budgets.js';
import { OverloadedError } from '../dispatch/errors.js';
import type { AppEnv } from './env.js';
import { ProblemError } from './problems.js';

/** The first allocation for a body of unknown or large declared length; then it doubles. */
const initialBytes = 1 << 16;
/** Declared lengths up to this are allocated at once: small enough not to matter. */
const exactUpTo = 1 << 20;
/** Smaller buffers are cheap to allocate and not worth keeping. */
const minSpareBytes = 1 << 20;

/** The client went away before its body arrived: nobody is left to answer. */
export class ClientGoneError extends Error {
  override readonly name = 'ClientGoneError';
}

interface Spare {
  readonly buffer: SharedArrayBuffer;
  readonly budget: ByteBudget;
}
let spare: Spare | undefined;

function takeSpare(bytes: number, budget: ByteBudget): SharedArrayBuffer | undefined {
  if (spare === undefined || spare.budget !== budget) return undefined;
  if (spare.buffer.byteLength < bytes || bytes < spare.buffer.byteLength / 2) return undefined;
  const { buffer } = spare;
  spare = undefined;
  // The spare's charge becomes the request's.
  return buffer;
}

function dropSpare(): void {
  if (spare === undefined) return;
  spare.budget.credit(spare.buffer.byteLength);
  spare = undefined;
}

/**
 * Offers an upload's memory for reuse; only call once nothing (no thread, no job) reads it
 * any more. Its charge moves from the request to the spare.
 */
export function releaseUpload(c: Context<AppEnv>, bytes: Uint8Array): void {
  const buffer = bytes.buffer;
  const charge = c.get('bodyCharge');
  if (!(buffer instanceof SharedArrayBuffer) || buffer.byteLength < minSpareBytes || charge === undefined) return;
  if (spare !== undefined && buffer.byteLength <= spare.buffer.byteLength) return;
  if (charge.bytes < buffer.byteLength) return;
  dropSpare();
  charge.bytes -= buffer.byteLength;
  spare = { buffer, budget: charge.budget };
}

/** What a request holds of the request-body budget; credited when the request ends. */
export interface BodyCharge {
  readonly budget: ByteBudget;
  bytes: number;
}

/** Credits every body byte a request was charged for, once it has been answered (or has failed). */
export function creditRequestBodies(): MiddlewareHandler<AppEnv> {
  return async function creditRequestBodies(c, next) {
    try {
      await next();
    } finally {
      creditRequestBody(c);
    }
  };
}

/** What `creditRequestBodies` does when the request ends, for middleware that does it among other things. */
export function creditRequestBody(c: Context<AppEnv>): void {
  const charge = c.get('bodyCharge');
  if (charge !== undefined) {
    charge.budget.credit(charge.bytes);
    charge.bytes = 0;
  }
}

/** A text upload's Content-Type may name a charset; only UTF-8 (what every kernel reads) is taken. */
export function assertUtf8Charset(contentType: string): void {
  const charset = /;\s*charset\s*=\s*"?([^";\s]+)/i.exec(contentType)?.[1];
  if (charset !== undefined && !/^utf-?8$/i.test(charset)) {
    throw new ProblemError('unsupported-media-type', `Only UTF-8 text is accepted; got charset=${charset}. Convert it, e.g. \`iconv -t utf-8\`.`);
  }
}

export interface UploadOptions {
  readonly maxBytes: number;
  /** Uploads at least this big go into shared memory (0: always). */
  readonly sharedFrom: number;
  readonly budget: ByteBudget;
}

/** The whole body, as a view of exactly its length. */
export async function readUpload(c: Context<AppEnv>, options: UploadOptions): Promise<Uint8Array> {
  const { maxBytes, sharedFrom, budget } = options;
  let charge = c.get('bodyCharge');
  if (charge === undefined) {
    charge = { budget, bytes: 0 };
    c.set('bodyCharge', charge);
  }
  const held = charge;
  const declared = Number(c.req.header('content-length') ?? Number.NaN);
  const known = Number.isSafeInteger(declared) && declared >= 0 && declared <= maxBytes;
  const limit = known ? declared : maxBytes;
  const allocate = (bytes: number): Uint8Array => {
    const shared = bytes >= sharedFrom;
    let buffer: ArrayBufferLike | undefined = shared ? takeSpare(bytes, budget) : undefined;
    if (buffer === undefined) {
      const size = shared ? Math.max(bytes, 1) : bytes;
      if (!budget.tryCharge(size)) {
        // A spare buffer is a cache; a client's body is not.
        dropSpare();
        if (!budget.tryCharge(size)) throw bodiesOverBudget(budget);
      }
      buffer = shared ? new SharedArrayBuffer(size) : new ArrayBuffer(size);
    }
    held.bytes += buffer.byteLength;
    return new Uint8Array(buffer, 0, bytes);
  };
  let bytes = allocate(known && declared <= exactUpTo ? declared : Math.min(limit, initialBytes));
  let length = 0;
  const append = (chunk: Uint8Array): void => {
    if (length + chunk.length > bytes.length) {
      if (length + chunk.length > maxBytes) {
        throw new ProblemError('body-too-large', `The request body is larger than ${maxBytes} bytes. Send less per request.`, {
          extensions: { maxBytes },
        });
      }
      const previous = bytes;
      const grown = allocate(Math.min(Math.max(limit, length + chunk.length), Math.max(length + chunk.length, bytes.length * 2)));
      grown.set(previous.subarray(0, length));
      bytes = grown;
      // The old buffer is garbage now: stop charging for it.
      budget.credit(previous.buffer.byteLength);
      held.bytes -= previous.buffer.byteLength;
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
        throw new ClientGoneError('the client closed the connection before its body arrived', { cause: error });
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
  if (known && length < declared) throw new ClientGoneError(`the body ended after ${length} of ${declared} declared bytes`);
  const body = length === bytes.length ? bytes : bytes.subarray(0, length);
  c.set('body', body);
  return body;
}

function bodiesOverBudget(budget: ByteBudget): OverloadedError {
  return new OverloadedError(
    `The server is holding ${budget.used} bytes of request bodies, its limit for ${budget.name}; retry after the indicated delay.`,
    1,
    { budget: budget.name, limitBytes: budget.limit },
  );
}

/** Feeds every chunk to `append`; on an error stops listening (the rest is left unread). */
function readNodeStream(incoming: IncomingMessage, append: (chunk: Uint8Array) => void): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const detach = (): void => {
      incoming.off('data', onData);
      incoming.off('end', onEnd);
      incoming.off('error', onError);
      incoming.off('aborted', onAborted);
      incoming.off('close', onClose);
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
    const gone = (why: string) => (cause?: unknown) => stop(new ClientGoneError(why, { cause }));
    const onError = gone('the connection failed before the body arrived');
    const onAborted = gone('the client aborted the upload');
    const onClose = (): void => {
      if (!incoming.readableEnded) gone('the client closed the connection before its body arrived')();
    };
    incoming.on('data', onData);
    incoming.once('end', onEnd);
    incoming.once('error', onError);
    incoming.once('aborted', onAborted);
    incoming.once('close', onClose);
  });
}
