/**
 * Builds the crunch HTTP app from its features. No side effects: the caller passes in the
 * services (pool, dispatcher, logger, metrics), so tests build apps freely and
 * src/server.ts is the only place that listens.
 */
import type { Server } from 'node:http';
import { OpenAPIHono } from '@hono/zod-openapi';
import { registerFunctionRoutes } from './features/functions/routes.js';
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
import { authenticate } from './http/auth.js';
import { corsPolicy } from './http/cors.js';
import type { AppEnv, AppHono } from './http/env.js';
import { type ConnectionGuard, createHttpServer } from './http/connections.js';
import { handleError } from './http/errors.js';
import { inlineLane } from './http/inline-lane.js';
import { notFound } from './http/not-found.js';
import { openApiDocument } from './http/openapi.js';
import { admitRequest, requestContext } from './http/middleware.js';
import { refusalBackoff } from './http/refusal-backoff.js';
import { validationProblem } from './http/problems.js';
import { limitRate } from './http/rate-limit.js';
import { zodFieldErrors } from './inputs/zod-issues.js';
import type { Services } from './services.js';

export function createApp(services: Services): AppHono {
  const { config, lifecycle } = services;
  const app: AppHono = new OpenAPIHono<AppEnv>({
    defaultHook: (result) => {
      if (!result.success) throw validationProblem(zodFieldErrors(result.error, result.target));
    },
  });

  const backoff = config.connections.refusalBackoffMaxMs > 0 ? refusalBackoff(config.connections.refusalBackoffMaxMs) : undefined;
  app.use(requestContext(services.logger, services.metrics, backoff));
  // Before anything that can refuse a request, so that refusals are readable cross-origin too.
  if (config.corsOrigins === '*' || config.corsOrigins.length > 0) app.use(corsPolicy(config.corsOrigins));
  // Without keys every request is the open API's: nothing to check, so no link in the chain.
  if (config.tenants.keys.length > 0) app.use(authenticate(config.tenants));
  if (services.rateLimiter !== undefined) app.use(limitRate(services.rateLimiter));
  app.use(admitRequest(lifecycle, config.limits));

  registerHealthRoutes(app, services);
  registerPoolRoutes(app, services);
  // Before the check routes: /v1/primes/{n} would otherwise take /v1/primes/count and /factor.
  registerPrimeListRoutes(app, services);
  registerPrimeCountRoutes(app, services);
  registerPrimeFactorRoutes(app, services);
  registerPrimeCheckRoutes(app, services);
  registerReduceRoutes(app, services);
  registerMapReduceRoutes(app, services);
  registerFunctionRoutes(app, services);
  registerJobRoutes(app, services);
  registerDocsRoutes(app, () => openApiDocument(app));
  registerUiRoutes(app);

  app.notFound(notFound(app));
  app.onError(handleError);
  return app;
}

/**
 * The app and the HTTP server in front of it, not yet listening: how src/server.ts and the
 * tests build both. The server answers what the inline lane takes before the app routes it.
 */
export function createAppServer(services: Services): { app: AppHono; server: Server; connections: ConnectionGuard } {
  const app = createApp(services);
  const { server, connections } = createHttpServer(app.fetch, {
    limits: services.config.connections,
    registry: services.metrics.registry,
    logger: services.logger,
    inline: inlineLane(services),
  });
  return { app, server, connections };
}
