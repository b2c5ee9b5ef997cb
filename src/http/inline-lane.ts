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
 * `X-Crunch-Route`, a server draining after SIGTERM, and always when API keys, a rate limit
 * or CORS are configured (their middleware must see every request): `inlineLane` gives no
 * lane then, nor when the inline budget does not cover a 64-bit check.
 */
import type { Logger } from 'pino';
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
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
  readonly rateLimiter: unknown;
}

const prefix = '/v1/primes/';
/** Canonical decimals below 10^19: always below 2^64, so a 64-bit check. */
const u64Decimal = /^(0|[1-9][0-9]{0,18})$/;
const route = '/v1/primes/:n';
const healthPath = '/healthz';
const healthyBody = JSON.stringify({ status: 'ok' });
const jsonType = 'application/json';

/** Whether the lane may answer at all with this configuration. */
function inlineLaneOpen(services: InlineLaneServices): boolean {
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

/**
 * The request headers the lane reads, from Node's raw list (building `incoming.headers`, or a
 * web Headers, costs more than the whole check). `requestId` is undefined when absent or given
 * twice (Hono would read the two joined by a comma, which is no id); `other` is set when a
 * header that changes the answer is present.
 */
function scanHeaders(raw: readonly string[]): { host: boolean; requestId: string | undefined; other: boolean } {
  let host = false;
  let requestId: string | undefined;
  let requestIds = 0;
  let other = false;
  for (let index = 0; index < raw.length; index += 2) {
    const name = raw[index]!;
    switch (name.length) {
      case 4:
        if (name.toLowerCase() === 'host') host = true;
        break;
      case 6:
        if (name.toLowerCase() === 'prefer') other = true;
        break;
      case 12:
        if (name.toLowerCase() === 'x-request-id') {
          requestIds += 1;
          requestId = raw[index + 1];
        }
        break;
      case 14:
        if (name.toLowerCase() === 'x-crunch-route') other = true;
        break;
    }
  }
  return { host, requestId: requestIds === 1 ? requestId : undefined, other };
}

/** The lane for these services, or undefined when their configuration needs every request routed. */
export function inlineLane(services: InlineLaneServices): InlineLane | undefined {
  if (!inlineLaneOpen(services)) return undefined;
  const { logger, metrics, dispatcher, planContext, lifecycle } = services;
  const writeLine = infoLineWriter(logger, 'request');

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
    const given = headers.requestId;
    const requestId = given !== undefined && requestIdPattern.test(given) ? given : randomUUID();
    if (health) {
      outgoing.writeHead(200, ['Content-Type', jsonType, 'Content-Length', String(healthyBody.length), 'X-Request-Id', requestId]);
      outgoing.end(healthyBody);
      finished(startedAt, requestId, healthPath, healthPath, undefined);
      return true;
    }
    const input = { n: BigInt(digits) };
    const outcome = dispatcher.runIfInline(primesIsPrime.plan(input, planContext), undefined);
    if (outcome === undefined) return false;
    // ASCII only (digits, booleans, a test name): its length is its byte length.
    const body = JSON.stringify(primesIsPrime.render(outcome.value, input));
    outgoing.writeHead(200, [
      'Content-Type', jsonType,
      'Content-Length', String(body.length),
      'X-Crunch-Route', outcome.placement,
      'Server-Timing', serverTiming(outcome),
      'X-Request-Id', requestId,
    ]);
    outgoing.end(body);
    finished(startedAt, requestId, path, route, outcome.placement);
    return true;
  };

  /** The request metrics and the access line, as the routed path's middleware writes them (src/http/middleware.ts). */
  const finished = (startedAt: number, requestId: string, path: string, routePattern: string, placement: string | undefined): void => {
    const seconds = (performance.now() - startedAt) / 1000;
    metrics.requestStarted();
    metrics.observeRequest('GET', routePattern, 200, seconds);
    if (!logger.isLevelEnabled('info')) return;
    const ms = Math.round(seconds * 1e4) / 10;
    if (writeLine !== undefined) {
      // The id matches requestIdPattern and the path is /healthz or the prefix and digits: JSON as they are.
      const tail = placement === undefined ? '' : `,"placement":"${placement}"`;
      writeLine(`,"requestId":"${requestId}","method":"GET","path":"${path}","route":"${routePattern}","status":200,"ms":${ms}${tail}`);
    } else {
      logger.info({ requestId, method: 'GET', path, route: routePattern, status: 200, ms, ...(placement === undefined ? {} : { placement }) }, 'request');
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
