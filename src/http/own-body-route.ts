/**
 * Routes that read their own bodies. @hono/zod-openapi validates a JSON body on the event
 * loop before the handler runs (parsing it whole with `c.req.json()`, leniently decoded);
 * these routes read the raw bytes instead, so a large body can be parsed and checked on a
 * pool thread (src/http/json-body.ts). The route is still documented from the same zod
 * schemas; only the validators are left out, and the handler checks its query with
 * `validQuery`.
 */
import type { RouteConfig } from '@hono/zod-openapi';
import type { Context } from 'hono';
import type { z } from 'zod';
import { zodFieldErrors } from '../inputs/zod-issues.js';
import type { AppEnv, AppHono } from './env.js';
import { validationProblem } from './problems.js';

export function ownBodyRoute(app: AppHono, route: RouteConfig, handler: (c: Context<AppEnv>) => Promise<Response>): void {
  app.openAPIRegistry.registerPath(route);
  app.on(route.method.toUpperCase(), route.path.replace(/\{([^}]+)\}/g, ':$1'), handler);
}

export function validQuery<S extends z.ZodType>(c: Context, schema: S): z.infer<S> {
  const parsed = schema.safeParse(c.req.query());
  if (!parsed.success) throw validationProblem(zodFieldErrors(parsed.error, 'query'));
  return parsed.data;
}
