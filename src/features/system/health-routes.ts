/** Liveness, readiness and Prometheus metrics. */
import { createRoute, z } from '@hono/zod-openapi';
import type { AppHono } from '../../http/env.js';
import { problemResponses } from '../../http/problems.js';
import type { Services } from '../../services.js';

const HealthSchema = z.object({ status: z.literal('ok') }).openapi('Health');
const ReadinessSchema = z
  .object({
    status: z.enum(['ready', 'not-ready']),
    pool: z.object({
      threads: z.number().int(),
      queued: z.number().int(),
      utilization: z.number().openapi({ description: 'Share of thread time spent on tasks over the last few seconds, 0 to 1.' }),
    }),
    shuttingDown: z.boolean(),
  })
  .openapi('Readiness');

export function registerHealthRoutes(app: AppHono, services: Services): void {
  const { pool, poolSampler, lifecycle, metrics } = services;

  app.openapi(
    createRoute({
      method: 'get',
      path: '/healthz',
      tags: ['system'],
      summary: 'Liveness: the process answers',
      responses: { 200: { description: 'Alive', content: { 'application/json': { schema: HealthSchema } } } },
    }),
    (c) => c.json({ status: 'ok' as const }, 200),
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/readyz',
      tags: ['system'],
      summary: 'Readiness: the pool is up and the server is not shutting down',
      responses: {
        200: { description: 'Ready', content: { 'application/json': { schema: ReadinessSchema } } },
        503: { description: 'Not ready (shutting down)', content: { 'application/json': { schema: ReadinessSchema } } },
      },
    }),
    (c) => {
      const ready = !lifecycle.shuttingDown && !pool.closed;
      const body = {
        status: ready ? ('ready' as const) : ('not-ready' as const),
        pool: { threads: pool.threads, queued: pool.queueSize, utilization: poolSampler.current().utilization },
        shuttingDown: lifecycle.shuttingDown,
      };
      return ready ? c.json(body, 200) : c.json(body, 503);
    },
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/metrics',
      tags: ['system'],
      summary: 'Prometheus metrics',
      description: 'Request latency, dispatch routes, event-loop delay, pool utilization and queue depth.',
      responses: {
        200: { description: 'Prometheus text exposition format', content: { 'text/plain': { schema: z.string() } } },
        ...problemResponses(500),
      },
    }),
    async (c) => {
      c.header('Content-Type', metrics.registry.contentType);
      return c.body(await metrics.registry.metrics(), 200) as never;
    },
  );
}
