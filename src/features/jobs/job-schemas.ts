/** Contract of jobs: their representation, the 202 answer of an async submission, the job routes' parameters. */
import { z } from '@hono/zod-openapi';
import { jobStatuses, type JobRecord } from '../../jobs/types.js';
import { ProblemSchema } from '../../http/problems.js';

export const ProgressSchema = z
  .object({
    phase: z.string().openapi({ example: 'map', description: 'What the job is doing, e.g. `sieve`, `map`, `reduce`, `shards`.' }),
    done: z.number().int().openapi({ example: 3 }),
    total: z.number().int().openapi({ example: 8 }),
  })
  .openapi('JobProgress');

const exampleId = 'pZ1tq2yS3x8Hn0mV4dR7aQ';

export const JobSchema = z
  .object({
    id: z.string().openapi({ example: exampleId, description: 'Unguessable: 128 random bits.' }),
    operation: z.string().openapi({ example: 'primes.count' }),
    status: z.enum(jobStatuses).openapi({ example: 'running' }),
    progress: ProgressSchema.nullable(),
    createdAt: z.string().openapi({ format: 'date-time' }),
    startedAt: z.string().nullable().openapi({ format: 'date-time' }),
    finishedAt: z.string().nullable().openapi({ format: 'date-time' }),
    expiresAt: z
      .string()
      .nullable()
      .openapi({ format: 'date-time', description: 'When the finished job is forgotten (then 410 Gone). Null until it finishes.' }),
    result: z.unknown().optional().openapi({ description: 'When `succeeded`: exactly the body the synchronous call returns.' }),
    problem: ProblemSchema.optional().openapi({ description: 'When `failed`: why, as the synchronous call would have answered.' }),
    links: z.object({
      self: z.string().openapi({ example: `/v1/jobs/${exampleId}` }),
      events: z.string().openapi({ example: `/v1/jobs/${exampleId}/events` }),
    }),
  })
  .openapi('Job', {
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

export type JobView = z.infer<typeof JobSchema>;

export function jobPath(id: string): string {
  return `/v1/jobs/${id}`;
}

/** The job as the API shows it, without its result (see `jobJson`). */
export function jobView(job: JobRecord): JobView {
  const { resultJson: _result, tenant: _tenant, problem, ...rest } = job;
  return {
    ...rest,
    ...(problem === undefined ? {} : { problem: problem as z.infer<typeof ProblemSchema> }),
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
  id: z.string().min(1).max(64).openapi({ param: { name: 'id', in: 'path' }, example: exampleId }),
});

export const JobListQuerySchema = z.object({
  status: z.enum(jobStatuses).optional().openapi({ param: { name: 'status', in: 'query' } }),
  limit: z.coerce.number().int().min(1).max(100).default(20).openapi({ param: { name: 'limit', in: 'query' }, example: 20 }),
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
    headers: {
      Location: { description: 'The job: `/v1/jobs/{id}`.', schema: { type: 'string' as const } },
      'Preference-Applied': { description: '`respond-async` or `wait`.', schema: { type: 'string' as const } },
    },
    content: { 'application/json': { schema: JobSchema } },
  },
};
