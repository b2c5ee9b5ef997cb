/**
 * POST /v1/mapreduce: a built-in job over JSON documents; POST /v1/mapreduce/text: over a raw
 * text/plain upload (`curl --data-binary @book.txt '…/v1/mapreduce/text?job=wordcount'`) with
 * options in the query. The JSON route still takes a text/plain upload from earlier clients.
 * Everything a client can get wrong (job, options, pattern, encoding, emptiness) is checked
 * before any work is dispatched (src/inputs/mapreduce.ts). The custom job (user functions)
 * is answered by ./custom.ts.
 */
import { z } from '@hono/zod-openapi';
import { respondCompute } from '../../http/compute-endpoint.js';
import type { Context } from 'hono';
import { bodyProblems, computeRoute } from '../../http/compute-route.js';
import type { AppEnv, AppHono } from '../../http/env.js';
import { checkUtf8Body, isJsonRequest, readJsonInput } from '../../http/json-body.js';
import { ownBodyRoute, validQuery } from '../../http/own-body-route.js';
import { ProblemError, validationProblem } from '../../http/problems.js';
import { assertUtf8Charset, readUpload } from '../../http/upload.js';
import { jobList, jobSpecOf, optionsFromQuery } from '../../inputs/mapreduce.js';
import { mapReduceOperations } from '../../operations/mapreduce.js';
import type { Services } from '../../services.js';
import { customJobProblems, ndjsonMediaType, respondCustom, respondCustomUpload } from './custom.js';
import {
  type MapReduceQuery,
  MapReduceNdjsonQuerySchema,
  MapReduceQuerySchema,
  MapReduceResultSchema,
  MapReduceTextQuerySchema,
  mapReduceRequestSchema,
} from './schemas.js';

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
    [...bodyProblems, ...customJobProblems],
  );

  ownBodyRoute(app, jsonRoute, async (c) => {
    const query = validQuery(c, MapReduceQuerySchema);
    const contentType = c.req.header('content-type') ?? '';
    if (query.job === 'custom' || ndjsonMediaType.test(contentType)) return respondCustomUpload(c, services, query);
    if (textMediaType.test(contentType)) return respondText(c, services, query);
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
    if ('code' in input) return respondCustom(c, services, input);
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
    ['bad-request', 'unsupported-media-type', 'body-too-large', ...customJobProblems],
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

  const ndjsonRoute = computeRoute(
    {
      method: 'post',
      path: '/v1/mapreduce/ndjson',
      operationId: 'runMapReduceNdjson',
      tags: ['mapreduce'],
      summary: 'Run a stored function over an NDJSON upload',
      description:
        'Runs the map, combine and reduce of a stored function (`POST /v1/functions`) in the sandbox over the body, one ' +
        `JSON document per line (\`Content-Type: application/x-ndjson\`, UTF-8, up to ${config.limits.maxBinaryBodyBytes} bytes; ` +
        `blank lines are skipped). ${howItRuns}`,
      request: {
        query: MapReduceNdjsonQuerySchema,
        body: {
          required: true,
          content: {
            'application/x-ndjson': {
              schema: z.string().openapi({
                description: 'UTF-8, one JSON document per line; blank lines are skipped.',
                example: '{"user":"ann","bytes":120}\n{"user":"bob","bytes":80}\n',
              }),
            },
          },
        },
      },
      responses: {
        200: {
          description: 'What reduce returned for each key',
          content: { 'application/json': { schema: MapReduceResultSchema } },
        },
      },
    },
    ['bad-request', 'unsupported-media-type', 'body-too-large', ...customJobProblems],
  );

  ownBodyRoute(app, ndjsonRoute, async (c) => {
    const query = validQuery(c, MapReduceNdjsonQuerySchema);
    if (!ndjsonMediaType.test(c.req.header('content-type') ?? '')) {
      throw new ProblemError(
        'unsupported-media-type',
        'Send the documents as `Content-Type: application/x-ndjson` (one JSON document per line); for text lines use POST /v1/mapreduce/text?job=custom&function=<id>.',
      );
    }
    return respondCustomUpload(c, services, { ...query, job: 'custom' });
  });
}

/** A text/plain upload with the job and its options in the query (each line a document for `custom`). */
async function respondText(c: Context<AppEnv>, services: Services, query: MapReduceQuery): Promise<Response> {
  const { config } = services;
  const contentType = c.req.header('content-type') ?? '';
  if (query.job === 'custom') return respondCustomUpload(c, services, query);
  assertUtf8Charset(contentType);
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
