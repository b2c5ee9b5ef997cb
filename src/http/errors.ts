/**
 * Turns anything thrown while handling a request into an RFC 9457 problem. Known
 * problems keep their status; kernel input errors become 422; Hono's own HTTP errors
 * (malformed JSON, wrong media type, body too large) get their problem types; anything
 * else is a 500 whose detail names the request id, never a stack trace.
 */
import type { Context } from 'hono';
import { HTTPException } from 'hono/http-exception';
import type { ZodError } from 'zod';
import { ComputeInputError } from '../compute/errors.js';
import type { AppEnv } from './env.js';
import { type FieldError, type Problem, ProblemError, problemMediaType, validationProblem } from './problems.js';

export function problemResponse(c: Context<AppEnv>, problem: ProblemError): Response {
  const body: Problem = problem.toProblem(c.req.path);
  const headers = new Headers({ 'Content-Type': problemMediaType, ...problem.headers });
  return new Response(JSON.stringify(body), { status: problem.status, headers });
}

export function toProblemError(error: unknown): ProblemError | undefined {
  if (error instanceof ProblemError) return error;
  if (error instanceof ComputeInputError) {
    return error.pointer === undefined
      ? new ProblemError('validation-failed', error.message)
      : validationProblem([{ pointer: error.pointer, message: error.message }]);
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

export function handleError(error: unknown, c: Context<AppEnv>): Response {
  const problem = toProblemError(error);
  if (problem !== undefined) {
    if (problem.status >= 500) c.var.log?.warn({ requestId: c.var.requestId, err: error }, problem.message);
    return problemResponse(c, problem);
  }
  c.var.log?.error({ requestId: c.var.requestId, err: error }, 'unhandled error');
  return problemResponse(
    c,
    new ProblemError('internal', `Something went wrong on our side; report request id ${c.var.requestId ?? 'unknown'}.`),
  );
}

/** Zod issues → field errors with JSON pointers into the request part that failed. */
export function zodFieldErrors(error: ZodError, target: string): FieldError[] {
  const prefix = target === 'json' ? '' : `#/${target === 'param' ? 'path' : target}`;
  return error.issues.slice(0, 20).map((issue) => {
    const pointer = `${prefix}/${issue.path.map((part) => String(part).replaceAll('~', '~0').replaceAll('/', '~1')).join('/')}`;
    return { pointer: pointer === '/' ? '' : pointer, message: describeIssue(issue) };
  });
}

function describeIssue(issue: ZodError['issues'][number]): string {
  switch (issue.code) {
    case 'invalid_union':
      return 'must be a non-negative integer, as a JSON number or a decimal string';
    case 'invalid_type':
      return issue.message.startsWith('Invalid input: expected')
        ? `${issue.message.replace('Invalid input: e', 'e')}`
        : issue.message;
    case 'unrecognized_keys':
      return `unknown field${issue.keys.length > 1 ? 's' : ''} ${issue.keys.map((key) => JSON.stringify(key)).join(', ')}: remove ${issue.keys.length > 1 ? 'them' : 'it'}`;
    default:
      return issue.message;
  }
}
