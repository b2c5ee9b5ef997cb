/** Liveness, readiness and Prometheus metrics. */
import { createRoute, z } from '@hono/zod-openapi';
import type { AppHono } from '../../http/env.js';
import { plainResponse } from '../../http/plain-response.js';
import type { Services } from '../../services.js';

/** The liveness answer, here and on the inline lane (src/http/inline-lane.ts). */
export const healthyBody = JSON.stringify({ status: 'ok' });

const HealthSchema = z.object({ status: z.literal('ok') }).openapi('Health');
const ReadinessSchema = z
  .object({
    status: z.enum(['ready', 'not-ready']),
    reasons: z.array(z.string()).openapi({
      description: 'Why the instance is not ready (empty when ready), e.g. that the pool is saturated or the server is draining.',
      example: ['the pool is saturated: 5120 ms of admitted work per thread, the limit is 5000 ms (POOL_MAX_BACKLOG_MS)'],
    }),
    pool: z.object({
      threads: z.number().int(),
      queued: z.number().int(),
      backlogMs: z.number().openapi({ description: 'Estimated milliseconds of admitted synchronous work per thread.' }),
      utilization: z.number().openapi({ description: 'Share of thread time spent on tasks over the last few seconds, 0 to 1.' }),
    }),
    shuttingDown: z.boolean(),
  })
  .openapi('Readiness');

/** A pool that refused work this recently is still saturated, for a load balancer's purposes. */
const saturationWindowMs = 1_000;

export function registerHealthRoutes(app: AppHono, services: Services): void {
  const { pool, poolSampler, lifecycle, metrics } = services;

  app.openapi(
    createRoute({
      method: 'get',
      path: '/healthz',
      operationId: 'getHealth',
      tags: ['system'],
      summary: 'Liveness: the process answers',
      description: 'Always 200 while the process serves HTTP, even when draining or saturated: restart the instance only when this fails.',
      responses: { 200: { description: 'Alive', content: { 'application/json': { schema: HealthSchema } } } },
    }),
    (c) => plainResponse(c, 200, healthyBody, { 'Content-Type': 'application/json' }) as never,
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/readyz',
      operationId: 'getReadiness',
      tags: ['system'],
      summary: 'Readiness: the pool is up, not saturated, and the server is not shutting down',
      description:
        'Not ready (503) while draining after SIGTERM, and while the pool is saturated: admitted synchronous work ' +
        'has reached the backlog limit (POOL_MAX_BACKLOG_MS), or pool requests were refused in the last second; a load ' +
        'balancer should send them to another replica until it drains.',
      responses: {
        200: { description: 'Ready', content: { 'application/json': { schema: ReadinessSchema } } },
        503: { description: 'Not ready: shutting down or saturated', content: { 'application/json': { schema: ReadinessSchema } } },
      },
    }),
    (c) => {
      const { admission } = services.dispatcher;
      const { maxBacklogMs } = services.config.pool;
      const reasons: string[] = [];
      if (lifecycle.shuttingDown) reasons.push('the server is shutting down');
      if (pool.closed) reasons.push('the worker pool is closed');
      // Saturated: the next request of even a millisecond would be refused, or requests were
      // refused a moment ago (the backlog then sits just under its limit).
      const refusedLately = admission.refusedWithin(saturationWindowMs);
      if (!admission.wouldAdmit(1_000) || refusedLately) {
        reasons.push(
          `the pool is saturated: ${Math.round(admission.backlogMs)} ms of admitted work per thread, the limit is ${maxBacklogMs} ms (POOL_MAX_BACKLOG_MS)` +
            (refusedLately ? `, and it refused requests in the last ${saturationWindowMs / 1_000} s` : ''),
        );
      }
      const body = {
        status: reasons.length === 0 ? ('ready' as const) : ('not-ready' as const),
        reasons,
        pool: {
          threads: pool.threads,
          queued: pool.queueSize,
          backlogMs: Math.round(admission.backlogMs),
          utilization: poolSampler.current().utilization,
        },
        shuttingDown: lifecycle.shuttingDown,
      };
      return reasons.length === 0 ? c.json(body, 200) : c.json(body, 503);
    },
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/metrics',
      operationId: 'getMetrics',
      tags: ['system'],
      summary: 'Prometheus metrics',
      description:
        'Requests (latency, in flight), placements, jobs (by state, queued, durations), refusals by reason, open event ' +
        'streams, the pool (utilization, queue depth, threads), connections, the event loop, build info.',
      responses: {
        200: {
          description: 'The Prometheus text exposition format (version 0.0.4)',
          content: { 'text/plain': { schema: z.string().openapi({ example: '# HELP crunch_pool_threads Worker threads in the pool.\n# TYPE crunch_pool_threads gauge\ncrunch_pool_threads 2\n' }) } },
        },
      },
    }),
    async (c) => {
      c.header('Content-Type', metrics.registry.contentType);
      return c.body(await metrics.registry.metrics(), 200) as never;
    },
  );
}
