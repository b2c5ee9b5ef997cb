/**
 * API keys: with keys configured, every /v1 route (and /metrics, unless METRICS_OPEN) needs
 * `Authorization: Bearer <key>`, and the key names the caller's tenant (`c.var.tenant`).
 * The presented key is hashed and compared with every configured digest in constant time;
 * neither it nor its hash is ever logged or echoed. /healthz, /readyz, /docs, /openapi.json
 * and the static files of /ui stay open: they hold no tenant's data (the jobs page itself
 * calls /v1 with the key the user gives it).
 */
import { timingSafeEqual } from 'node:crypto';
import type { MiddlewareHandler } from 'hono';
import type { TenantConfig } from '../config.js';
import { type ApiKey, keyDigest } from '../tenants/keys.js';
import type { AppEnv } from './env.js';
import { ProblemError } from './problems.js';

const bearer = /^Bearer[ \t]+([\x21-\x7e]+)[ \t]*$/i;

/** The key of an `Authorization: Bearer <key>` header, or undefined if it is not one. */
export function bearerToken(header: string): string | undefined {
  return bearer.exec(header)?.[1];
}

/** The tenant a presented key belongs to, or undefined. */
export function tenantOfKey(keys: readonly ApiKey[], token: string): string | undefined {
  const digest = keyDigest(token);
  let tenant: string | undefined;
  // Every entry is compared, whatever matches first, so the time says nothing about which.
  for (const key of keys) if (timingSafeEqual(key.digest, digest) && tenant === undefined) tenant = key.tenant;
  return tenant;
}

function needsKey(path: string, metricsOpen: boolean): boolean {
  return path.startsWith('/v1/') || path === '/v1' || (path === '/metrics' && !metricsOpen);
}

export function authenticate(tenants: TenantConfig): MiddlewareHandler<AppEnv> {
  const { keys, metricsOpen } = tenants;
  return async function authenticate(c, next) {
    if (keys.length === 0 || c.req.method === 'OPTIONS' || !needsKey(c.req.path, metricsOpen)) return next();
    const header = c.req.header('authorization');
    const token = header === undefined ? undefined : bearerToken(header);
    if (token === undefined) {
      throw new ProblemError(
        'unauthorized',
        header === undefined
          ? 'This API needs an API key: send `Authorization: Bearer <key>`.'
          : 'The Authorization header is not `Bearer <key>`: send the key as a bearer token.',
        { headers: { 'WWW-Authenticate': 'Bearer realm="crunch"' } },
      );
    }
    const tenant = tenantOfKey(keys, token);
    if (tenant === undefined) {
      throw new ProblemError('unauthorized', 'The API key is not valid: check it, or ask for one.', {
        headers: { 'WWW-Authenticate': 'Bearer realm="crunch", error="invalid_token"' },
      });
    }
    c.set('tenant', tenant);
    return next();
  };
}
