/** GET /v1/jobs, GET and DELETE /v1/jobs/{id}, GET /v1/jobs/{id}/events (Server-Sent Events). */
import { createRoute } from '@hono/zod-openapi';
import { streamSSE } from 'hono/streaming';
import type { AppHono } from '../../http/env.js';
import { problemResponses } from '../../http/problems.js';
import { isFinished, type JobRecord } from '../../jobs/types.js';
import type { Services } from '../../services.js';
import { JobListQuerySchema, JobListSchema, JobParamsSchema, JobSchema, jobView } from './job-schemas.js';

const keepAliveMs = 15_000;

export function registerJobRoutes(app: AppHono, services: Services): void {
  const { jobs } = services;

  app.openapi(
    createRoute({
      method: 'get',
      path: '/v1/jobs',
      tags: ['jobs'],
      summary: 'List recent jobs, most recent first',
      description: 'Results are left out of the list; fetch a job for its result.',
      request: { query: JobListQuerySchema },
      responses: {
        200: { description: 'Recent jobs', content: { 'application/json': { schema: JobListSchema } } },
        ...problemResponses(422),
      },
    }),
    async (c) => {
      const { status, limit } = c.req.valid('query');
      const found = await jobs.list({ limit, ...(status === undefined ? {} : { status }) });
      return c.json({ jobs: found.map((job) => jobView(job, { withResult: false })) }, 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/v1/jobs/{id}',
      tags: ['jobs'],
      summary: 'A job: status, progress, and its result or problem once finished',
      request: { params: JobParamsSchema },
      responses: {
        200: { description: 'The job', content: { 'application/json': { schema: JobSchema } } },
        ...problemResponses(404, 410),
      },
    }),
    async (c) => {
      const job = await jobs.get(c.req.valid('param').id);
      if (!isFinished(job.status)) c.header('Retry-After', '1');
      return c.json(jobView(job), 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'delete',
      path: '/v1/jobs/{id}',
      tags: ['jobs'],
      summary: 'Cancel a queued or running job',
      description: 'Running pool work is stopped; the job ends `cancelled`. A finished job cannot be cancelled (409).',
      request: { params: JobParamsSchema },
      responses: {
        200: { description: 'The cancelled job', content: { 'application/json': { schema: JobSchema } } },
        ...problemResponses(404, 409, 410),
      },
    }),
    async (c) => c.json(jobView(await jobs.cancel(c.req.valid('param').id)), 200),
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/v1/jobs/{id}/events',
      tags: ['jobs'],
      summary: 'Stream a job’s progress and final state as Server-Sent Events',
      description:
        'Events: `status` (the job, on every status change; the first event is the current state), `progress` ' +
        '(the job without its result, as work units finish). The stream ends after the job finishes: the last ' +
        'event is a `status` event carrying `succeeded`, `failed` or `cancelled` and the result or problem. ' +
        `A comment line is sent every ${keepAliveMs / 1000} s to keep proxies from closing the connection.`,
      request: { params: JobParamsSchema },
      responses: {
        200: {
          description: 'An event stream',
          content: { 'text/event-stream': { schema: { type: 'string', example: 'event: status\nid: 0\ndata: {"id":"…","status":"running",…}\n\n' } } },
        },
        ...problemResponses(404, 410),
      },
    }),
    async (c) => {
      const { id } = c.req.valid('param');
      await jobs.get(id); // 404/410 as a problem, before the stream starts
      return streamSSE(c, async (stream) => {
        let sequence = 0;
        let writing = Promise.resolve();
        let finish!: () => void;
        const finished = new Promise<void>((resolve) => (finish = resolve));
        const send = (event: 'status' | 'progress', job: JobRecord): void => {
          const data = JSON.stringify(jobView(job, { withResult: event === 'status' }));
          const id = String(sequence++);
          writing = writing.then(() => stream.writeSSE({ event, id, data })).then(() => {
            if (isFinished(job.status)) finish();
          });
        };
        // Subscribe before reading the state, so no change falls between the two.
        const unsubscribe = jobs.subscribe(id, (event) => send(event.type, event.job));
        const keepAlive = setInterval(() => void stream.write(': keep-alive\n\n'), keepAliveMs);
        stream.onAbort(() => finish());
        try {
          send('status', await jobs.get(id));
          await finished;
          await writing;
        } finally {
          clearInterval(keepAlive);
          unsubscribe();
        }
      }) as never;
    },
  );
}
