/**
 * The one registry of problem types (RFC 9457). Every error a client can see is listed
 * here with its status and title; handlers throw `ProblemError`s naming a type, the error
 * middleware renders them, and the OpenAPI document describes them from this table.
 */
import { z } from '@hono/zod-openapi';
import type { FieldError } from '../inputs/errors.js';

export const problemTypes = {
  'unauthorized': { status: 401, title: 'Unauthorized' },
  'rate-limited': { status: 429, title: 'Rate limit exceeded' },
  'quota-exceeded': { status: 429, title: 'Tenant quota exceeded' },
  'not-found': { status: 404, title: 'Not found' },
  'method-not-allowed': { status: 405, title: 'Method not allowed' },
  'malformed-json': { status: 400, title: 'Malformed JSON' },
  'bad-request': { status: 400, title: 'Bad request' },
  'request-timeout': { status: 408, title: 'Request timeout' },
  'headers-too-large': { status: 431, title: 'Request headers too large' },
  'validation-failed': { status: 422, title: 'Validation failed' },
  'unsupported-media-type': { status: 415, title: 'Unsupported media type' },
  'body-too-large': { status: 413, title: 'Request body too large' },
  'too-costly': { status: 422, title: 'Work exceeds the synchronous limit' },
  'deadline-exceeded': { status: 422, title: 'Deadline exceeded' },
  'result-too-large': { status: 422, title: 'Result too large to keep' },
  'job-not-found': { status: 404, title: 'Job not found' },
  'job-expired': { status: 410, title: 'Job expired' },
  'job-finished': { status: 409, title: 'Job already finished' },
  'idempotency-conflict': { status: 422, title: 'Idempotency key reused with a different request' },
  'sandbox-syntax': { status: 422, title: 'Syntax error in user code' },
  'sandbox-exception': { status: 422, title: 'User code threw an exception' },
  'sandbox-value': { status: 422, title: 'User code produced a value that is not JSON' },
  'sandbox-limit': { status: 422, title: 'User code went past a sandbox limit' },
  'sandbox-crashed': { status: 422, title: 'User code crashed its sandbox' },
  'function-not-found': { status: 404, title: 'Function not found' },
  'function-store-full': { status: 422, title: 'Function store full' },
  'functions-unavailable': { status: 503, title: 'Function store unavailable' },
  'overloaded': { status: 503, title: 'Server overloaded' },
  'shutting-down': { status: 503, title: 'Server shutting down' },
  'jobs-unavailable': { status: 503, title: 'Job queue unavailable' },
  'internal': { status: 500, title: 'Internal server error' },
} as const satisfies Record<string, { status: number; title: string }>;

export type ProblemType = keyof typeof problemTypes;

export const problemTypeBase = 'https://crunch.dev/problems/';

export function problemTypeUri(type: ProblemType): string {
  return `${problemTypeBase}${type}`;
}

export type { FieldError } from '../inputs/errors.js';

export interface Problem {
  readonly type: string;
  readonly title: string;
  readonly status: number;
  readonly detail: string;
  readonly instance?: string;
  readonly errors?: readonly FieldError[];
  readonly [extension: string]: unknown;
}

export class ProblemError extends Error {
  override readonly name = 'ProblemError';
  readonly type: ProblemType;
  readonly status: number;
  readonly errors: readonly FieldError[] | undefined;
  readonly headers: Readonly<Record<string, string>>;
  readonly extensions: Readonly<Record<string, unknown>>;

  constructor(
    type: ProblemType,
    detail: string,
    options: {
      errors?: readonly FieldError[];
      headers?: Record<string, string>;
      extensions?: Record<string, unknown>;
      cause?: unknown;
    } = {},
  ) {
    super(detail, { cause: options.cause });
    this.type = type;
    this.status = problemTypes[type].status;
    this.errors = options.errors;
    this.headers = options.headers ?? {};
    this.extensions = options.extensions ?? {};
  }

  toProblem(instance?: string): Problem {
    return {
      ...this.extensions,
      type: problemTypeUri(this.type),
      title: problemTypes[this.type].title,
      status: this.status,
      detail: this.message,
      ...(instance === undefined ? {} : { instance }),
      ...(this.errors === undefined ? {} : { errors: this.errors }),
    };
  }
}

export function validationProblem(errors: readonly FieldError[], detail?: string): ProblemError {
  const first = errors[0];
  const summary =
    detail ??
    (first === undefined
      ? 'The request is not valid.'
      : `${first.pointer || 'the body'}: ${first.message}${errors.length > 1 ? ` (and ${errors.length - 1} more)` : ''}`);
  return new ProblemError('validation-failed', summary, { errors });
}

export const problemMediaType = 'application/problem+json';

export const ProblemSchema = z
  .object({
    type: z.string().openapi({ example: problemTypeUri('validation-failed') }),
    title: z.string().openapi({ example: problemTypes['validation-failed'].title }),
    status: z.number().int().openapi({ example: 422 }),
    detail: z.string().openapi({
      example: '/numbers/1: 9007199254740993 is not a safe JSON integer: send it as a decimal string, e.g. "9007199254740993"',
    }),
    instance: z.string().optional().openapi({ example: '/v1/primes/check' }),
    errors: z
      .array(
        z.object({
          pointer: z.string().openapi({ example: '/numbers/1' }),
          message: z.string().openapi({ example: 'must be a non-negative integer' }),
        }),
      )
      .optional(),
  })
  .catchall(z.unknown())
  .openapi('Problem', {
    description: 'An RFC 9457 problem. `type` is one of the URIs under https://crunch.dev/problems/ listed in the README.',
  });

type ProblemStatus = (typeof problemTypes)[ProblemType]['status'];

/** OpenAPI response entries for the given problem statuses, for `createRoute({ responses })`. */
export function problemResponses<const S extends readonly ProblemStatus[]>(...statuses: S) {
  const entries = statuses.map((status) => {
    const types = Object.entries(problemTypes)
      .filter(([, spec]) => spec.status === status)
      .map(([type]) => `\`${type}\``)
      .join(', ');
    return [
      status,
      {
        description: `Problem (${types})`,
        content: { [problemMediaType]: { schema: ProblemSchema } },
      },
    ] as const;
  });
  return Object.fromEntries(entries) as {
    [K in S[number]]: { description: string; content: { 'application/problem+json': { schema: typeof ProblemSchema } } };
  };
}
