/** Request-scoped middleware: request id, access log and metrics; the shutdown gate, the declared-length body limit and body crediting. */
import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import type { Context, MiddlewareHandler } from 'hono';
import { routePath } from 'hono/route';
import type { Logger } from 'pino';
import type { Config } from '../config.js';
import type { Metrics } from '../metrics.js';
import type { Lifecycle } from '../services.js';
import type { AppEnv } from './env.js';
import { ProblemError } from './problems.js';
import { isShedProblem, type RefusalBackoff } from './refusal-backoff.js';
import { creditRequestBody } from './upload.js';

/** What a client's X-Request-Id must look like to be kept: also safe, as it is, inside JSON and a header. */
const requestIdPattern = /^[A-Za-z0-9._:-]{1,128}$/;

/** The request's id: the client's `X-Request-Id` when it looks like one, else a fresh UUID. */
export function requestIdFor(given: string | undefined): string {
  return given !== undefined && requestIdPattern.test(given) ? given : randomUUID();
}

/**
 * The request's id (`X-Request-Id`, the client's if well-formed), and when it ends one access
 * log line and its metrics: 5xx at error (with the error) but refusals for want of capacity
 * at warn (expected under overload, and thousands a second then), everything else at info,
 * naming the route pattern, where the work ran, the problem type and the job where they
 * apply. A refusal the connection keeps ignoring waits here (`backoff`), inside the logged time.
 *
 * One middleware rather than two: each level of Hono's middleware chain is an async call and
 * a promise, a visible share of a request that costs tens of microseconds. The id header is
 * added to the finished response, unless the handler wrote it into its own plain headers
 * (`plainResponse`, src/http/plain-response.ts): setting a header before the handler ran
 * would make Hono build a web `Headers` for every response.
 */
export function requestContext(logger: Logger, metrics: Metrics, backoff?: RefusalBackoff): MiddlewareHandler<AppEnv> {
  return async function requestContext(c, next) {
    const startedAt = performance.now();
    metrics.requestStarted();
    const requestId = requestIdFor(c.req.header('x-request-id'));
    c.set('requestId', requestId);
    c.set('tenant', '');
    // The base logger, not a child per request: records name their request id themselves,
    // and a child logger per request costs more than a cheap request's whole computation.
    c.set('log', logger);
    try {
      await next();
      if (c.get('requestIdSent') !== true) c.res.headers.set('X-Request-Id', requestId);
      const wait = backoff?.(c);
      if (wait !== undefined) await wait;
    } finally {
      logRequest(c, logger, metrics, requestId, (performance.now() - startedAt) / 1000);
    }
  };
}

/** `c.get`, never `c.var`: Hono builds an object of every variable for each `c.var` read. */
function logRequest(c: Context<AppEnv>, log: Logger, metrics: Metrics, requestId: string, seconds: number): void {
  const { status } = c.res;
  // The route that answered (middleware alone answering, as for unknown paths, is `/*`):
  // route patterns only, so unknown paths cannot make label values without bound.
  const matched = routePath(c);
  const route = matched === '/*' || matched === '*' || matched === '' ? 'unmatched' : matched;
  const { method } = c.req;
  metrics.observeRequest(method, route, status, seconds);
  const problemType = c.get('problemType');
  if (problemType !== undefined) metrics.observeProblem(problemType);
  const failed = status >= 500 && !isShedProblem(problemType);
  const level = status < 500 ? 'info' : failed ? 'error' : 'warn';
  if (!log.isLevelEnabled(level)) return;
  const record: Record<string, unknown> = { requestId, method, path: c.req.path, route, status, ms: Math.round(seconds * 1e4) / 10 };
  const placement = c.get('placement');
  if (placement !== undefined) record['placement'] = placement;
  if (problemType !== undefined) record['problem'] = problemType;
  const jobId = c.get('jobId');
  if (jobId !== undefined) record['jobId'] = jobId;
  const tenant = c.get('tenant');
  if (tenant !== '' && tenant !== undefined) record['tenant'] = tenant;
  const error = c.get('error');
  if (error !== undefined) {
    if (failed) record['err'] = error;
    else record['reason'] = error instanceof Error ? error.message : String(error);
  }
  log[level](record, 'request');
}

const streamedMediaTypes = /^(application\/octet-stream|text\/plain|application\/x-ndjson)\b/i;

/**
 * What every request passes after authentication, in one middleware (each level of the
 * chain costs a cheap request a visible share): while draining after SIGTERM everything but
 * the health probes is refused so clients go elsewhere; a declared length over the limit is
 * refused before a byte is read (bodies without one, chunked, are counted as they arrive by
 * the body reader, src/http/upload.ts, which every route that takes a body uses); and the
 * body bytes a request was charged for are credited when it ends, whatever happened to it.
 */
export function admitRequest(lifecycle: Lifecycle, limits: Config['limits']): MiddlewareHandler<AppEnv> {
  return async function admitRequest(c, next) {
    if (lifecycle.shuttingDown && !c.req.path.endsWith('z')) {
      throw new ProblemError('shutting-down', 'The server is shutting down; retry on another instance.', {
        headers: { 'Retry-After': '1', Connection: 'close' },
      });
    }
    const declared = c.req.header('content-length');
    if (declared !== undefined) refuseDeclaredBody(declared, c.req.header('content-type') ?? '', limits);
    try {
      await next();
    } finally {
      creditRequestBody(c);
    }
  };
}

function refuseDeclaredBody(declared: string, contentType: string, limits: Config['limits']): void {
  const streamed = streamedMediaTypes.test(contentType);
  const maxSize = streamed ? limits.maxBinaryBodyBytes : limits.maxBodyBytes;
  if (Number(declared) > maxSize) {
    throw new ProblemError(
      'body-too-large',
      `The request body is larger than ${maxSize} bytes. Send less per request` +
        (streamed ? '.' : ', or use the binary or text upload where the endpoint offers one.'),
      { extensions: { maxBytes: maxSize } },
    );
  }
}
