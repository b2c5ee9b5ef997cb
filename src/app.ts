/**
 * Builds the crunch HTTP app from its features. No side effects: the caller passes in the
 * services (pool, dispatcher, logger, metrics), so tests build apps freely and
 * src/server.ts is the only place that listens.
 */
import { OpenAPIHono } from '@hono/zod-openapi';
import { bodyLimit } from 'hono/body-limit';
import { registerJobRoutes } from './features/jobs/job-routes.js';
import { registerMapReduceRoutes } from './features/mapreduce/routes.js';
import { registerPrimeCheckRoutes } from './features/primes/check-routes.js';
import { registerPrimeCountRoutes } from './features/primes/count-routes.js';
import { registerPrimeFactorRoutes } from './features/primes/factor-routes.js';
import { registerPrimeListRoutes } from './features/primes/list-routes.js';
import { registerReduceRoutes } from './features/reduce/routes.js';
import { registerDocsRoutes } from './features/system/docs-routes.js';
import { registerHealthRoutes } from './features/system/health-routes.js';
import { registerPoolRoutes } from './features/system/pool-routes.js';
import { registerUiRoutes } from './features/ui/ui-routes.js';
import { corsPolicy } from './http/cors.js';
import type { AppEnv, AppHono } from './http/env.js';
import { handleError, problemResponse, zodFieldErrors } from './http/errors.js';
import { accessLog, requestContext } from './http/middleware.js';
import { ProblemError, problemMediaType, validationProblem } from './http/problems.js';
import type { Services } from './services.js';

export const apiVersion = '1.0.0';

const streamedMediaTypes = /^(application\/octet-stream|text\/plain)\b/i;

export function createApp(services: Services): AppHono {
  const { config, lifecycle } = services;
  const app: AppHono = new OpenAPIHono<AppEnv>({
    defaultHook: (result) => {
      if (!result.success) throw validationProblem(zodFieldErrors(result.error, result.target));
    },
  });

  app.use(requestContext(services.logger));
  app.use(accessLog((method, route, status, seconds) => services.metrics.observeRequest(method, route, status, seconds)));
  // Before anything that can refuse a request, so that refusals are readable cross-origin too.
  if (config.corsOrigins === '*' || config.corsOrigins.length > 0) app.use(corsPolicy(config.corsOrigins));
  app.use(async function refuseWhileShuttingDown(c, next) {
    if (lifecycle.shuttingDown && !c.req.path.endsWith('z')) {
      c.header('Connection', 'close');
      throw new ProblemError('shutting-down', 'The server is shutting down; retry on another instance.', {
        headers: { 'Retry-After': '1', Connection: 'close' },
      });
    }
    await next();
  });
  app.use(async function limitBody(c, next) {
    const streamed = streamedMediaTypes.test(c.req.header('content-type') ?? '');
    const maxSize = streamed ? config.limits.maxBinaryBodyBytes : config.limits.maxBodyBytes;
    const tooLarge = (): ProblemError =>
      new ProblemError(
        'body-too-large',
        `The request body is larger than ${maxSize} bytes. Send less per request` +
          (streamed ? '.' : ', or use the binary or text upload where the endpoint offers one.'),
        { extensions: { maxBytes: maxSize } },
      );
    // A declared length is enforced by Node's parser, so checking the header is enough and
    // leaves the body untouched: wrapping it in a counting stream copies every chunk. Only
    // chunked bodies, whose size is unknown up front, are counted as they arrive.
    if (c.req.header('transfer-encoding') === undefined) {
      const declared = Number(c.req.header('content-length') ?? 0);
      if (declared > maxSize) throw tooLarge();
      return next();
    }
    return bodyLimit({
      maxSize,
      onError: () => {
        throw tooLarge();
      },
    })(c, next);
  });

  registerHealthRoutes(app, services);
  registerPoolRoutes(app, services);
  // Before the check routes: /v1/primes/{n} would otherwise take /v1/primes/count and /factor.
  registerPrimeListRoutes(app, services);
  registerPrimeCountRoutes(app, services);
  registerPrimeFactorRoutes(app, services);
  registerPrimeCheckRoutes(app, services);
  registerReduceRoutes(app, services);
  registerMapReduceRoutes(app, services);
  registerJobRoutes(app, services);
  registerDocsRoutes(app, () => openApiDocument(app));
  registerUiRoutes(app);

  app.notFound((c) => {
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
  });
  app.onError(handleError);
  return app;
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

export function openApiDocument(app: AppHono) {
  return app.getOpenAPI31Document({
    openapi: '3.1.0',
    info: {
      title: 'crunch',
      version: apiVersion,
      description:
        'Serverless-style compute API: prime checking, reductions and MapReduce, run on the event loop or a ' +
        'worker pool depending on the cost of the work. Integers travel as JSON numbers only while safe ' +
        `(<= 2^53 - 1) and as decimal strings beyond. Errors are RFC 9457 \`${problemMediaType}\`.`,
      license: { name: 'MIT' },
    },
    // Relative: resolved against wherever the document was fetched from, so /docs "Try it out"
    // calls the server that served it, on any host and port.
    servers: [{ url: '/', description: 'The server that serves this document' }],
    tags: [
      { name: 'primes', description: 'Prime checking, listing, counting and factoring' },
      { name: 'jobs', description: 'Asynchronous jobs: any compute call with `Prefer: respond-async`' },
      { name: 'mapreduce', description: 'Word count, letter frequency, inverted index, grep and sum by key over text' },
      { name: 'reduce', description: 'Exact, parallel reductions over arrays (JSON or raw binary bodies)' },
      { name: 'system', description: 'Health, readiness, metrics' },
    ],
  });
}
