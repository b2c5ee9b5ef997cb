/**
 * What the dispatcher and the pool refuse or give up on. Plain errors with the facts a
 * caller needs (limits, retry delays); the HTTP edge and the job runner turn them into
 * problems (src/http/errors.ts), so nothing below the edge knows about HTTP.
 */

/** The work did not finish within its deadline; every task it had started was stopped. */
export class DeadlineExceededError extends Error {
  override readonly name = 'DeadlineExceededError';
  constructor(
    readonly deadlineMs: number,
    /** What was unfinished, e.g. "checking 40 numbers"; shown to the client. */
    readonly what: string | undefined,
    readonly extensions: Readonly<Record<string, unknown>> = {},
    options?: { cause?: unknown },
  ) {
    super(`The computation${what === undefined ? '' : ` (${what})`} did not finish within ${deadlineMs} ms.`, options);
  }
}

/** The pool cannot take more work now; the caller should retry after `retryAfterSeconds`. */
export class OverloadedError extends Error {
  override readonly name = 'OverloadedError';
  constructor(
    message: string,
    readonly retryAfterSeconds: number,
    readonly extensions: Readonly<Record<string, unknown>> = {},
  ) {
    super(message);
  }
}

/** The pool or the job runner is closing: the work should go to another instance. */
export class ShuttingDownError extends Error {
  override readonly name = 'ShuttingDownError';
  constructor(message = 'The server is shutting down; retry on another instance.') {
    super(message);
  }
}

/** The work was cancelled by its caller (client gone, job cancelled). */
export class CancelledError extends Error {
  override readonly name = 'CancelledError';
  constructor(message = 'The work was cancelled.', options?: { cause?: unknown }) {
    super(message, options);
  }
}

/**
 * The work is beyond what the service will do for one request (a range too wide for any
 * method, an estimate far past the deadline); `extensions` name the limits so the client
 * can split the request.
 */
export class TooCostlyError extends Error {
  override readonly name = 'TooCostlyError';
  constructor(
    message: string,
    readonly extensions: Readonly<Record<string, unknown>> = {},
  ) {
    super(message);
  }
}

/**
 * One tenant has as much work queued or running as it may (its share of the backlog, of the
 * pool's queue, of the job queue): that tenant, and only that one, is asked to retry later.
 */
export class QuotaExceededError extends Error {
  override readonly name = 'QuotaExceededError';
  constructor(
    message: string,
    readonly retryAfterSeconds: number,
    readonly extensions: Readonly<Record<string, unknown>> = {},
  ) {
    super(message);
  }
}
