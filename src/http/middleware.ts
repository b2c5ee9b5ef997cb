/** Request-scoped middleware: request id, access log and metrics, the shutdown gate, the declared-length body limit. */
import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import type { MiddlewareHandler } from 'hono';
import { routePath } from 'hono/route';
import type { Logger } from 'pino';
import type { Config } from '../config.js';
import type { Metrics } from '../metrics.js';
import type { Lifecycle } from '../services.js';
import type { AppEnv } from './env.js';
import { ProblemError } from './problems.js';
import { isShedProblem } from './refusal-backoff.js';

const requestIdPattern = /^[A-Za-z0-9._:-]{1,128}$/;

export function requestContext(logger: Logger): MiddlewareHandler<AppEnv> {
  return async function requestContext(c, next) {
    const given = c.req.header('x-request-id');
    const requestId = given !== undefined && requestIdPattern.test(given) ? given : randomUUID();
    c.set('requestId', requestId);
    c.set('tenant', '');
    // The base logger, not a child per request: records name their request id themselves,
    // and a child logger per request costs more than a cheap request's whole computation.
    c.set('log', logger);
    c.header('X-Request-Id', requestId);
    await next();
  };
}

/**
 * One line per request: 5xx at error (with the error) but refusals for want of capacity at
 * warn (expected under overload, and thousands a second then), everything else at info, naming the
 * route pattern, where the work ran, the problem type and the job where they apply.
 */
export function accessLog(metrics: Metrics): MiddlewareHandler<AppEnv> {
  return async function accessLog(c, next) {
    const startedAt = performance.now();
    metrics.requestStarted();
    try {
      await next();
    } finally {
      const seconds = (performance.now() - startedAt) / 1000;
      const { status } = c.res;
      // The route that answered (middleware alone answering, as for unknown paths, is `/*`):
      // route patterns only, so unknown paths cannot make label values without bound.
      const matched = routePath(c);
      const route = matched === '/*' || matched === '*' || matched === '' ? 'unmatched' : matched;
      metrics.observeRequest(c.req.method, route, status, seconds);
      const { problemType, log } = c.var;
      if (problemType !== undefined) metrics.observeProblem(problemType);
      const level = status < 500 ? 'info' : isShedProblem(problemType) ? 'warn' : 'error';
      if (log.isLevelEnabled(level)) {
        const { placement, jobId, error, tenant } = c.var;
        const record = {
          requestId: c.var.requestId,
          method: c.req.method,
          path: c.req.path,
          route,
          status,
          ms: Math.round(seconds * 1e4) / 10,
          ...(placement === undefined ? {} : { placement }),
          ...(problemType === undefined ? {} : { problem: problemType }),
          ...(jobId === undefined ? {} : { jobId }),
          ...(tenant === '' || tenant === undefined ? {} : { tenant }),
          ...(error === undefined ? {} : level === 'error' ? { err: error } : { reason: error instanceof Error ? error.message : String(error) }),
        };
        log[level](record, 'request');
      }
    }
  };
}

/** While draining after SIGTERM, everything but the health probes is refused so clients go elsewhere. */
export function refuseWhileShuttingDown(lifecycle: Lifecycle): MiddlewareHandler<AppEnv> {
  return async function refuseWhileShuttingDown(c, next) {
    if (lifecycle.shuttingDown && !c.req.path.endsWith('z')) {
      c.header('Connection', 'close');
      throw new ProblemError('shutting-down', 'The server is shutting down; retry on another instance.', {
        headers: { 'Retry-After': '1', Connection: 'close' },
      });
    }
    await next();
  };
}

const streamedMediaTypes = /^(application\/octet-stream|text\/plain|application\/x-ndjson)\b/i;

/**
 * A declared length over the limit is refused before a byte is read. Bodies without one
 * (chunked) are counted as they arrive by the body reader (src/http/upload.ts), which every
 * route that takes a body uses.
 */
export function limitDeclaredBody(limits: Config['limits']): MiddlewareHandler<AppEnv> {
  return async function limitDeclaredBody(c, next) {
    const declared = c.req.header('content-length');
    if (declared !== undefined) {
      const streamed = streamedMediaTypes.test(c.req.header('content-type') ?? '');
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
    await next();
  };
}
