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

/** `RateLimit-Policy`: the one policy, per minute. */
export function rateLimitPolicy(limiter: RateLimiter): string {
  return `"default";q=${limiter.perMinute};w=60`;
}

/** `RateLimit`: where the tenant stands after this request. */
export function rateLimitState(decision: RateDecision): string {
  return `"default";r=${decision.remaining};t=${decision.resetSeconds}`;
}

export function limitRate(limiter: RateLimiter): MiddlewareHandler<AppEnv> {
  const policy = rateLimitPolicy(limiter);
  return async function limitRate(c, next) {
    if (c.req.method === 'OPTIONS' || !c.req.path.startsWith('/v1/')) return next();
    let decision: RateDecision;
    try {
      decision = await limiter.take(c.get('tenant'));
    } catch (error) {
      c.get('log').warn({ requestId: c.get('requestId'), err: (error as Error).message }, 'rate limit store unreachable: request let through');
      return next();
    }
    const state = rateLimitState(decision);
    if (!decision.allowed) {
      throw new ProblemError(
        'rate-limited',
        `Too many requests: the limit is ${limiter.perMinute} a minute (bursts of ${limiter.burst}). Retry after the indicated delay.`,
        {
          headers: { 'Retry-After': String(decision.retryAfterSeconds), 'RateLimit-Policy': policy, RateLimit: state },
          extensions: { limitPerMinute: limiter.perMinute },
        },
      );
    }
    await next();
    // On the finished response, whatever answered it: a handler's plain headers
    // (src/http/plain-response.ts) do not carry headers set before it ran.
    c.res.headers.set('RateLimit-Policy', policy);
    c.res.headers.set('RateLimit', state);
  };
}
