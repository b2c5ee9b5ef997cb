/**
 * The contract every compute route shares: the `Prefer` and `Idempotency-Key` headers, the
 * 202 job answer, the headers of a synchronous or waited-for answer, and the problems any
 * compute call can end in (a job waited for with `Prefer: wait` answers with its own problem).
 */
import { type RouteConfig, createRoute } from '@hono/zod-openapi';
import { ComputeRequestHeadersSchema, acceptedResponse } from '../features/jobs/job-schemas.js';
import { headerRefs } from './contract-headers.js';
import { type ProblemType, problemResponses } from './problems.js';

/** What any compute call can answer besides its own input errors. */
export const computeProblems = [
  'bad-request', // Prefer, Idempotency-Key, X-Crunch-Route
  'validation-failed',
  'too-costly',
  'deadline-exceeded',
  'result-too-large',
  'idempotency-conflict',
  'overloaded',
  'jobs-unavailable',
] as const satisfies readonly ProblemType[];

/** What routes that read a body can answer about it. */
export const bodyProblems = ['malformed-json', 'bad-request', 'unsupported-media-type', 'body-too-large'] as const satisfies readonly ProblemType[];

/**
 * `createRoute` for compute routes: adds the `Prefer`/`Idempotency-Key` headers, the 202 answer,
 * the headers of the 200 answer and the problems of `computeProblems` (merged with the route's own).
 */
export function computeRoute<P extends string, R extends Omit<RouteConfig, 'path'> & { path: P }>(
  route: R,
  problems: readonly ProblemType[] = [],
) {
  type Request = NonNullable<R['request']> & { headers: typeof ComputeRequestHeadersSchema };
  type Responses = R['responses'] & typeof acceptedResponse;
  const responses: Record<string, unknown> = { ...route.responses };
  const ok = route.responses[200] as { headers?: Record<string, unknown> } | undefined;
  if (ok !== undefined) responses['200'] = { ...ok, headers: { ...computeResponseHeaders, ...ok.headers } };
  Object.assign(responses, problemResponses(...new Set([...problems, ...computeProblems])), acceptedResponse);
  return createRoute({
    ...route,
    request: { ...route.request, headers: ComputeRequestHeadersSchema } as Request,
    responses: responses as Responses,
  });
}

/** Documented on the 200 answer of every compute route: computed now, or waited for as a job. */
export const computeResponseHeaders = headerRefs(
  'X-Crunch-Route',
  'Server-Timing',
  'Content-Location',
  'Preference-Applied',
  'Idempotent-Replayed',
);
