/**
 * The per-tenant rate limit at the edge (src/tenants/rate-limit.ts holds the buckets): every
 * /v1 request takes a token; without one it gets 429 `rate-limited` with Retry-After. Every
 * /v1 response says where the tenant stands (RateLimit-Policy, RateLimit). If the shared
 * bucket store (Redis) cannot be reached the request goes through: the limit protects the
 * service, and failing open keeps it serving while jobs report the outage themselves.
 */
import type { MiddlewareHandler } from 'hono';
import type { RateDecision, RateLimiter } from '../tenants/rate-limit.js';
import type { AppEnv } from './env.js';
import { ProblemError } from './problems.js';

export function limitRate(limiter: RateLimiter): MiddlewareHandler<AppEnv> {
  const policy = `"default";q=${limiter.perMinute};w=60`;
  return async function limitRate(c, next) {
    if (c.req.method === 'OPTIONS' || !c.req.path.startsWith('/v1/')) return next();
    let decision: RateDecision;
    try {
      decision = await limiter.take(c.var.tenant);
    } catch (error) {
      c.var.log.warn({ requestId: c.var.requestId, err: (error as Error).message }, 'rate limit store unreachable: request let through');
      return next();
    }
    c.header('RateLimit-Policy', policy);
    c.header('RateLimit', `"default";r=${decision.remaining};t=${decision.resetSeconds}`);
    if (!decision.allowed) {
      throw new ProblemError(
        'rate-limited',
        `Too many requests: the limit is ${limiter.perMinute} a minute (bursts of ${limiter.burst}). Retry after the indicated delay.`,
        { headers: { 'Retry-After': String(decision.retryAfterSeconds) }, extensions: { limitPerMinute: limiter.perMinute } },
      );
    }
    return next();
  };
}
