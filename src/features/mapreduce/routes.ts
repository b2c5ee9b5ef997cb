/**
 * POST /v1/mapreduce: a built-in job over JSON documents, or over a raw text/plain upload
 * (`curl --data-binary @book.txt '…/v1/mapreduce?job=wordcount'`) with options in the query.
 * Everything a client can get wrong (job, options, pattern, encoding, emptiness) is checked
 * before any work is dispatched (src/inputs/mapreduce.ts). The custom job (user functions)
 * is answered by ./custom.ts.
 */
import { z } from '@hono/zod-openapi';
import { respondCompute } from '../../http/compute-endpoint.js';
import { computeResponseHeaders, computeRoute } from '../../http/compute-route.js';
import type { AppHono } from '../../http/env.js';
import { isJsonRequest, readJsonInput } from '../../http/json-body.js';
import { ownBodyRoute, validQuery } from '../../http/own-body-route.js';
import { ProblemError, problemResponses, validationProblem } from '../../http/problems.js';
import { readUpload } from '../../http/upload.js';
import { checkUtf8Text, jobList, jobSpecOf, optionsFromQuery } from '../../inputs/mapreduce.js';
import { mapReduceOperations } from '../../operations/mapreduce.js';
import type { Services } from '../../services.js';
import { ndjsonMediaType, respondCustom, respondCustomUpload } from './custom.js';
import { MapReduceQuerySchema, MapReduceResultSchema, mapReduceRequestSchema } from './schemas.js';

const textMediaType = /^text\/plain\s*(;|$)/i;

/** Uploads at least this big are read into shared memory, so chunks reach the workers as views. */
const SHARED_BODY_BYTES = 256 * 1024;

export function registerMapReduceRoutes(app: AppHono, services: Services): void {
  const { config } = services;

  const route = computeRoute({
    method: 'post',
    path: '/v1/mapreduce',
    tags: ['mapreduce'],
    summary: 'Run a MapReduce job: a built-in one over text, or your own functions',
    description:
      `Jobs: ${jobList}. Send either JSON (\`{ "job": "wordcount", "documents": [...], ...options }\`, up to ` +
      `${config.limits.maxBodyBytes} bytes) or raw UTF-8 text with \`Content-Type: text/plain\` and the job and its ` +
      `options in the query string (up to ${config.limits.maxBinaryBodyBytes} bytes). Small inputs run on the event loop; ` +
      'large ones are split into chunks on line boundaries, mapped on every worker thread, reduced by key partition ' +
      'in parallel and merged. The result is the same whatever the route, chunking or thread count. ' +
      'As a job (`Prefer: respond-async`) progress is reported in phases `map` (chunks) and `reduce` (partitions). ' +
      '`custom` runs your own map, combine and reduce functions in a sandbox, always on the worker threads: give their ' +
      'sources (or a stored function\'s id, `function`) and the documents in JSON, or upload the documents as text/plain ' +
      '(each line a document) or `application/x-ndjson` (each line a JSON document) with `?job=custom&function=<id>`.',
    request: {
      query: MapReduceQuerySchema,
      body: {
        content: {
          'application/json': { schema: mapReduceRequestSchema(config.limits) },
          'text/plain': {
            schema: z.string().openapi({
              description: 'UTF-8 text. For `index` each line is a document (id = line number); for `grep` lines are numbered from 1.',
              example: 'The cat sat.\nThe dog sat on the cat.\n',
            }),
          },
          'application/x-ndjson': {
            schema: z.string().openapi({
              description: 'custom only (`?job=custom&function=<id>`): UTF-8, one JSON document per line; blank lines are skipped.',
              example: '{"user":"ann","bytes":120}\n{"user":"bob","bytes":80}\n',
            }),
          },
        },
      },
    },
    responses: {
      200: {
        description: 'The job result; its shape depends on `job`',
        headers: computeResponseHeaders,
        content: { 'application/json': { schema: MapReduceResultSchema } },
      },
      ...problemResponses(400, 413, 415, 422, 503),
    },
  });

  ownBodyRoute(app, route, async (c) => {
    const query = validQuery(c, MapReduceQuerySchema);
    const contentType = c.req.header('content-type') ?? '';
    if (query.job === 'custom' || ndjsonMediaType.test(contentType)) return respondCustomUpload(c, services, query);
    if (textMediaType.test(contentType)) {
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
      checkUtf8Text(text);
      return respondCompute(c, services, { operation: mapReduceOperations[`mapreduce.${job.kind}`], input: { job, text }, upload: text });
    }
    if (!isJsonRequest(c)) {
      throw new ProblemError(
        'unsupported-media-type',
        'Send a JSON body (`Content-Type: application/json`, `{ "job": "wordcount", "documents": [...] }`) or raw text (`Content-Type: text/plain` with `?job=wordcount`).',
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
}
