/** Contract of jobs: their representation, the 202 answer of an async submission, the job routes' parameters. */
import { z } from '@hono/zod-openapi';
import { headerRefs } from '../../http/contract-headers.js';
import { type Problem, ProblemSchema } from '../../http/problems.js';
import { queryIntegerSchema } from '../../inputs/integers.js';
import { jobStatuses, type JobRecord } from '../../jobs/types.js';
import type { OperationName } from '../../operations/registry.js';
import { mapReduceResultSchemas } from '../mapreduce/schemas.js';
import { PrimeCheckBatchResponseSchema, PrimeCheckSchema } from '../primes/check-schemas.js';
import { PrimeCountSchema } from '../primes/count-schemas.js';
import { FactorResponseSchema } from '../primes/factor-schemas.js';
import { PrimeListSchema } from '../primes/list-schemas.js';
import { ReduceResponseSchema } from '../reduce/schemas.js';

export const ProgressSchema = z
  .object({
    phase: z.string().openapi({ example: 'map', description: 'What the job is doing, e.g. `sieve`, `map`, `reduce`, `shards`.' }),
    done: z.number().int().openapi({ example: 3 }),
    total: z.number().int().openapi({ example: 8 }),
  })
  .openapi('JobProgress');

const exampleId = 'pZ1tq2yS3x8Hn0mV4dR7aQ';

/** What every job has, whatever its operation. */
const jobFields = {
  id: z.string().openapi({ example: exampleId, description: 'Unguessable: 128 random bits.' }),
  status: z.enum(jobStatuses).openapi({ example: 'running' }),
  // A union rather than .nullable(): zod-to-openapi drops the null of a nullable named schema.
  progress: z.union([ProgressSchema, z.null()]),
  createdAt: z.string().openapi({ format: 'date-time' }),
  startedAt: z.string().nullable().openapi({ format: 'date-time' }),
  finishedAt: z.string().nullable().openapi({ format: 'date-time' }),
  expiresAt: z
    .string()
    .nullable()
    .openapi({ format: 'date-time', description: 'When the finished job is forgotten (then 410 Gone). Null until it finishes.' }),
  // When `failed`: why, as the synchronous call would have answered. (No description: see `result`.)
  problem: ProblemSchema.optional(),
  links: z.object({
    self: z.string().openapi({ example: `/v1/jobs/${exampleId}` }),
    events: z.string().openapi({ example: `/v1/jobs/${exampleId}/events` }),
  }),
};

/**
 * The result of each operation, as the synchronous call answers it. Keyed by the registry's
 * names, so an operation added without its result schema does not compile.
 */
const jobResultSchemas = {
  'primes.is-prime': PrimeCheckSchema,
  'primes.check': PrimeCheckBatchResponseSchema,
  'primes.list': PrimeListSchema,
  'primes.count': PrimeCountSchema,
  'primes.factor': FactorResponseSchema,
  reduce: ReduceResponseSchema,
  'mapreduce.wordcount': mapReduceResultSchemas.wordcount,
  'mapreduce.letters': mapReduceResultSchemas.letters,
  'mapreduce.index': mapReduceResultSchemas.index,
  'mapreduce.grep': mapReduceResultSchemas.grep,
  'mapreduce.sumbykey': mapReduceResultSchemas.sumbykey,
  'mapreduce.custom': mapReduceResultSchemas.custom,
} as const satisfies Record<OperationName, z.ZodType>;

/** `primes.is-prime` → `PrimesIsPrimeJob`: the name of the job schema of an operation. */
function jobSchemaName(operation: string): string {
  return `${operation.replace(/(^|[.-])([a-z])/g, (_, _separator: string, letter: string) => letter.toUpperCase())}Job`;
}

function jobVariant<O extends OperationName>(operation: O) {
  return z
    .object({
      operation: z.literal(operation).openapi({ description: 'The operation the job runs; it decides the shape of `result`.' }),
      ...jobFields,
      // When `succeeded`: exactly the body the synchronous call returns. (No description of its
      // own: zod-to-openapi would then wrap the result schema in an allOf wherever it is used.)
      result: jobResultSchemas[operation].optional(),
    })
    .openapi(jobSchemaName(operation));
}

const [firstOperation, ...otherOperations] = Object.keys(jobResultSchemas) as OperationName[];

/** A job, told apart by `operation`, which types its `result`. */
export const JobSchema = z
  .discriminatedUnion('operation', [
    jobVariant(firstOperation as OperationName),
    ...otherOperations.map((operation) => jobVariant(operation)),
  ])
  .openapi('Job', {
    description:
      'A job: its status, progress, and once finished its `result` (when `succeeded`: exactly the body the synchronous ' +
      'call returns, typed by `operation`) or its `problem` (when `failed`).',
    example: {
      id: exampleId,
      operation: 'primes.count',
      status: 'running',
      progress: { phase: 'shards', done: 3, total: 8 },
      createdAt: '2026-11-23T12:00:00.000Z',
      startedAt: '2026-11-23T12:00:00.004Z',
      finishedAt: null,
      expiresAt: null,
      links: { self: `/v1/jobs/${exampleId}`, events: `/v1/jobs/${exampleId}/events` },
    },
  });

/** A job as the API shows it (without its result, which is written from its stored bytes, nor whose it is). */
export interface JobView extends Omit<JobRecord, 'resultJson' | 'problem' | 'tenant'> {
  readonly problem?: Problem;
  readonly links: { readonly self: string; readonly events: string };
}

export function jobPath(id: string): string {
  return `/v1/jobs/${id}`;
}

/** The job as the API shows it, without its result (see `jobJson`). */
export function jobView(job: JobRecord): JobView {
  const { resultJson: _result, tenant: _tenant, problem, ...rest } = job;
  return {
    ...rest,
    ...(problem === undefined ? {} : { problem }),
    links: { self: jobPath(job.id), events: `${jobPath(job.id)}/events` },
  };
}

/**
 * The job as JSON, in pieces: the view, then the result as its stored bytes. A result is
 * never parsed, serialised or copied again, however many clients read it; a response writes
 * the pieces one after the other and every socket refers to the same result bytes.
 */
export function jobJsonParts(job: JobRecord, options: { readonly withResult?: boolean } = {}): Uint8Array[] {
  const view = JSON.stringify(jobView(job));
  if (options.withResult === false || job.resultJson === undefined) return [Buffer.from(view)];
  return [Buffer.from(`${view.slice(0, -1)},"result":`), job.resultJson, closingBrace];
}

/** The same JSON in one buffer, for an SSE frame (built once per event and shared). */
export function jobJson(job: JobRecord, options: { readonly withResult?: boolean } = {}): Uint8Array {
  const parts = jobJsonParts(job, options);
  return parts.length === 1 ? (parts[0] as Uint8Array) : Buffer.concat(parts);
}

const closingBrace = Buffer.from('}');

export const JobParamsSchema = z.object({
  id: z.string().min(1).max(64).openapi({ param: { name: 'id', in: 'path' }, example: exampleId, description: 'The job id, from the `Location` of its 202 answer.' }),
});

export const JobListQuerySchema = z.object({
  status: z.enum(jobStatuses).optional().openapi({ param: { name: 'status', in: 'query' } }),
  limit: queryIntegerSchema(1, 100)
    .optional()
    .openapi({ param: { name: 'limit', in: 'query' }, description: 'Jobs to return, 1 to 100; default 20.', example: 20 }),
});

export const JobListSchema = z.object({ jobs: z.array(JobSchema) }).openapi('JobList');

/**
 * Headers every compute route accepts. No `example`s: Swagger UI prefills them into "Try it
 * out", which would turn every try into a job and the second one into an idempotency conflict.
 */
export const ComputeRequestHeadersSchema = z.object({
  prefer: z
    .string()
    .optional()
    .openapi({
      param: { name: 'prefer', in: 'header' },
      description:
        'RFC 7240. `respond-async`: answer 202 with a job at once. `wait=N` (seconds, at most 60): wait up to N s for ' +
        'the result, then answer 202 if it is not ready. Without it the call is synchronous. ' +
        'For example `respond-async`, or `respond-async, wait=5`.',
    }),
  'idempotency-key': z
    .string()
    .optional()
    .openapi({
      param: { name: 'idempotency-key', in: 'header' },
      pattern: '^[\\x21-\\x7e]{1,200}$',
      description:
        'With `Prefer: respond-async` or `wait`: a repeated submission with the same key and the same request returns ' +
        'the same job; the same key with a different request is a 422. 1 to 200 visible ASCII characters, ' +
        'for example a UUID: a new one for each new request.',
    }),
});

/** The 202 entry of every compute route's responses. */
export const acceptedResponse = {
  202: {
    description: 'Accepted as a job (`Prefer: respond-async`, or `wait` ran out): poll `Location` or stream its events.',
    headers: headerRefs('Location', 'Content-Location', 'Preference-Applied', 'Retry-After', 'Idempotent-Replayed'),
    content: { 'application/json': { schema: JobSchema } },
  },
};
