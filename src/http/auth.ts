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
import { keyDigest } from '../tenants/keys.js';
import type { AppEnv } from './env.js';
import { ProblemError } from './problems.js';

const bearer = /^Bearer[ \t]+([\x21-\x7e]+)[ \t]*$/i;

function needsKey(path: string, metricsOpen: boolean): boolean {
  return path.startsWith('/v1/') || path === '/v1' || (path === '/metrics' && !metricsOpen);
}

export function authenticate(tenants: TenantConfig): MiddlewareHandler<AppEnv> {
  const { keys, metricsOpen } = tenants;
  return async function authenticate(c, next) {
    if (keys.length === 0 || c.req.method === 'OPTIONS' || !needsKey(c.req.path, metricsOpen)) return next();
    const header = c.req.header('authorization');
    const token = header === undefined ? undefined : bearer.exec(header)?.[1];
    if (token === undefined) {
      throw new ProblemError(
        'unauthorized',
        header === undefined
          ? 'This API needs an API key: send `Authorization: Bearer <key>`.'
          : 'The Authorization header is not `Bearer <key>`: send the key as a bearer token.',
        { headers: { 'WWW-Authenticate': 'Bearer realm="crunch"' } },
      );
    }
    const digest = keyDigest(token);
    let tenant: string | undefined;
    // Every entry is compared, whatever matches first, so the time says nothing about which.
    for (const key of keys) if (timingSafeEqual(key.digest, digest) && tenant === undefined) tenant = key.tenant;
    if (tenant === undefined) {
      throw new ProblemError('unauthorized', 'The API key is not valid: check it, or ask for one.', {
        headers: { 'WWW-Authenticate': 'Bearer realm="crunch", error="invalid_token"' },
      });
    }
    c.set('tenant', tenant);
    return next();
  };
}
