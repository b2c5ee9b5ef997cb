/**
 * The one way a compute route answers: it names an operation and its validated input, and
 * this runs it synchronously or, when the client sends `Prefer: respond-async` or
 * `Prefer: wait=N`, submits it as a job. Both run the same registry entry on the same
 * input (src/operations/), so a job computes exactly what the synchronous call would.
 * Only the HTTP parts live here: headers, the idempotency fingerprint, the 202 answer.
 */
import { createHash } from 'node:crypto';
import type { Context } from 'hono';
import { jobPath, jobView } from '../features/jobs/job-schemas.js';
import type { JobRecord } from '../jobs/types.js';
import type { Outcome, Work } from '../dispatch/dispatcher.js';
import type { Operation } from '../operations/types.js';
import type { Services } from '../services.js';
import { dispatchOptions, requestedPlacement } from './dispatch-options.js';
import type { AppEnv } from './env.js';
import { holdForResponse, jsonArrayResponse } from './json-stream.js';
import { type Preference, parsePrefer } from './prefer.js';
import { ProblemError, problemMediaType, problemTypeBase, problemTypes } from './problems.js';
import { outcomeHeaders } from './timing.js';
import { type PlainHeaders, plainResponse } from './plain-response.js';
import { releaseUpload } from './upload.js';

export interface ComputeCall<I, V> {
  readonly operation: Operation<I, V>;
  readonly input: I;
  /** Response headers that depend on the value, e.g. `Link` to the next page. */
  readonly headers?: (value: V) => Readonly<Record<string, string>>;
  /**
   * The uploaded body the input holds (binary, text): its memory is offered for reuse once
   * a synchronous answer is built (a job keeps it).
   */
  readonly upload?: Uint8Array;
  /** A synchronous answer in another media type than the JSON of `render` (a job's result is always that JSON). */
  readonly answer?: { readonly mediaType: string; readonly encode: (value: V) => Uint8Array };
}

export async function respondCompute<I, V>(c: Context<AppEnv>, services: Services, call: ComputeCall<I, V>): Promise<Response> {
  const preference = parsePrefer(c.req.header('prefer'));
  if (!preference.respondAsync && preference.waitSeconds === undefined) {
    try {
      const outcome = await dispatchWork(c, services, call.operation.plan(call.input, services.planContext));
      const headers = outcomeHeaders(c, outcome, call.headers === undefined ? {} : { ...call.headers(outcome.value) });
      if (call.answer !== undefined) return respondBytes(c, services, outcome, call.answer.encode(outcome.value), call.answer.mediaType, headers);
      const { encode } = call.operation;
      if (encode !== undefined) return jsonArrayResponse(c, encode(outcome.value, call.input), services.budgets.responses, headers);
      headers['Content-Type'] = 'application/json';
      return plainResponse(c, 200, JSON.stringify(call.operation.render(outcome.value, call.input)), headers);
    } finally {
      if (call.upload !== undefined) releaseUpload(c, call.upload);
    }
  }
  return submitJob(c, services, call, preference);
}

/** Runs work for this request: at once when it belongs on the loop, else with the request's dispatch options. */
export async function dispatchWork<T>(c: Context<AppEnv>, services: Services, work: Work<T>): Promise<Outcome<T>> {
  const { dispatcher } = services;
  return dispatcher.runIfInline(work, requestedPlacement(c, services)) ?? dispatcher.run(work, dispatchOptions(c, services));
}

/**
 * A synchronous answer already encoded (on the thread that computed it): the bytes, charged
 * to the responses budget while they are written, with the outcome headers.
 */
export function respondBytes(
  c: Context<AppEnv>,
  services: Services,
  outcome: Omit<Outcome<unknown>, 'value'>,
  bytes: Uint8Array,
  mediaType: string,
  headers: PlainHeaders = {},
): Response {
  holdForResponse(c, services.budgets.responses, bytes.length);
  headers['Content-Type'] = mediaType;
  return plainResponse(c, 200, bytes, outcomeHeaders(c, outcome, headers));
}

async function submitJob<I, V>(c: Context<AppEnv>, services: Services, call: ComputeCall<I, V>, preference: Preference): Promise<Response> {
  const { jobs } = services;
  const key = c.req.header('idempotency-key');
  if (key !== undefined && !/^[\x21-\x7e]{1,200}$/.test(key)) {
    throw new ProblemError('bad-request', 'Idempotency-Key must be 1 to 200 visible ASCII characters (no spaces).');
  }
  const placement = requestedPlacement(c, services);
  // Refused now, with a 422, rather than accepted and failed later.
  if (placement !== 'inline') {
    services.dispatcher.refuseBeyondDeadline(call.operation.plan(call.input, services.planContext), services.config.jobs.timeoutMs);
  }
  // A job outlives its request: the client's disconnect must not cancel it, only DELETE does.
  const { job, created } = await jobs.submit({
    operation: call.operation.name,
    input: call.input,
    tenant: c.var.tenant,
    ...(placement === undefined ? {} : { placement }),
    ...(key === undefined ? {} : { idempotency: { key, fingerprint: fingerprint(c) } }),
  });
  if (!created) c.header('Idempotent-Replayed', 'true');

  const waitMs = (preference.waitSeconds ?? 0) * 1_000;
  const current = waitMs > 0 ? await jobs.waitFor(job.id, c.var.tenant, waitMs, c.req.raw.signal) : job;
  c.set('jobId', current.id);
  c.header('Content-Location', jobPath(current.id));
  if (waitMs > 0 && !preference.respondAsync) c.header('Preference-Applied', `wait=${preference.waitSeconds}`);
  if (current.status === 'succeeded' && waitMs > 0 && current.resultJson !== undefined) {
    c.header('Content-Type', 'application/json');
    return c.body(current.resultJson as Uint8Array<ArrayBuffer>, 200);
  }
  if (current.status === 'failed' && waitMs > 0) {
    c.set('problemType', current.problem?.type.slice(problemTypeBase.length) ?? 'internal');
    return finishedProblem(current);
  }
  c.header('Location', jobPath(current.id));
  c.header('Preference-Applied', preference.respondAsync ? 'respond-async' : `wait=${preference.waitSeconds}`);
  c.header('Retry-After', '1');
  return c.json(jobView(current), 202);
}

function finishedProblem(job: JobRecord): Response {
  const problem = job.problem ?? { ...problemTypes.internal, type: 'about:blank', detail: 'The job failed.' };
  return new Response(JSON.stringify(problem), {
    status: problem.status,
    headers: { 'Content-Type': problemMediaType, 'Content-Location': jobPath(job.id) },
  });
}

/** Identifies the request an Idempotency-Key was used with: method, target, media type and body. */
function fingerprint(c: Context<AppEnv>): string {
  const hash = createHash('sha256');
  const url = new URL(c.req.url);
  hash.update(`${c.req.method} ${url.pathname}${url.search}\n${c.req.header('content-type') ?? ''}\n`);
  const body = c.get('body');
  if (body !== undefined) hash.update(body);
  return hash.digest('base64url');
}
