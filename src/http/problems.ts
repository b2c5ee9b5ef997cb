/**
 * The one registry of problem types (RFC 9457). Every error a client can see is listed
 * here with its status and title; handlers throw `ProblemError`s naming a type, the error
 * middleware renders them, and the OpenAPI document describes them from this table.
 */
import { z } from '@hono/zod-openapi';
import type { FieldError } from '../inputs/errors.js';
import { type DocumentedHeader, headerRefs } from './contract-headers.js';

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
    type: z.string().openapi({ description: `A problem type URI: ${problemTypeBase}<name>.` }),
    title: z.string().openapi({ description: 'The title of the type, the same for every problem of that type.' }),
    status: z.number().int().openapi({ description: 'The HTTP status code.' }),
    detail: z.string().openapi({ description: 'What went wrong with this request, and how to fix it.' }),
    instance: z.string().optional().openapi({ description: 'The path of the request.' }),
    errors: z
      .array(
        z.object({
          pointer: z.string().openapi({ description: 'JSON pointer into the body (`/numbers/1`) or the request (`#/query/limit`).' }),
          message: z.string(),
        }),
      )
      .optional()
      .openapi({ description: 'For `validation-failed`: every offending field (at most 20).' }),
  })
  .catchall(z.unknown())
  .openapi('Problem', {
    description:
      'An RFC 9457 problem. `type` is one of ' +
      Object.entries(problemTypes)
        .map(([type, spec]) => `\`${type}\` (${spec.status})`)
        .join(', ') +
      `, each under ${problemTypeBase}; a type may add fields of its own (e.g. \`retryAfterSeconds\`, \`limitBytes\`).`,
  });

interface ProblemExample {
  readonly summary: string;
  readonly instance: string;
  readonly detail: string;
  readonly errors?: readonly FieldError[];
  readonly extensions?: Readonly<Record<string, unknown>>;
}

/**
 * One example per problem type, shown by the reference under the type's name. Keyed by the
 * registry's types, so a new type without an example does not compile.
 */
export const problemExamples = {
  'unauthorized': {
    summary: 'No valid API key',
    instance: '/v1/primes/97',
    detail: 'This server requires an API key: send `Authorization: Bearer <key>`.',
  },
  'rate-limited': {
    summary: 'Too many requests',
    instance: '/v1/primes/97',
    detail: 'This tenant sent more than 600 requests in the last minute (RATE_LIMIT_PER_MINUTE); retry after 12 s.',
    extensions: { retryAfterSeconds: 12 },
  },
  'quota-exceeded': {
    summary: 'The tenant has too much work in progress',
    instance: '/v1/mapreduce',
    detail: 'This tenant already has 8 active jobs, the most it may have (TENANT_MAX_ACTIVE_JOBS); retry when some have finished.',
    extensions: { retryAfterSeconds: 5 },
  },
  'not-found': {
    summary: 'No such route',
    instance: '/v1/prime/97',
    detail: 'There is no route GET /v1/prime/97. The API reference is at /docs.',
  },
  'method-not-allowed': {
    summary: 'Wrong method for the route',
    instance: '/v1/primes/check',
    detail: 'GET is not allowed on /v1/primes/check; use POST.',
  },
  'malformed-json': {
    summary: 'The body is not JSON',
    instance: '/v1/primes/check',
    detail: 'The request body is not valid JSON: unexpected token at offset 13. Check quoting, commas and brackets.',
    extensions: { reason: 'malformed-json', offset: 13 },
  },
  'bad-request': {
    summary: 'A header that cannot be used',
    instance: '/v1/primes/97',
    detail: 'Prefer: wait must be a number of seconds, e.g. "wait=5"; got "soon".',
  },
  'request-timeout': {
    summary: 'The request arrived too slowly',
    instance: '/v1/reduce/binary',
    detail: 'The request did not arrive whole within 30000 ms (REQUEST_TIMEOUT_MS); the connection is closed.',
  },
  'headers-too-large': {
    summary: 'Request headers over the limit',
    instance: '/v1/primes/97',
    detail: 'The request headers are larger than the server accepts (16384 bytes); send fewer or shorter headers.',
  },
  'validation-failed': {
    summary: 'A value is not acceptable',
    instance: '/v1/primes/check',
    detail: '/numbers/1: 9007199254740993 is above 2^53 - 1 (9007199254740991), where JSON numbers lose precision: send the exact value as a decimal string, e.g. "18446744073709551557"',
    errors: [
      {
        pointer: '/numbers/1',
        message:
          '9007199254740993 is above 2^53 - 1 (9007199254740991), where JSON numbers lose precision: send the exact value as a decimal string, e.g. "18446744073709551557"',
      },
    ],
  },
  'unsupported-media-type': {
    summary: 'A body of the wrong type',
    instance: '/v1/reduce',
    detail: 'Send the body as JSON with `Content-Type: application/json`.',
  },
  'body-too-large': {
    summary: 'The body is over the limit',
    instance: '/v1/reduce/binary',
    detail: 'The request body is larger than 268435456 bytes. Send less per request.',
    extensions: { maxBytes: 268435456 },
  },
  'too-costly': {
    summary: 'More work than the endpoint will do',
    instance: '/v1/primes/count',
    detail:
      'The range [0, 100000000000000000] is 100000000000000001 numbers wide and ends above 9007199254740992: the sieve counts ranges up to ' +
      '1000000000000 numbers wide (MAX_SIEVE_WIDTH), pi(x) counts up to to = 9007199254740992.',
    extensions: { maxSieveWidth: '1000000000000', primePiMax: '9007199254740992' },
  },
  'deadline-exceeded': {
    summary: 'The computation ran out of time',
    instance: '/v1/primes/factor',
    detail:
      'The computation did not finish within 30000 ms (numbers[1] = 170141183460469231731687303715884105727 unfinished). ' +
      'Submit it as a job with the header `Prefer: respond-async` to let it run longer, or make the request smaller.',
    extensions: { deadlineMs: 30000 },
  },
  'result-too-large': {
    summary: 'An answer larger than will be built or kept',
    instance: '/v1/mapreduce',
    detail: 'The words of this answer total more than 33554432 bytes of text; ask for a smaller `top`.',
    extensions: { limitBytes: 33554432 },
  },
  'job-not-found': {
    summary: 'No such job',
    instance: '/v1/jobs/pZ1tq2yS3x8Hn0mV4dR7aQ',
    detail: 'There is no job pZ1tq2yS3x8Hn0mV4dR7aQ. Job ids come from the Location header of a 202 response.',
  },
  'job-expired': {
    summary: 'The job was forgotten',
    instance: '/v1/jobs/pZ1tq2yS3x8Hn0mV4dR7aQ',
    detail: 'Job pZ1tq2yS3x8Hn0mV4dR7aQ finished more than 3600 s ago and its result was discarded; submit it again.',
  },
  'job-finished': {
    summary: 'Nothing left to cancel',
    instance: '/v1/jobs/pZ1tq2yS3x8Hn0mV4dR7aQ',
    detail: 'Job pZ1tq2yS3x8Hn0mV4dR7aQ already succeeded; there is nothing to cancel.',
    extensions: { status: 409 },
  },
  'idempotency-conflict': {
    summary: 'A key reused with another request',
    instance: '/v1/primes/count',
    detail: 'This Idempotency-Key was already used with a different request. Use a new key for a new request.',
    extensions: { jobId: 'pZ1tq2yS3x8Hn0mV4dR7aQ' },
  },
  'overloaded': {
    summary: 'No room for more work now',
    instance: '/v1/primes/count',
    detail:
      'The worker threads have about 5120 ms of admitted work each, above the limit of 5000 ms; retry after the indicated delay, ' +
      'or submit the work as a job (`Prefer: respond-async`), which waits for its turn instead.',
    extensions: { backlogMs: 5120 },
  },
  'shutting-down': {
    summary: 'The server is draining',
    instance: '/v1/primes/97',
    detail: 'The server is shutting down; retry on another instance.',
  },
  'sandbox-syntax': {
    summary: 'User code that does not parse',
    instance: '/v1/mapreduce',
    detail: 'map does not parse: SyntaxError: Unexpected token \'}\' (line 1, column 42).',
    extensions: { function: 'map', line: 1, column: 42 },
  },
  'sandbox-exception': {
    summary: 'User code threw',
    instance: '/v1/mapreduce',
    detail: 'map threw TypeError: document.split is not a function (line 1, column 48) on document 3.',
    extensions: { thrown: 'TypeError: document.split is not a function', function: 'map', document: 3, line: 1, column: 48 },
  },
  'sandbox-value': {
    summary: 'User code returned something JSON cannot carry',
    instance: '/v1/mapreduce',
    detail: 'reduce returned a function for key "cat": return JSON values (numbers, strings, booleans, null, arrays, objects).',
    extensions: { function: 'reduce', key: 'cat' },
  },
  'sandbox-limit': {
    summary: 'User code went past a limit',
    instance: '/v1/mapreduce',
    detail: 'map ran for more than 2000 ms of CPU on document 0. The limit is SANDBOX_CPU_MS = 2000 ms.',
    extensions: { limit: 'cpu', maximum: 2000, unit: 'ms', function: 'map', document: 0 },
  },
  'sandbox-crashed': {
    summary: 'User code took its sandbox down',
    instance: '/v1/mapreduce',
    detail: 'The sandbox ran out of memory running map. Other work is not affected; check the functions for input that breaks them.',
    extensions: { function: 'map' },
  },
  'function-not-found': {
    summary: 'No stored function with that id',
    instance: '/v1/functions/pZ1tq2yS3x8Hn0mV4dR7aQ',
    detail: 'There is no stored function pZ1tq2yS3x8Hn0mV4dR7aQ. Ids come from the Location header of POST /v1/functions; GET /v1/functions lists yours.',
    extensions: { functionId: 'pZ1tq2yS3x8Hn0mV4dR7aQ' },
  },
  'function-store-full': {
    summary: 'The tenant stores as many functions as it may',
    instance: '/v1/functions',
    detail: 'You already store 100 functions, the most allowed (FUNCTIONS_MAX_PER_TENANT = 100); delete one first.',
    extensions: { limit: 'count', maximum: 100 },
  },
  'functions-unavailable': {
    summary: 'The function store cannot be reached',
    instance: '/v1/functions',
    detail: 'The function store (Redis) cannot be reached right now; retry shortly.',
  },
  'jobs-unavailable': {
    summary: 'The job queue cannot be reached',
    instance: '/v1/jobs',
    detail: 'The job queue is unreachable right now; retry shortly. Synchronous calls (without `Prefer: respond-async`) still work.',
  },
  'internal': {
    summary: 'A bug on our side',
    instance: '/v1/reduce',
    detail: 'Something went wrong on our side; report request id 3f1c9a52-7d0e-4b8e-9a41-2c5b6d7e8f90.',
  },
} as const satisfies Record<ProblemType, ProblemExample>;

/** The example's body, as the server would send it. */
export function problemExampleBody(type: ProblemType): Problem {
  const example: ProblemExample = problemExamples[type];
  return {
    ...example.extensions,
    type: problemTypeUri(type),
    title: problemTypes[type].title,
    status: problemTypes[type].status,
    detail: example.detail,
    instance: example.instance,
    ...(example.errors === undefined ? {} : { errors: example.errors }),
  };
}

/** Headers a problem of each status is sent with (beyond those of every response). */
const problemHeaders: Partial<Record<number, DocumentedHeader[]>> = {
  401: ['WWW-Authenticate'],
  429: ['Retry-After', 'RateLimit-Policy', 'RateLimit'],
  503: ['Retry-After'],
};

type StatusOf<T extends ProblemType> = (typeof problemTypes)[T]['status'];

export interface ProblemResponse {
  description: string;
  headers: Record<string, { $ref: string }>;
  content: { 'application/problem+json': { schema: typeof ProblemSchema; examples: Record<string, { $ref: string }> } };
}

/** The response entry for one status, listing the problem types it may carry, each with its example. */
export function problemResponse(status: number, types: readonly ProblemType[]): ProblemResponse {
  return {
    description: `Problem: ${types.map((type) => `\`${type}\``).join(', ')}`,
    headers: headerRefs(...(problemHeaders[status] ?? [])),
    content: {
      [problemMediaType]: {
        schema: ProblemSchema,
        examples: Object.fromEntries(types.map((type) => [type, { $ref: problemExampleRef(type) }])),
      },
    },
  };
}

export function problemExampleRef(type: ProblemType): string {
  return `#/components/examples/${type}`;
}

/**
 * OpenAPI response entries for `createRoute({ responses })`, one per status, from the problem
 * types the route can answer with.
 */
export function problemResponses<const T extends readonly ProblemType[]>(...types: T): { [S in StatusOf<T[number]>]: ProblemResponse } {
  const byStatus = new Map<number, ProblemType[]>();
  for (const type of types) {
    const { status } = problemTypes[type];
    byStatus.set(status, [...(byStatus.get(status) ?? []), type]);
  }
  return Object.fromEntries([...byStatus].map(([status, list]) => [status, problemResponse(status, list)])) as {
    [S in StatusOf<T[number]>]: ProblemResponse;
  };
}
