/** 404 for unknown paths and 405 (with `Allow`) for known paths asked with the wrong method, as problems. */
import type { NotFoundHandler } from 'hono';
import type { AppEnv, AppHono } from './env.js';
import { problemResponse } from './errors.js';
import { ProblemError } from './problems.js';

export function notFound(app: AppHono): NotFoundHandler<AppEnv> {
  return function notFound(c) {
    const allowed = allowedMethods(app, c.req.path);
    if (allowed.length > 0 && !allowed.includes(c.req.method)) {
      return problemResponse(
        c,
        new ProblemError('method-not-allowed', `${c.req.method} is not allowed on ${c.req.path}; use ${allowed.join(' or ')}.`, {
          headers: { Allow: allowed.join(', ') },
        }),
      );
    }
    return problemResponse(
      c,
      new ProblemError('not-found', `There is no route ${c.req.method} ${c.req.path}. The API reference is at /docs.`),
    );
  };
}

/** Methods registered for a concrete path, to tell 405 from 404. */
function allowedMethods(app: AppHono, path: string): string[] {
  const methods = new Set<string>();
  for (const route of routePatterns(app)) if (route.pattern.test(path)) methods.add(route.method);
  if (methods.has('GET')) methods.add('HEAD');
  return [...methods].sort();
}

const patternCache = new WeakMap<AppHono, Array<{ method: string; pattern: RegExp }>>();

/** The app's routes as regular expressions, compiled once: unknown paths are cheap to probe too. */
function routePatterns(app: AppHono): Array<{ method: string; pattern: RegExp }> {
  let patterns = patternCache.get(app);
  if (patterns === undefined) {
    patterns = app.routes
      .filter((route) => route.method !== 'ALL')
      .map((route) => ({
        method: route.method,
        pattern: new RegExp(`^${route.path.replace(/[.+?^${}()|[\]\\]/g, '\\$&').replace(/\/:[^/]+/g, '/[^/]+')}$`),
      }));
    patternCache.set(app, patterns);
  }
  return patterns;
}

