/**
 * The inline lane: `GET /v1/primes/{n}` for a number below 10^19 (and the liveness probe
 * `GET /healthz`), answered before Hono routes the request. It is the cheapest request there is (a microsecond of work), so Hono's
 * routing, context, middleware chain and promises were most of its cost (issue 14). The lane
 * answers exactly what the routed path answers (body, X-Request-Id, X-Crunch-Route,
 * Server-Timing, the request and dispatch metrics, the access log line) and runs the same
 * operation through the same dispatcher.
 *
 * Anything it is not sure of goes to Hono, unchanged: another method or path, a query, a
 * number it does not take as is (too long, leading zeros, percent-encoding), `Prefer` or
 * `X-Crunch-Route`, a server draining after SIGTERM, and always when API keys, a rate limit
 * or CORS are configured (their middleware must see every request). src/app.ts installs it
 * only when none of those is configured and the inline budget covers a 64-bit check.
 */
import type { Logger } from 'pino';
import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import type { Config } from '../config.js';
import { estimateCheckMicros } from '../compute/primes/is-prime.js';
import type { Dispatcher } from '../dispatch/dispatcher.js';
import type { Metrics } from '../metrics.js';
import { primesIsPrime } from '../operations/primes-check.js';
import type { PlanContext } from '../operations/types.js';
import type { Lifecycle } from '../services.js';
import { infoLineWriter } from './access-line.js';
import { requestIdPattern } from './middleware.js';
import { timingHeaders } from './timing.js';

type Fetch = (request: Request, ...rest: never[]) => Response | Promise<Response>;

export interface InlineLaneServices {
  readonly config: Config;
  readonly logger: Logger;
  readonly metrics: Metrics;
  readonly dispatcher: Dispatcher;
  readonly planContext: PlanContext;
  readonly lifecycle: Lifecycle;
  readonly rateLimiter: unknown;
}

const prefix = '/v1/primes/';
/** Canonical decimals below 10^19: always below 2^64, so a 64-bit check. */
const u64Decimal = /^(0|[1-9][0-9]{0,18})$/;
const route = '/v1/primes/:n';
const healthPath = '/healthz';
const healthyBody = JSON.stringify({ status: 'ok' });

/** Whether the lane may answer at all with this configuration. */
export function inlineLaneOpen(services: InlineLaneServices): boolean {
  const { config } = services;
  return (
    config.tenants.keys.length === 0 &&
    services.rateLimiter === undefined &&
    config.corsOrigins !== '*' &&
    config.corsOrigins.length === 0 &&
    config.dispatch.inlineBudgetMicros >= estimateCheckMicros(64) &&
    config.limits.maxIntegerBits >= 64
  );
}

export function inlineLane<F extends Fetch>(services: InlineLaneServices, routed: F): F {
  const { logger, metrics, dispatcher, planContext, lifecycle } = services;
  const writeLine = infoLineWriter(logger, 'request');
  const lane = function inlineLane(request: Request, ...rest: never[]): Response | Promise<Response> {
    if (request.method !== 'GET') return routed(request, ...rest);
    const { url } = request;
    const pathStart = url.indexOf('/', url.indexOf('//') + 2);
    if (pathStart < 0) return routed(request, ...rest);
    if (url.length - pathStart === healthPath.length && url.endsWith(healthPath)) return healthy(request);
    if (lifecycle.shuttingDown || !url.startsWith(prefix, pathStart)) return routed(request, ...rest);
    const digits = url.slice(pathStart + prefix.length);
    const { headers } = request;
    if (!u64Decimal.test(digits) || headers.get('prefer') !== null || headers.get('x-crunch-route') !== null) return routed(request, ...rest);
    const startedAt = performance.now();
    const given = headers.get('x-request-id');
    const requestId = given !== null && requestIdPattern.test(given) ? given : randomUUID();
    const input = { n: BigInt(digits) };
    const outcome = dispatcher.runIfInline(primesIsPrime.plan(input, planContext), undefined);
    if (outcome === undefined) return routed(request, ...rest);
    const body = JSON.stringify(primesIsPrime.render(outcome.value, input));
    const responseHeaders = timingHeaders(outcome, { 'Content-Type': 'application/json' });
    responseHeaders['X-Request-Id'] = requestId;
    const response = new Response(body, { status: 200, headers: responseHeaders });
    const seconds = (performance.now() - startedAt) / 1000;
    metrics.requestStarted();
    metrics.observeRequest('GET', route, 200, seconds);
    if (logger.isLevelEnabled('info')) {
      const ms = Math.round(seconds * 1e4) / 10;
      // The id matches requestIdPattern and the path is the prefix and digits: JSON as they are.
      if (writeLine !== undefined) {
        writeLine(`,"requestId":"${requestId}","method":"GET","path":"${prefix}${digits}","route":"${route}","status":200,"ms":${ms},"placement":"${outcome.placement}"`);
      } else {
        logger.info({ requestId, method: 'GET', path: url.slice(pathStart), route, status: 200, ms, placement: outcome.placement }, 'request');
      }
    }
    return response;
  };

  /** Always 200 while the process serves HTTP, draining or not (src/features/system/health-routes.ts). */
  const healthy = (request: Request): Response => {
    const startedAt = performance.now();
    const given = request.headers.get('x-request-id');
    const requestId = given !== null && requestIdPattern.test(given) ? given : randomUUID();
    const response = new Response(healthyBody, { status: 200, headers: { 'Content-Type': 'application/json', 'X-Request-Id': requestId } });
    const seconds = (performance.now() - startedAt) / 1000;
    metrics.requestStarted();
    metrics.observeRequest('GET', healthPath, 200, seconds);
    if (logger.isLevelEnabled('info')) {
      const ms = Math.round(seconds * 1e4) / 10;
      if (writeLine !== undefined) writeLine(`,"requestId":"${requestId}","method":"GET","path":"${healthPath}","route":"${healthPath}","status":200,"ms":${ms}`);
      else logger.info({ requestId, method: 'GET', path: healthPath, route: healthPath, status: 200, ms }, 'request');
    }
    return response;
  };
  return lane as F;
}
