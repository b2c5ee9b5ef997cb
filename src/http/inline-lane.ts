/**
 * The inline lane: `GET /v1/primes/{n}` for a number below 10^19 (and the liveness probe
 * `GET /healthz`), answered from Node's request before @hono/node-server makes a web Request
 * of it. It is the cheapest request there is (a microsecond of work), so the web Request and
 * its Headers, Hono's routing, context, middleware chain and promises, and the Response were
 * most of its cost (issue 14). The lane answers exactly what the routed path answers (body,
 * X-Request-Id, X-Crunch-Route, Server-Timing, the request and dispatch metrics, the access
 * log line) and runs the same operation through the same dispatcher.
 *
 * Anything it is not sure of goes to Hono, unchanged: another method or path, a query, a
 * number it does not take as is (too long, leading zeros, percent-encoding), `Prefer` or
 * `X-Crunch-Route`, a server draining after SIGTERM; with API keys, any request whose key
 * does not name a tenant (Hono answers the 401); with a rate limit, any request the tenant's
 * bucket would refuse (Hono answers the 429). `inlineLane` gives no lane with CORS
 * configured (its middleware must see every request), with buckets in Redis (a token is a
 * round trip), or when the inline budget does not cover a 64-bit check.
 */
import type { Logger } from 'pino';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { performance } from 'node:perf_hooks';
import type { Config } from '../config.js';
import { estimateCheckMicros } from '../compute/primes/is-prime.js';
import { healthyBody } from '../features/system/health-routes.js';
import type { Dispatcher } from '../dispatch/dispatcher.js';
import type { Metrics } from '../metrics.js';
import { primesIsPrime } from '../operations/primes-check.js';
import type { PlanContext } from '../operations/types.js';
import type { RateDecision, RateLimiter } from '../tenants/rate-limit.js';
import type { Lifecycle } from '../services.js';
import { infoLineWriter } from './access-line.js';
import { bearerToken, tenantOfKey } from './auth.js';
import { rateLimitPolicy, rateLimitState } from './rate-limit.js';
import { requestIdFor } from './middleware.js';
import { serverTiming } from './timing.js';

/** Answers the request and returns true, or returns false, having touched nothing, for Hono to answer it. */
export type InlineLane = (incoming: IncomingMessage, outgoing: ServerResponse) => boolean;

export interface InlineLaneServices {
  readonly config: Config;
  readonly logger: Logger;
  readonly metrics: Metrics;
  readonly dispatcher: Dispatcher;
  readonly planContext: PlanContext;
  readonly lifecycle: Lifecycle;
  readonly rateLimiter: RateLimiter | undefined;
}

const prefix = '/v1/primes/';
/** Canonical decimals below 10^19: always below 2^64, so a 64-bit check. */
const u64Decimal = /^(0|[1-9][0-9]{0,18})$/;
const route = '/v1/primes/:n';
const healthPath = '/healthz';
const jsonType = 'application/json';

/** Whether the lane may answer at all with this configuration. */
function inlineLaneOpen(services: InlineLaneServices): boolean {
  const { config } = services;
  return (
    (services.rateLimiter === undefined || services.rateLimiter.takeIfAllowed !== undefined) &&
    config.corsOrigins !== '*' &&
    config.corsOrigins.length === 0 &&
    config.dispatch.inlineBudgetMicros >= estimateCheckMicros(64) &&
    config.limits.maxIntegerBits >= 64
  );
}

/** The request headers the lane reads, scanned from Node's raw list into one reused record (the lane runs to the end synchronously). */
const scanned = { host: false, requestId: undefined as string | undefined, authorization: undefined as string | undefined, other: false };

/**
 * Building `incoming.headers`, or a web Headers, costs more than the whole check. A header
 * given twice is no value (Hono reads the two joined by a comma, which is no id and no bearer
 * key); `other` is set when a header that changes the answer is present.
 */
function scanHeaders(raw: readonly string[]): typeof scanned {
  let requestIds = 0;
  let authorizations = 0;
  scanned.host = false;
  scanned.requestId = undefined;
  scanned.authorization = undefined;
  scanned.other = false;
  for (let index = 0; index < raw.length; index += 2) {
    const name = raw[index]!;
    switch (name.length) {
      case 4:
        if (name.toLowerCase() === 'host') scanned.host = true;
        break;
      case 6:
        if (name.toLowerCase() === 'prefer') scanned.other = true;
        break;
      case 12:
        if (name.toLowerCase() === 'x-request-id') {
          requestIds += 1;
          scanned.requestId = raw[index + 1];
        }
        break;
      case 13:
        if (name.toLowerCase() === 'authorization') {
          authorizations += 1;
          scanned.authorization = raw[index + 1];
        }
        break;
      case 14:
        if (name.toLowerCase() === 'x-crunch-route') scanned.other = true;
        break;
    }
  }
  if (requestIds > 1) scanned.requestId = undefined;
  if (authorizations > 1) scanned.authorization = undefined;
  return scanned;
}

/** The lane for these services, or undefined when their configuration needs every request routed. */
export function inlineLane(services: InlineLaneServices): InlineLane | undefined {
  if (!inlineLaneOpen(services)) return undefined;
  const { logger, metrics, dispatcher, planContext, lifecycle } = services;
  const { keys } = services.config.tenants;
  const limiter = services.rateLimiter;
  const policy = limiter === undefined ? '' : rateLimitPolicy(limiter);
  const writeLine = infoLineWriter(logger, 'request');
  /** The caller's tenant as src/http/auth.ts finds it: '' without keys, undefined for Hono to refuse. */
  const tenantOf = (authorization: string | undefined): string | undefined => {
    if (keys.length === 0) return '';
    const token = authorization === undefined ? undefined : bearerToken(authorization);
    return token === undefined ? undefined : tenantOfKey(keys, token);
  };

  const answer = (incoming: IncomingMessage, outgoing: ServerResponse): boolean => {
    if (incoming.method !== 'GET') return false;
    const path = incoming.url ?? '';
    const health = path === healthPath;
    if (!health && (lifecycle.shuttingDown || !path.startsWith(prefix))) return false;
    const digits = health ? '' : path.slice(prefix.length);
    if (!health && !u64Decimal.test(digits)) return false;
    const headers = scanHeaders(incoming.rawHeaders);
    if (!headers.host || (headers.other && !health)) return false;
    const startedAt = performance.now();
    const requestId = requestIdFor(headers.requestId);
    if (health) {
      outgoing.writeHead(200, ['Content-Type', jsonType, 'Content-Length', String(healthyBody.length), 'X-Request-Id', requestId]);
      outgoing.end(healthyBody);
      finished(startedAt, requestId, healthPath, healthPath, undefined, '');
      return true;
    }
    const tenant = tenantOf(headers.authorization);
    if (tenant === undefined) return false;
    const input = { n: BigInt(digits) };
    const work = primesIsPrime.plan(input, planContext);
    let decision: RateDecision | undefined;
    if (limiter !== undefined) {
      // Known to run inline before a token is taken: declining after would charge Hono's take too.
      if (dispatcher.placementFor(work, undefined) !== 'inline') return false;
      decision = limiter.takeIfAllowed!(tenant);
      if (decision === undefined) return false;
    }
    const outcome = dispatcher.runIfInline(work, undefined);
    if (outcome === undefined) return false;
    // ASCII only (digits, booleans, a test name): its length is its byte length.
    const body = JSON.stringify(primesIsPrime.render(outcome.value, input));
    const headerList = [
      'Content-Type', jsonType,
      'Content-Length', String(body.length),
      'X-Crunch-Route', outcome.placement,
      'Server-Timing', serverTiming(outcome),
      'X-Request-Id', requestId,
    ];
    if (decision !== undefined) headerList.push('RateLimit-Policy', policy, 'RateLimit', rateLimitState(decision));
    outgoing.writeHead(200, headerList);
    outgoing.end(body);
    finished(startedAt, requestId, path, route, outcome.placement, tenant);
    return true;
  };

  /** The request metrics and the access line, as the routed path's middleware writes them (src/http/middleware.ts). */
  const finished = (startedAt: number, requestId: string, path: string, routePattern: string, placement: string | undefined, tenant: string): void => {
    const seconds = (performance.now() - startedAt) / 1000;
    metrics.requestStarted();
    metrics.observeRequest('GET', routePattern, 200, seconds);
    if (!logger.isLevelEnabled('info')) return;
    const ms = Math.round(seconds * 1e4) / 10;
    if (writeLine !== undefined) {
      // The id is one requestIdFor keeps or a UUID, the path is /healthz or the prefix and digits, a
      // tenant matches tenantPattern: JSON as they are, in the order of the routed line.
      const tail = (placement === undefined ? '' : `,"placement":"${placement}"`) + (tenant === '' ? '' : `,"tenant":"${tenant}"`);
      writeLine(`,"requestId":"${requestId}","method":"GET","path":"${path}","route":"${routePattern}","status":200,"ms":${ms}${tail}`);
    } else {
      const optional = { ...(placement === undefined ? {} : { placement }), ...(tenant === '' ? {} : { tenant }) };
      logger.info({ requestId, method: 'GET', path, route: routePattern, status: 200, ms, ...optional }, 'request');
    }
  };

  return (incoming, outgoing) => {
    try {
      return answer(incoming, outgoing);
    } catch (error) {
      // Nothing the client sends should get here; if something does, Hono answers it, with its error handling.
      logger.error({ err: error, path: incoming.url }, 'the inline lane failed: routing the request');
      if (outgoing.headersSent) {
        outgoing.destroy();
        return true;
      }
      return false;
    }
  };
}
