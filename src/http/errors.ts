/**
 * Turns anything thrown while handling a request into an RFC 9457 problem: the one place
 * where the errors of the lower layers (kernels, dispatcher, pool, jobs) meet HTTP. Known
 * problems keep their status; kernel input errors become 422; Hono's own HTTP errors
 * (malformed JSON, wrong media type, body too large) get their problem types; anything
 * else is a 500 whose detail names the request id, never a stack trace.
 */
import type { Context } from 'hono';
import { HTTPException } from 'hono/http-exception';
import { ComputeInputError, ResultTooLargeError } from '../compute/errors.js';
import { DeadlineExceededError, OverloadedError, QuotaExceededError, ShuttingDownError, TooCostlyError } from '../dispatch/errors.js';
import {
  IdempotencyConflictError,
  JobExpiredError,
  JobFinishedError,
  JobNotFoundError,
  JobsUnavailableError,
  JobResultTooLargeError,
} from '../jobs/errors.js';
import type { AppEnv } from './env.js';
import { FunctionNotFoundError, FunctionStoreFullError, FunctionStoreUnavailableError } from '../functions/errors.js';
import { InputError, MalformedBodyError } from '../inputs/errors.js';
import {
  SandboxCrashError,
  SandboxError,
  SandboxInputError,
  SandboxLimitError,
  SandboxSyntaxError,
  SandboxUserError,
  SandboxValueError,
  type SandboxLimitName,
} from '../sandbox/errors.js';
import { ClientGoneError } from './upload.js';
import { type Problem, ProblemError, problemMediaType, validationProblem } from './problems.js';

export function problemResponse(c: Context<AppEnv>, problem: ProblemError): Response {
  c.set('problemType', problem.type);
  const body: Problem = problem.toProblem(c.req.path);
  const headers: Record<string, string> = { 'Content-Type': problemMediaType, ...problem.headers };
  // A body left unread (refused midway: too large, over budget) would otherwise be read to
  // its end, and thrown away, before the connection could serve another request.
  const incoming = (c.env as AppEnv['Bindings'] | undefined)?.incoming;
  if (incoming !== undefined && !incoming.readableEnded && c.req.header('content-length') !== '0' && c.req.method !== 'GET') {
    headers['Connection'] = 'close';
  }
  // Through the context, so the headers set before the error (X-Request-Id, RateLimit, CORS) are sent too.
  return c.body(JSON.stringify(body), problem.status as 400, headers);
}

/**
 * Where the error happened decides the advice: a synchronous request that ran out of time
 * can become a job; a job that did has nowhere longer to go.
 */
export type ErrorContext = 'request' | 'job';

const asJobAdvice = 'Submit it as a job with the header `Prefer: respond-async` to let it run longer, or make the request smaller.';
const splitAdvice = 'Make the request smaller, or split it into several.';

export function toProblemError(error: unknown, context: ErrorContext = 'request'): ProblemError | undefined {
  if (error instanceof ProblemError) return error;
  if (error instanceof DeadlineExceededError) {
    return new ProblemError('deadline-exceeded', `${error.message} ${context === 'request' ? asJobAdvice : splitAdvice}`, {
      extensions: { deadlineMs: error.deadlineMs, ...error.extensions },
      cause: error,
    });
  }
  if (error instanceof TooCostlyError) {
    const advice = context === 'request' && !error.message.includes('job') ? ' Jobs (`Prefer: respond-async`) have a longer deadline.' : '';
    return new ProblemError('too-costly', `${error.message}${advice}`, { extensions: error.extensions, cause: error });
  }
  if (error instanceof OverloadedError) {
    return new ProblemError('overloaded', error.message, {
      headers: { 'Retry-After': String(error.retryAfterSeconds) },
      extensions: error.extensions,
      cause: error,
    });
  }
  if (error instanceof QuotaExceededError) {
    return new ProblemError('quota-exceeded', error.message, {
      headers: { 'Retry-After': String(error.retryAfterSeconds) },
      extensions: error.extensions,
      cause: error,
    });
  }
  if (error instanceof ShuttingDownError) {
    return new ProblemError('shutting-down', error.message, { headers: { 'Retry-After': '1', Connection: 'close' }, cause: error });
  }
  if (error instanceof JobsUnavailableError) {
    return new ProblemError('jobs-unavailable', error.message, { headers: { 'Retry-After': '2' }, cause: error });
  }
  if (error instanceof JobNotFoundError) return new ProblemError('job-not-found', error.message, { cause: error });
  if (error instanceof JobExpiredError) return new ProblemError('job-expired', error.message, { cause: error });
  if (error instanceof JobFinishedError) {
    return new ProblemError('job-finished', error.message, { extensions: { status: error.status }, cause: error });
  }
  if (error instanceof ResultTooLargeError) {
    return new ProblemError('result-too-large', error.message, {
      extensions: { limitBytes: error.limit, ...(error.pointer === undefined ? {} : { pointer: error.pointer }) },
      cause: error,
    });
  }
  if (error instanceof JobResultTooLargeError) {
    return new ProblemError('result-too-large', error.message, { extensions: { bytes: error.bytes, maxBytes: error.maxBytes }, cause: error });
  }
  if (error instanceof IdempotencyConflictError) {
    return new ProblemError('idempotency-conflict', error.message, { extensions: { jobId: error.jobId }, cause: error });
  }
  if (error instanceof InputError) {
    return new ProblemError('validation-failed', error.message, { errors: error.errors, extensions: error.extensions, cause: error });
  }
  if (error instanceof MalformedBodyError) {
    return new ProblemError(error.reason === 'malformed-json' ? 'malformed-json' : 'bad-request', error.message, {
      extensions: { reason: error.reason, ...(error.offset === undefined ? {} : { offset: error.offset }) },
      cause: error,
    });
  }
  if (error instanceof ComputeInputError) {
    return error.pointer === undefined
      ? new ProblemError('validation-failed', error.message)
      : validationProblem([{ pointer: error.pointer, message: error.message }]);
  }
  if (error instanceof SandboxError) return sandboxProblem(error);
  if (error instanceof FunctionNotFoundError) return new ProblemError('function-not-found', error.message, { extensions: { functionId: error.functionId }, cause: error });
  if (error instanceof FunctionStoreFullError) {
    return new ProblemError('function-store-full', error.message, { extensions: { limit: error.limit, maximum: error.maximum }, cause: error });
  }
  if (error instanceof FunctionStoreUnavailableError) {
    return new ProblemError('functions-unavailable', error.message, { headers: { 'Retry-After': '2' }, cause: error });
  }
  if (error instanceof HTTPException) {
    switch (error.status) {
      case 400:
        return /json/i.test(error.message)
          ? new ProblemError('malformed-json', 'The request body is not valid JSON: check quoting, commas and brackets.', { cause: error })
          : new ProblemError('bad-request', error.message, { cause: error });
      case 413:
        return new ProblemError('body-too-large', error.message, { cause: error });
      case 415:
        return new ProblemError(
          'unsupported-media-type',
          'This endpoint does not take that Content-Type. JSON bodies need `Content-Type: application/json`; ' +
            'the endpoints that also take binary or text uploads say so at /docs.',
          { cause: error },
        );
      default:
        return undefined;
    }
  }
  return undefined;
}

/** The setting behind each sandbox limit, named so an operator knows what to raise. */
const sandboxLimitSettings: Record<SandboxLimitName, string> = {
  memory: 'SANDBOX_MEMORY_MB',
  cpu: 'SANDBOX_CPU_MS',
  stack: 'SANDBOX_STACK_KB',
  source: 'SANDBOX_MAX_SOURCE_BYTES',
  output: 'SANDBOX_MAX_EMITS',
  result: 'SANDBOX_MAX_RESULT_BYTES',
};

/**
 * User code's failures, all the client's to fix (4xx): what happened, where (function, line,
 * column, document, key), and for a limit which one and its maximum. The engine's messages
 * already name the place; the extensions carry it as data.
 */
function sandboxProblem(error: SandboxError): ProblemError {
  const extensions: Record<string, unknown> = { ...error.location };
  if (error instanceof SandboxLimitError) {
    const setting = error.limit === 'output' && error.unit === 'bytes' ? 'SANDBOX_MAX_EMIT_BYTES' : sandboxLimitSettings[error.limit];
    const detail = `${capitalise(error.message.replace(/\.$/, ''))}. The limit is ${setting} = ${error.maximum} ${error.unit}.`;
    return new ProblemError('sandbox-limit', detail, {
      extensions: { limit: error.limit, maximum: error.maximum, unit: error.unit, ...extensions },
      cause: error,
    });
  }
  if (error instanceof SandboxSyntaxError) return new ProblemError('sandbox-syntax', capitalise(error.message), { extensions, cause: error });
  if (error instanceof SandboxUserError) {
    return new ProblemError('sandbox-exception', capitalise(error.message), { extensions: { thrown: error.thrown, ...extensions }, cause: error });
  }
  if (error instanceof SandboxValueError) return new ProblemError('sandbox-value', capitalise(error.message), { extensions, cause: error });
  if (error instanceof SandboxInputError) {
    return new ProblemError('malformed-json', `${capitalise(error.message)}: each line of an NDJSON upload must be one JSON document.`, {
      extensions: { reason: 'malformed-json', ...extensions, ...(error.location.document === undefined ? {} : { line: error.location.document + 1 }) },
      cause: error,
    });
  }
  const crashed = error instanceof SandboxCrashError ? error.message : `the sandbox failed: ${error.message}`;
  return new ProblemError('sandbox-crashed', `${capitalise(crashed)}. Other work is not affected; check the functions for input that breaks them.`, {
    extensions,
    cause: error,
  });
}

function capitalise(text: string): string {
  return text.length === 0 ? text : `${text[0]!.toUpperCase()}${text.slice(1)}`;
}

/** nginx's "client closed request": logged and counted, never sent (nobody is there to read it). */
const clientClosedStatus = 499;

/** Errors are logged once, on the request's access log line (src/http/middleware.ts), not here. */
export function handleError(error: unknown, c: Context<AppEnv>): Response {
  if (error instanceof ClientGoneError) {
    c.set('error', error);
    return new Response(null, { status: clientClosedStatus });
  }
  const problem = toProblemError(error);
  if (problem !== undefined) {
    if (problem.status >= 500) c.set('error', error);
    return problemResponse(c, problem);
  }
  c.set('error', error);
  return problemResponse(
    c,
    new ProblemError('internal', `Something went wrong on our side; report request id ${c.var.requestId ?? 'unknown'}.`),
  );
}

/** The problem a failed job reports: its mapped error, or an internal one (the error is passed on for logging). */
export function jobProblem(error: unknown, onUnexpected: (error: unknown) => void): Problem {
  const problem = toProblemError(error, 'job');
  if (problem !== undefined) return problem.toProblem();
  onUnexpected(error);
  return new ProblemError('internal', 'The job failed on our side; submit it again or report its id.').toProblem();
}
