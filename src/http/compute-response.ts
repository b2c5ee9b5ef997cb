/**
 * The one way a compute route answers: it describes its work (a dispatcher `Work`) and how
 * to render the value as JSON, and this function runs it synchronously or, when the client
 * sends `Prefer: respond-async` or `Prefer: wait=N`, as a job. Both paths run the same
 * `Work`, so a job computes exactly what the synchronous call would have.
 */
import { createHash } from 'node:crypto';
import { type RouteConfig, createRoute } from '@hono/zod-openapi';
import type { Context } from 'hono';
import type { Work } from '../dispatch/dispatcher.js';
import { ComputeRequestHeadersSchema, acceptedResponse, jobPath, jobView } from '../features/jobs/job-schemas.js';
import type { JobRecord } from '../jobs/types.js';
import type { Services } from '../services.js';
import { dispatchOptions } from './dispatch-options.js';
import { ProblemError, problemTypes } from './problems.js';
import { setOutcomeHeaders } from './timing.js';
import { releaseUpload } from './upload.js';

export interface ComputeRequest<T> {
  readonly work: Work<T>;
  /** The JSON body of the result: the sync response and a job's `result` alike. */
  readonly render: (value: T) => unknown;
  /**
   * A sync response built differently from `render`, e.g. streamed for very large results.
   * Must send the same JSON as `render` would.
   */
  readonly respond?: (c: Context, value: T) => Response;
  /**
   * The uploaded body the work reads, when the route read it itself (binary, text): it
   * identifies the request for Idempotency-Key, and its memory is offered for reuse once
   * a synchronous answer is built (a job keeps it).
   */
  readonly upload?: Uint8Array;
}

/** `createRoute` for compute routes: adds the `Prefer`/`Idempotency-Key` headers and the 202 answer. */
export function computeRoute<P extends string, R extends Omit<RouteConfig, 'path'> & { path: P }>(route: R) {
  type Request = NonNullable<R['request']> & { headers: typeof ComputeRequestHeadersSchema };
  type Responses = R['responses'] & typeof acceptedResponse;
  return createRoute({
    ...route,
    request: { ...route.request, headers: ComputeRequestHeadersSchema } as Request,
    responses: { ...route.responses, ...acceptedResponse } as Responses,
  });
}

export async function respondCompute<T>(c: Context, services: Services, request: ComputeRequest<T>): Promise<Response> {
  const preference = parsePrefer(c.req.header('prefer'));
  if (!preference.respondAsync && preference.waitSeconds === undefined) {
    try {
      const outcome = await services.dispatcher.run(request.work, dispatchOptions(c, services));
      setOutcomeHeaders(c, outcome);
      if (request.respond !== undefined) return request.respond(c, outcome.value);
      return c.json(request.render(outcome.value) as object, 200);
    } finally {
      if (request.upload !== undefined) releaseUpload(request.upload);
    }
  }
  return submitJob(c, services, request, preference);
}

interface Preference {
  readonly respondAsync: boolean;
  readonly waitSeconds: number | undefined;
}

export const maxWaitSeconds = 60;

/** RFC 7240 `Prefer`: comma-separated tokens, each `name` or `name=value`; unknown ones are ignored. */
export function parsePrefer(header: string | undefined): Preference {
  let respondAsync = false;
  let waitSeconds: number | undefined;
  for (const token of (header ?? '').split(',')) {
    const [rawName = '', rawValue] = token.split('=', 2);
    const name = rawName.trim().toLowerCase();
    if (name === 'respond-async') respondAsync = true;
    if (name === 'wait' && rawValue !== undefined) {
      const seconds = Number(rawValue.trim().replace(/^"|"$/g, ''));
      if (!Number.isFinite(seconds) || seconds < 0) {
        throw new ProblemError('bad-request', `Prefer: wait must be a number of seconds, e.g. "wait=5"; got ${JSON.stringify(rawValue.trim())}.`);
      }
      waitSeconds = Math.min(seconds, maxWaitSeconds);
    }
  }
  return { respondAsync, waitSeconds };
}

async function submitJob<T>(c: Context, services: Services, request: ComputeRequest<T>, preference: Preference): Promise<Response> {
  const { dispatcher, jobs, config } = services;
  const key = c.req.header('idempotency-key');
  if (key !== undefined && !/^[\x21-\x7e]{1,200}$/.test(key)) {
    throw new ProblemError('bad-request', 'Idempotency-Key must be 1 to 200 visible ASCII characters (no spaces).');
  }
  // A job outlives its request: the client's disconnect must not cancel it, only DELETE does.
  const { route } = dispatchOptions(c, services);
  const { job, created } = await jobs.submit({
    operation: request.work.operation,
    run: async (signal, progress) => {
      const outcome = await dispatcher.run(request.work, {
        signal,
        progress,
        deadlineMs: config.jobs.timeoutMs,
        ...(route === undefined ? {} : { route }),
      });
      return request.render(outcome.value);
    },
    ...(key === undefined ? {} : { idempotency: { key, fingerprint: await fingerprint(c, request.upload) } }),
  });
  if (!created) c.header('Idempotent-Replayed', 'true');

  const waitMs = (preference.waitSeconds ?? 0) * 1_000;
  const current = waitMs > 0 ? await jobs.waitFor(job.id, waitMs, c.req.raw.signal) : job;
  c.header('Content-Location', jobPath(current.id));
  if (waitMs > 0 && !preference.respondAsync) c.header('Preference-Applied', `wait=${preference.waitSeconds}`);
  if (current.status === 'succeeded' && waitMs > 0) return c.json(current.result as object, 200);
  if (current.status === 'failed' && waitMs > 0) return finishedProblem(c, current);
  c.header('Location', jobPath(current.id));
  c.header('Preference-Applied', preference.respondAsync ? 'respond-async' : `wait=${preference.waitSeconds}`);
  c.header('Retry-After', '1');
  return c.json(jobView(current), 202);
}

function finishedProblem(c: Context, job: JobRecord): Response {
  const problem = job.problem ?? { ...problemTypes.internal, type: 'about:blank', detail: 'The job failed.' };
  return new Response(JSON.stringify(problem), {
    status: problem.status,
    headers: { 'Content-Type': 'application/problem+json', 'Content-Location': jobPath(job.id) },
  });
}

/** Identifies the request an Idempotency-Key was used with: method, target, media type and body. */
async function fingerprint(c: Context, upload: Uint8Array | undefined): Promise<string> {
  const hash = createHash('sha256');
  const url = new URL(c.req.url);
  hash.update(`${c.req.method} ${url.pathname}${url.search}\n${c.req.header('content-type') ?? ''}\n`);
  if (upload !== undefined) hash.update(upload);
  else if (c.req.method !== 'GET' && c.req.method !== 'HEAD') hash.update(new Uint8Array(await c.req.arrayBuffer()));
  return hash.digest('base64url');
}
