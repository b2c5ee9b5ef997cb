/**
 * What the job runner refuses. Plain errors with the facts (ids, states); the HTTP edge
 * maps them to problems (src/http/errors.ts).
 */
import type { JobStatus } from './types.js';

export class JobNotFoundError extends Error {
  override readonly name = 'JobNotFoundError';
  constructor(readonly jobId: string) {
    super(`There is no job ${jobId}. Job ids come from the Location header of a 202 response.`);
  }
}

export class JobExpiredError extends Error {
  override readonly name = 'JobExpiredError';
  constructor(
    readonly jobId: string,
    readonly ttlSeconds: number,
  ) {
    super(`Job ${jobId} finished more than ${ttlSeconds} s ago and its result was discarded; submit it again.`);
  }
}

export class JobFinishedError extends Error {
  override readonly name = 'JobFinishedError';
  constructor(
    readonly jobId: string,
    readonly status: JobStatus,
  ) {
    super(`Job ${jobId} already ${status}; there is nothing to cancel.`);
  }
}

export class IdempotencyConflictError extends Error {
  override readonly name = 'IdempotencyConflictError';
  constructor(readonly jobId: string) {
    super('This Idempotency-Key was already used with a different request. Use a new key for a new request.');
  }
}

/** A job's result is larger than one result may be kept (`JOB_RESULT_MAX_BYTES`). */
export class JobResultTooLargeError extends Error {
  override readonly name = 'JobResultTooLargeError';
  constructor(
    readonly bytes: number,
    readonly maxBytes: number,
  ) {
    super(
      `The result is ${bytes} bytes of JSON, above the ${maxBytes} bytes a job may keep (JOB_RESULT_MAX_BYTES). ` +
        'Ask for less (a smaller page, top or limit), or split the work into several jobs.',
    );
  }
}

/** The job store (Redis, in the distributed mode) cannot be reached: jobs are unavailable, synchronous calls are not. */
export class JobsUnavailableError extends Error {
  override readonly name = 'JobsUnavailableError';
  constructor(options?: { cause?: unknown }) {
    super('The job queue is unreachable right now; retry shortly. Synchronous calls (without `Prefer: respond-async`) still work.', options);
  }
}
