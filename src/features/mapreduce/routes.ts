/**
 * POST /v1/mapreduce: a built-in job over JSON documents; POST /v1/mapreduce/text: over a raw
 * text/plain upload (`curl --data-binary @book.txt '…/v1/mapreduce/text?job=wordcount'`) with
 * options in the query. The JSON route still takes a text/plain upload from earlier clients.
 * Everything a client can get wrong (job, options, pattern, encoding, emptiness) is checked
 * before any work is dispatched (src/inputs/mapreduce.ts).
 */
import { z } from '@hono/zod-openapi';
import { respondCompute } from '../../http/compute-endpoint.js';
import type { Context } from 'hono';
import { bodyProblems, computeRoute } from '../../http/compute-route.js';
import type { AppEnv, AppHono } from '../../http/env.js';
import { checkUtf8Body, isJsonRequest, readJsonInput } from '../../http/json-body.js';
import { ownBodyRoute, validQuery } from '../../http/own-body-route.js';
import { ProblemError, validationProblem } from '../../http/problems.js';
import { readUpload } from '../../http/upload.js';
import { jobList, jobSpecOf, optionsFromQuery } from '../../inputs/mapreduce.js';
import { mapReduceOperations } from '../../operations/mapreduce.js';
import type { Services } from '../../services.js';
import { type MapReduceQuery, MapReduceQuerySchema, MapReduceResultSchema, MapReduceTextQuerySchema, mapReduceRequestSchema } from './schemas.js';

const textMediaType = /^text\/plain\s*(;|$)/i;

/** Uploads at least this big are read into shared memory, so chunks reach the workers as views. */
const SHARED_BODY_BYTES = 256 * 1024;

export function registerMapReduceRoutes(app: AppHono, services: Services): void {
  const { config } = services;
  const howItRuns =
    'Small inputs run on the event loop; large ones are split into chunks on line boundaries, mapped on every worker ' +
    'thread, reduced by key partition in parallel and merged. The result is the same whatever the route, chunking or ' +
    'thread count. As a job (`Prefer: respond-async`) progress is reported in phases `map` (chunks) and `reduce` (partitions).';

  const jsonRoute = computeRoute(
    {
      method: 'post',
      path: '/v1/mapreduce',
      operationId: 'runMapReduce',
      tags: ['mapreduce'],
      summary: 'Run a built-in MapReduce job over JSON documents',
      description:
        `Jobs: ${jobList}. \`{ "job": "wordcount", "documents": [...], ...options }\`, up to ${config.limits.maxBodyBytes} bytes; ` +
        `for one large text send it to \`POST /v1/mapreduce/text\` instead. ${howItRuns} ` +
        '(Earlier clients may still send `text/plain` here with the job in the query; it is answered as `/v1/mapreduce/text`.)',
      request: {
        body: { required: true, content: { 'application/json': { schema: mapReduceRequestSchema(config.limits) } } },
      },
      responses: {
        200: {
          description: 'The job result; its shape depends on `job`',
          content: { 'application/json': { schema: MapReduceResultSchema } },
        },
      },
    },
    bodyProblems,
  );

  ownBodyRoute(app, jsonRoute, async (c) => {
    const query = validQuery(c, MapReduceQuerySchema);
    if (textMediaType.test(c.req.header('content-type') ?? '')) return respondText(c, services, query);
    if (!isJsonRequest(c)) {
      throw new ProblemError(
        'unsupported-media-type',
        'Send a JSON body (`Content-Type: application/json`, `{ "job": "wordcount", "documents": [...] }`), or raw text to POST /v1/mapreduce/text?job=wordcount.',
      );
    }
    const stray = Object.entries(query).filter(([, value]) => value !== undefined);
    if (stray.length > 0) {
      throw validationProblem(
        stray.map(([key]) => ({ pointer: `#/query/${key}`, message: 'with a JSON body, put the job and its options in the body' })),
      );
    }
    const input = await readJsonInput(c, services, 'mapreduce');
    return respondCompute(c, services, { operation: mapReduceOperations[`mapreduce.${input.job.kind}`], input });
  });

  const textRoute = computeRoute(
    {
      method: 'post',
      path: '/v1/mapreduce/text',
      operationId: 'runMapReduceText',
      tags: ['mapreduce'],
      summary: 'Run a built-in MapReduce job over one raw UTF-8 text',
      description:
        `Jobs: ${jobList}. The body is the text (\`Content-Type: text/plain\`, UTF-8, up to ${config.limits.maxBinaryBodyBytes} bytes); ` +
        `the job and its options go in the query. ${howItRuns}`,
      request: {
        query: MapReduceTextQuerySchema,
        body: {
          required: true,
          content: {
            'text/plain': {
              schema: z.string().openapi({
                description: 'UTF-8 text. For `index` each line is a document (id = line number); for `grep` lines are numbered from 1.',
                example: 'The cat sat.\nThe dog sat on the cat.\n',
              }),
            },
          },
        },
      },
      responses: {
        200: {
          description: 'The job result; its shape depends on `job`',
          content: { 'application/json': { schema: MapReduceResultSchema } },
        },
      },
    },
    ['bad-request', 'unsupported-media-type', 'body-too-large'],
  );

  ownBodyRoute(app, textRoute, async (c) => {
    const query = validQuery(c, MapReduceQuerySchema);
    if (!textMediaType.test(c.req.header('content-type') ?? '')) {
      throw new ProblemError(
        'unsupported-media-type',
        'Send the text as `Content-Type: text/plain` (UTF-8); for JSON documents use POST /v1/mapreduce.',
      );
    }
    return respondText(c, services, query);
  });
}

/** A text/plain upload with the job and its options in the query. */
async function respondText(c: Context<AppEnv>, services: Services, query: MapReduceQuery): Promise<Response> {
  const { config } = services;
  const contentType = c.req.header('content-type') ?? '';
  const charset = /;\s*charset\s*=\s*"?([^";\s]+)/i.exec(contentType)?.[1];
  if (charset !== undefined && !/^utf-?8$/i.test(charset)) {
    throw new ProblemError('unsupported-media-type', `Only UTF-8 text is accepted; got charset=${charset}. Convert it, e.g. \`iconv -t utf-8\`.`);
  }
  if (query.job === undefined) {
    throw validationProblem([{ pointer: '#/query/job', message: `required with a text/plain body: one of ${jobList}` }]);
  }
  const job = jobSpecOf(query.job, optionsFromQuery(query.job, query), '#/query/');
  const text = await readUpload(c, {
    maxBytes: config.limits.maxBinaryBodyBytes,
    sharedFrom: SHARED_BODY_BYTES,
    budget: services.budgets.requestBodies,
  });
  if (text.length === 0) throw validationProblem([{ pointer: '', message: 'the body is empty: send the text to process' }]);
  await checkUtf8Body(c, services, text);
  return respondCompute(c, services, { operation: mapReduceOperations[`mapreduce.${job.kind}`], input: { job, text }, upload: text });
}
