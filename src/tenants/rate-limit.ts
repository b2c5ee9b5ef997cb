/**
 * Rate limits per tenant: a token bucket of `burst` tokens refilled at `perMinute` a minute;
 * each /v1 request takes one. In memory for the embedded mode; in Redis (one Lua script,
 * Redis's own clock) for the distributed mode, so every replica draws from the same bucket.
 *
 * Announced on every response with the IETF fields (draft-ietf-httpapi-ratelimit-headers-10):
 * `RateLimit-Policy: "default";q=<per minute>;w=60` and `RateLimit: "default";r=<left>;t=<s>`,
 * where `t` is how long until the bucket is full again.
 */
import type { Redis } from 'ioredis';

export interface RateDecision {
  readonly allowed: boolean;
  /** Whole tokens left after this request. */
  readonly remaining: number;
  /** Seconds until the bucket is full again. */
  readonly resetSeconds: number;
  /** When refused: seconds until one token is back. */
  readonly retryAfterSeconds: number;
}

export interface RateLimiter {
  readonly perMinute: number;
  readonly burst: number;
  take(tenant: string): RateDecision | Promise<RateDecision>;
  /**
   * Where the buckets are in memory: takes a token and answers at once when there is one;
   * when the request would be refused, undefined, having changed nothing, for `take` to
   * refuse it (src/http/inline-lane.ts, which answers only what it is sure of).
   */
  takeIfAllowed?(tenant: string): RateDecision | undefined;
}

function decide(tokens: number, allowed: boolean, perMinute: number, burst: number): RateDecision {
  const perSecond = perMinute / 60;
  return {
    allowed,
    remaining: Math.max(0, Math.floor(tokens)),
    resetSeconds: Math.ceil((burst - tokens) / perSecond),
    retryAfterSeconds: allowed ? 0 : Math.max(1, Math.ceil((1 - tokens) / perSecond)),
  };
}

export class MemoryRateLimiter implements RateLimiter {
  readonly #buckets = new Map<string, { tokens: number; at: number }>();

  constructor(
    readonly perMinute: number,
    readonly burst: number,
    private readonly now: () => number = () => performance.now(),
  ) {}

  take(tenant: string): RateDecision {
    const bucket = this.#refilled(tenant);
    const allowed = bucket.tokens >= 1;
    if (allowed) bucket.tokens -= 1;
    return decide(bucket.tokens, allowed, this.perMinute, this.burst);
  }

  takeIfAllowed(tenant: string): RateDecision | undefined {
    // Refilling changes nothing `take` would not compute the same a moment later.
    const bucket = this.#refilled(tenant);
    if (bucket.tokens < 1) return undefined;
    bucket.tokens -= 1;
    return decide(bucket.tokens, true, this.perMinute, this.burst);
  }

  #refilled(tenant: string): { tokens: number; at: number } {
    const now = this.now();
    let bucket = this.#buckets.get(tenant);
    if (bucket === undefined) {
      bucket = { tokens: this.burst, at: now };
      this.#buckets.set(tenant, bucket);
    }
    bucket.tokens = Math.min(this.burst, bucket.tokens + ((now - bucket.at) / 60_000) * this.perMinute);
    bucket.at = now;
    return bucket;
  }
}

/** KEYS[1] the bucket; ARGV: per minute, burst. Returns {allowed, tokens as text}. */
const takeScript = `
local now = redis.call('TIME')
local ms = tonumber(now[1]) * 1000 + math.floor(tonumber(now[2]) / 1000)
local perMinute = tonumber(ARGV[1])
local burst = tonumber(ARGV[2])
local state = redis.call('HMGET', KEYS[1], 'tokens', 'at')
local tokens = tonumber(state[1]) or burst
local at = tonumber(state[2]) or ms
tokens = math.min(burst, tokens + (ms - at) * perMinute / 60000)
local allowed = 0
if tokens >= 1 then
  tokens = tokens - 1
  allowed = 1
end
redis.call('HSET', KEYS[1], 'tokens', tostring(tokens), 'at', tostring(ms))
redis.call('PEXPIRE', KEYS[1], math.ceil(burst * 60000 / perMinute) + 1000)
return { allowed, tostring(tokens) }
`;

export class RedisRateLimiter implements RateLimiter {
  constructor(
    private readonly redis: Redis,
    private readonly key: (tenant: string) => string,
    readonly perMinute: number,
    readonly burst: number,
  ) {}

  async take(tenant: string): Promise<RateDecision> {
    const [allowed, tokens] = (await this.redis.eval(takeScript, 1, this.key(tenant), this.perMinute, this.burst)) as [number, string];
    return decide(Number(tokens), allowed === 1, this.perMinute, this.burst);
  }
}
