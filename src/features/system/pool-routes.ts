/** GET /v1/system/pool: the worker pool's load now and over the last minutes (the jobs page charts it). */
import { createRoute, z } from '@hono/zod-openapi';
import type { AppHono } from '../../http/env.js';
import type { Services } from '../../services.js';

const share = (description: string) => z.number().min(0).max(1).openapi({ description, example: 0.42 });

const PoolSampleSchema = z
  .object({
    at: z.string().openapi({ format: 'date-time', description: 'End of the interval.' }),
    utilization: share('Share of the threads’ time spent on tasks during the interval.'),
    maxQueued: z.number().int().openapi({ description: 'The most tasks waiting for a thread at once during the interval.' }),
    inFlight: z.number().int().openapi({ description: 'Tasks running or waiting at the end of the interval.' }),
  })
  .openapi('PoolSample');

const PoolLoadSchema = z
  .object({
    threads: z.number().int().openapi({ example: 2 }),
    backlogMs: z.number().openapi({
      description: 'Estimated milliseconds of admitted synchronous work per thread now (admission).',
      example: 120,
    }),
    maxBacklogMs: z.number().int().openapi({
      description: 'The backlog per thread beyond which synchronous pool requests get 503 (POOL_MAX_BACKLOG_MS).',
      example: 5000,
    }),
    intervalMs: z.number().int().openapi({ description: 'Time between samples (POOL_SAMPLE_INTERVAL_MS).', example: 2000 }),
    history: z.number().int().openapi({ description: 'Samples kept at most (POOL_SAMPLE_HISTORY).', example: 150 }),
    current: z.object({
      utilization: share('Share of the threads’ time spent on tasks over the last interval or so.'),
      queued: z.number().int().openapi({ description: 'Tasks waiting for a thread now.' }),
      inFlight: z.number().int().openapi({ description: 'Tasks running or waiting now.' }),
    }),
    samples: z.array(PoolSampleSchema).openapi({ description: 'Oldest first.' }),
  })
  .openapi('PoolLoad');

const roundedShare = (value: number): number => Math.round(value * 10_000) / 10_000;

export function registerPoolRoutes(app: AppHono, services: Services): void {
  const { pool, poolSampler } = services;

  app.openapi(
    createRoute({
      method: 'get',
      path: '/v1/system/pool',
      operationId: 'getPoolLoad',
      tags: ['system'],
      summary: 'The worker pool’s load: now, and sampled over the last minutes',
      description:
        'Utilization is measured over each sampling interval (not averaged since start), so it shows what the ' +
        'pool is doing now. The jobs page (/ui) charts these samples.',
      responses: {
        200: { description: 'Threads, queue and utilization', content: { 'application/json': { schema: PoolLoadSchema } } },
      },
    }),
    (c) => {
      const current = poolSampler.current();
      return c.json(
        {
          threads: pool.threads,
          backlogMs: Math.round(services.dispatcher.admission.backlogMs),
          maxBacklogMs: services.config.pool.maxBacklogMs,
          intervalMs: poolSampler.intervalMs,
          history: poolSampler.history,
          current: { ...current, utilization: roundedShare(current.utilization) },
          samples: poolSampler.samples().map((sample) => ({
            ...sample,
            at: new Date(sample.at).toISOString(),
            utilization: roundedShare(sample.utilization),
          })),
        },
        200,
      );
    },
  );
}
