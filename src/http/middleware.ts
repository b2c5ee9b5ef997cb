/** Request-scoped middleware: request id, structured access log, request metrics. */
import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import type { MiddlewareHandler } from 'hono';
import { routePath } from 'hono/route';
import type { Logger } from 'pino';
import type { AppEnv } from './env.js';

const requestIdPattern = /^[A-Za-z0-9._:-]{1,128}$/;

export function requestContext(logger: Logger): MiddlewareHandler<AppEnv> {
  return async function requestContext(c, next) {
    const given = c.req.header('x-request-id');
    const requestId = given !== undefined && requestIdPattern.test(given) ? given : randomUUID();
    c.set('requestId', requestId);
    // The base logger, not a child per request: records name their request id themselves,
    // and a child logger per request costs more than a cheap request's whole computation.
    c.set('log', logger);
    c.header('X-Request-Id', requestId);
    await next();
  };
}

export function accessLog(observe: (method: string, route: string, status: number, seconds: number) => void): MiddlewareHandler<AppEnv> {
  return async function accessLog(c, next) {
    const startedAt = performance.now();
    await next();
    const seconds = (performance.now() - startedAt) / 1000;
    const route = c.res.status === 404 ? 'unmatched' : routePath(c, -1) || 'unmatched';
    observe(c.req.method, route, c.res.status, seconds);
    if (c.var.log.isLevelEnabled('info')) {
      c.var.log.info(
        {
          requestId: c.var.requestId,
          method: c.req.method,
          path: c.req.path,
          route,
          status: c.res.status,
          ms: Math.round(seconds * 1e4) / 10,
        },
        'request',
      );
    }
  };
}
