/**
 * Cross-origin access (CORS) for pages served elsewhere: a /docs on another host or port, a
 * dashboard, a browser client. Off unless CORS_ORIGINS names origins. Preflights are answered
 * here, before routing; the exposed headers are those a client needs to follow crunch's
 * answers (a job's Location, Retry-After, where the work ran), which browsers hide otherwise.
 */
import type { MiddlewareHandler } from 'hono';
import { cors } from 'hono/cors';
import type { AppEnv } from './env.js';

export const corsAllowedMethods = ['GET', 'HEAD', 'POST', 'DELETE'] as const;

export const corsAllowedHeaders = [
  'Accept',
  'Authorization',
  'Content-Type',
  'Idempotency-Key',
  'Last-Event-ID',
  'Prefer',
  'X-Crunch-Route',
  'X-Request-Id',
] as const;

export const corsExposedHeaders = [
  'Allow',
  'Content-Location',
  'Idempotent-Replayed',
  'Link',
  'Location',
  'Preference-Applied',
  'Retry-After',
  'Server-Timing',
  'X-Crunch-Route',
  'X-Request-Id',
] as const;

/** How long a browser may reuse a preflight answer. */
const preflightMaxAgeSeconds = 600;

export function corsPolicy(origins: '*' | readonly string[]): MiddlewareHandler<AppEnv> {
  return cors({
    origin: origins === '*' ? '*' : [...origins],
    allowMethods: [...corsAllowedMethods],
    allowHeaders: [...corsAllowedHeaders],
    exposeHeaders: [...corsExposedHeaders],
    maxAge: preflightMaxAgeSeconds,
  }) as MiddlewareHandler<AppEnv>;
}
