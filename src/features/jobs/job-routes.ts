/** GET /v1/jobs, GET and DELETE /v1/jobs/{id}, GET /v1/jobs/{id}/events (Server-Sent Events). */
import { createRoute } from '@hono/zod-openapi';
import { streamSSE } from 'hono/streaming';
import type { AppHono } from '../../http/env.js';
import { headerRefs } from '../../http/contract-headers.js';
import { problemResponses } from '../../http/problems.js';
import { isFinished, type JobEvent, type JobRecord } from '../../jobs/types.js';
import type { Services } from '../../services.js';
import { WritePacer } from '../../http/write-pacer.js';
import { JobListQuerySchema, JobListSchema, JobParamsSchema, JobSchema, jobJson, jobJsonParts, jobView } from './job-schemas.js';

const keepAliveMs = 15_000;

/**
 * One SSE frame per published event (exported for its test), shared by every stream that follows the job: 2 000
 * subscribers to a job with a megabyte result hold one copy of it, not 2 000.
 */
const frames = new WeakMap<JobEvent, Uint8Array>();

function sseFrame(type: JobEvent['type'], job: JobRecord, sequence: number | undefined): Uint8Array {
  // JSON never holds a raw newline, so the data is one `data:` line.
  const data = jobJson(job, { withResult: type === 'status' });
  const head = `event: ${type}\n${sequence === undefined ? '' : `id: ${job.id}.${sequence}\n`}data: `;
  return Buffer.concat([Buffer.from(head), data, frameEnd]);
}

const frameEnd = Buffer.from('\n\n');
/**
 * Shared by every event stream: a final event sent to thousands of subscribers is copied about
 * 1 MiB per turn, and a small one goes to at most 32 streams a turn.
 */
const eventWrites = new WritePacer({ bytesPerTurn: 1024 * 1024, bytesPerWrite: 32 * 1024 });

export function sharedFrame(event: JobEvent): Uint8Array {
  let frame = frames.get(event);
  if (frame === undefined) {
    // A progress event can carry a job already finished (distributed, the record is read when
    // the event arrives, and may be newer than it): that frame is the stream's last, so it is
    // the final status, with the result.
    frame = sseFrame(isFinished(event.job.status) ? 'status' : event.type, event.job, event.sequence);
    frames.set(event, frame);
  }
  return frame;
}

/** A job as the response body, written piece by piece (see jobJsonParts). */
function jobResponse(job: JobRecord, headers: Record<string, string> = {}): Response {
  const parts = jobJsonParts(job);
  const length = parts.reduce((total, part) => total + part.byteLength, 0);
  const body =
    parts.length === 1
      ? (parts[0] as Uint8Array<ArrayBuffer>)
      : new ReadableStream<Uint8Array>({
          start(controller) {
            for (const part of parts) controller.enqueue(part);
            controller.close();
          },
        });
  return new Response(body, {
    status: 200,
    headers: { 'Content-Type': 'application/json', 'Content-Length': String(length), ...headers },
  });
}

export function registerJobRoutes(app: AppHono, services: Services): void {
  const { jobs } = services;

  app.openapi(
    createRoute({
      method: 'get',
      path: '/v1/jobs',
      operationId: 'listJobs',
      tags: ['jobs'],
      summary: 'List recent jobs, most recent first',
      description: 'Results are left out of the list; fetch a job for its result.',
      request: { query: JobListQuerySchema },
      responses: {
        200: { description: 'Recent jobs', content: { 'application/json': { schema: JobListSchema } } },
        ...problemResponses('validation-failed', 'jobs-unavailable'),
      },
    }),
    async (c) => {
      const { status, limit } = c.req.valid('query');
      const found = await jobs.list({ limit: limit ?? 20, tenant: c.var.tenant, ...(status === undefined ? {} : { status }) });
      // Typed by the contract as one schema per operation; the records carry the operation as a string.
      return c.json({ jobs: found.map((job) => jobView(job)) }, 200) as never;
    },
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/v1/jobs/{id}',
      operationId: 'getJob',
      tags: ['jobs'],
      summary: 'A job: status, progress, and its result or problem once finished',
      description:
        'Poll it until `status` is `succeeded`, `failed` or `cancelled` (an unfinished job is answered with `Retry-After`), ' +
        'or follow its events. `result` is typed by `operation`: exactly the body the synchronous call returns.',
      request: { params: JobParamsSchema },
      responses: {
        200: { description: 'The job', headers: headerRefs('Retry-After'), content: { 'application/json': { schema: JobSchema } } },
        ...problemResponses('job-not-found', 'job-expired', 'jobs-unavailable'),
      },
    }),
    async (c) => {
      c.set('jobId', c.req.valid('param').id);
      const job = await jobs.get(c.req.valid('param').id, c.var.tenant);
      return jobResponse(job, isFinished(job.status) ? {} : { 'Retry-After': '1' }) as never;
    },
  );

  app.openapi(
    createRoute({
      method: 'delete',
      path: '/v1/jobs/{id}',
      operationId: 'cancelJob',
      tags: ['jobs'],
      summary: 'Cancel a queued or running job',
      description: 'Running pool work is stopped; the job ends `cancelled`. A finished job cannot be cancelled (409).',
      request: { params: JobParamsSchema },
      responses: {
        200: { description: 'The cancelled job', content: { 'application/json': { schema: JobSchema } } },
        ...problemResponses('job-not-found', 'job-expired', 'job-finished', 'jobs-unavailable'),
      },
    }),
    async (c) => {
      c.set('jobId', c.req.valid('param').id);
      return jobResponse(await jobs.cancel(c.req.valid('param').id, c.var.tenant)) as never;
    },
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/v1/jobs/{id}/events',
      operationId: 'streamJobEvents',
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
          content: {
            'text/event-stream': {
              schema: {
                type: 'string',
                description: 'Server-Sent Events: `event:` is `status` or `progress`, `data:` one line of JSON, a job as `GET /v1/jobs/{id}` answers it.',
                example:
                  'event: status\ndata: {"id":"pZ1tq2yS3x8Hn0mV4dR7aQ","operation":"primes.count","status":"running",…}\n\n' +
                  'event: progress\nid: pZ1tq2yS3x8Hn0mV4dR7aQ.2\ndata: {"id":"pZ1tq2yS3x8Hn0mV4dR7aQ",…,"progress":{"phase":"pi","done":1,"total":2},…}\n\n',
              },
            },
          },
        },
        ...problemResponses('job-not-found', 'job-expired', 'jobs-unavailable'),
      },
    }),
    async (c) => {
      const { id } = c.req.valid('param');
      c.set('jobId', id);
      await jobs.get(id, c.var.tenant); // 404/410 as a problem, before the stream starts: also another tenant's job
      return streamSSE(c, async (stream) => {
        services.metrics.streamOpened();
        let writing = Promise.resolve();
        let finish!: () => void;
        const finished = new Promise<void>((resolve) => (finish = resolve));
        let done = false;
        const send = (frame: Uint8Array, job: JobRecord): void => {
          if (done) return;
          if (isFinished(job.status)) done = true;
          writing = writing
            .then(() => eventWrites.reserve(frame.byteLength))
            .then(() => stream.write(frame))
            .then(() => {
              if (isFinished(job.status)) finish();
            });
        };
        // Subscribe before reading the state, so no change falls between the two.
        const unsubscribe = jobs.subscribe(id, (event) => send(sharedFrame(event), event.job));
        const keepAlive = setInterval(() => void stream.write(': keep-alive\n\n'), keepAliveMs);
        stream.onAbort(() => finish());
        try {
          const current = await jobs.get(id, c.var.tenant);
          send(sseFrame('status', current, undefined), current);
          await finished;
          await writing;
        } finally {
          clearInterval(keepAlive);
          unsubscribe();
          services.metrics.streamClosed();
        }
      }) as never;
    },
  );
}
