/**
 * POST /v1/mapreduce: a built-in job over JSON documents, or over a raw text/plain upload
 * (`curl --data-binary @book.txt '…/v1/mapreduce?job=wordcount'`) with options in the query.
 * Everything a client can get wrong (job, options, pattern, encoding, emptiness) is checked
 * here, on the main thread, before any work is dispatched.
 */
import { z } from '@hono/zod-openapi';
import type { Hook } from '@hono/zod-openapi';
import type { Context } from 'hono';
import {
  compileLineMatcher,
  firstInvalidUtf8,
  isValidUtf8,
  PatternRefusedError,
  type JobKind,
  type JobResult,
  type JobSpec,
} from '../../compute/mapreduce/index.js';
import { computeRoute, respondCompute } from '../../http/compute-response.js';
import { computeResponseHeaders } from '../../http/dispatch-options.js';
import type { AppEnv, AppHono } from '../../http/env.js';
import { zodFieldErrors } from '../../http/errors.js';
import { type FieldError, ProblemError, problemResponses, validationProblem } from '../../http/problems.js';
import { jsonArrayResponse } from '../../http/json-stream.js';
import { readUpload } from '../../http/upload.js';
import type { Services } from '../../services.js';
import {
  DEFAULT_GREP_MATCHES,
  DEFAULT_INDEX_DOCUMENTS,
  DEFAULT_INDEX_WORDS,
  DEFAULT_SUM_KEYS,
  DEFAULT_TOP,
  type JobName,
  jobNames,
  jobOptionShapes,
  MapReduceQuerySchema,
  type MapReduceQuery,
  mapReduceRequestSchema,
  MapReduceResultSchema,
} from './schemas.js';
import { type MapReduceInput, mapReduceWork } from './work.js';

interface JobOptions {
  caseFold?: boolean | undefined;
  top?: number | undefined;
  maxWords?: number | undefined;
  maxDocumentsPerWord?: number | undefined;
  pattern?: string | undefined;
  literal?: boolean | undefined;
  ignoreCase?: boolean | undefined;
  maxMatches?: number | undefined;
  maxKeys?: number | undefined;
}

const jobList = jobNames.join(', ');
const textMediaType = /^text\/plain\s*(;|$)/i;

function toJobSpec(name: JobName, o: JobOptions): JobSpec {
  switch (name) {
    case 'wordcount':
      return { kind: name, caseFold: o.caseFold ?? true, top: o.top ?? DEFAULT_TOP };
    case 'letters':
      return { kind: name, caseFold: o.caseFold ?? true };
    case 'index':
      return {
        kind: name,
        caseFold: o.caseFold ?? true,
        maxWords: o.maxWords ?? DEFAULT_INDEX_WORDS,
        maxDocumentsPerWord: o.maxDocumentsPerWord ?? DEFAULT_INDEX_DOCUMENTS,
      };
    case 'grep':
      return {
        kind: name,
        pattern: o.pattern ?? '',
        literal: o.literal ?? false,
        ignoreCase: o.ignoreCase ?? false,
        maxMatches: o.maxMatches ?? DEFAULT_GREP_MATCHES,
      };
    case 'sumbykey':
      return { kind: name, maxKeys: o.maxKeys ?? DEFAULT_SUM_KEYS };
  }
}

/** Query strings to typed options, checked against the job's own option schema. */
function optionsFromQuery(name: JobName, query: MapReduceQuery): JobOptions {
  const shape = jobOptionShapes[name];
  const allowed = Object.keys(shape);
  const errors: FieldError[] = [];
  const raw: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(query)) {
    if (key === 'job' || value === undefined) continue;
    if (!allowed.includes(key)) {
      errors.push({
        pointer: `#/query/${key}`,
        message: `${name} has no option ${key}; its options are ${allowed.length > 0 ? allowed.join(', ') : '(none)'}`,
      });
      continue;
    }
    if (value === 'true' || value === 'false') raw[key] = value === 'true';
    else if (key === 'pattern') raw[key] = value;
    else if (/^\d{1,15}$/.test(value)) raw[key] = Number(value);
    else errors.push({ pointer: `#/query/${key}`, message: `must be a whole number, got ${JSON.stringify(value)}` });
  }
  if (errors.length > 0) throw validationProblem(errors);
  const parsed = z.object(shape).strict().safeParse(raw);
  if (!parsed.success) throw validationProblem(zodFieldErrors(parsed.error, 'query'));
  return parsed.data as JobOptions;
}

/** Bounds an index answer: words × ids per word (each id costs memory on every thread, and JSON). */
export const MAX_INDEX_CELLS = 1_000_000;

function checkIndexBounds(job: JobSpec, pointerPrefix: string): void {
  if (job.kind !== 'index') return;
  const cells = (job.maxWords ?? 0) * (job.maxDocumentsPerWord ?? 0);
  if (cells <= MAX_INDEX_CELLS) return;
  throw validationProblem([
    {
      pointer: `${pointerPrefix}maxDocumentsPerWord`,
      message: `maxWords × maxDocumentsPerWord is ${cells}; at most ${MAX_INDEX_CELLS} ids can be asked for in one index`,
    },
  ]);
}

/** Refuses a dangerous or invalid grep pattern before any thread compiles it. */
function checkGrepPattern(job: JobSpec, pointer: string): void {
  if (job.kind !== 'grep') return;
  try {
    compileLineMatcher(job.pattern, job.literal ?? false, job.ignoreCase ?? false);
  } catch (error) {
    if (!(error instanceof PatternRefusedError)) throw error;
    throw new ProblemError('validation-failed', `${pointer}: ${error.message}`, {
      errors: [{ pointer, message: error.message }],
      extensions: { reason: error.reason },
    });
  }
}

function checkUtf8(bytes: Uint8Array): void {
  if (isValidUtf8(bytes)) return;
  const offset = firstInvalidUtf8(bytes);
  throw new ProblemError(
    'bad-request',
    `The body is not valid UTF-8: the first bad byte is at offset ${offset}. Convert the text first, e.g. \`iconv -f latin1 -t utf-8\`.`,
    { extensions: { offset } },
  );
}

/** Uploads at least this big are read into shared memory, so chunks reach the workers as views. */
const SHARED_BODY_BYTES = 256 * 1024;

function render(result: JobResult): unknown {
  const { kind, ...rest } = result;
  return { job: kind, ...rest };
}

/** The list each result carries (the part that may be large: 10^5 words, 10^6 ids). */
const listField = { wordcount: 'top', letters: 'letters', index: 'words', grep: 'matches', sumbykey: 'keys' } as const satisfies Record<
  JobKind,
  string
>;
const listMarker = JSON.stringify('\u0000list\u0000');

/** The same JSON as `render`, its list written in slices (jsonArrayResponse), so no render holds the loop. */
function respondInSlices(c: Context, result: JobResult): Response {
  const field = listField[result.kind];
  const body = render(result) as Record<string, unknown>;
  const items = body[field] as readonly unknown[];
  const text = JSON.stringify({ ...body, [field]: JSON.parse(listMarker) as string });
  const at = text.indexOf(listMarker);
  return jsonArrayResponse(c, {
    head: `${text.slice(0, at)}[`,
    count: items.length,
    renderItem: (index) => JSON.stringify(items[index]),
    tail: `]${text.slice(at + listMarker.length)}`,
  });
}

/** Names the job in the message when the discriminator is what failed. */
const requestHook: Hook<unknown, AppEnv, string, unknown> = (result) => {
  if (result.success) return;
  const errors = zodFieldErrors(result.error, result.target);
  result.error.issues.slice(0, errors.length).forEach((issue, index) => {
    if (issue.code === 'invalid_union') {
      errors[index] = { pointer: errors[index]!.pointer, message: `must be one of ${jobList}` };
    }
  });
  throw validationProblem(errors);
};

export function registerMapReduceRoutes(app: AppHono, services: Services): void {
  const { config } = services;
  const requestSchema = mapReduceRequestSchema(config.limits);

  const route = computeRoute({
    method: 'post',
    path: '/v1/mapreduce',
    tags: ['mapreduce'],
    summary: 'Run a built-in MapReduce job over text',
    description:
      `Jobs: ${jobList}. Send either JSON (\`{ "job": "wordcount", "documents": [...], ...options }\`, up to ` +
      `${config.limits.maxBodyBytes} bytes) or raw UTF-8 text with \`Content-Type: text/plain\` and the job and its ` +
      `options in the query string (up to ${config.limits.maxBinaryBodyBytes} bytes). Small inputs run on the event loop; ` +
      'large ones are split into chunks on line boundaries, mapped on every worker thread, reduced by key partition ' +
      'in parallel and merged. The result is the same whatever the route, chunking or thread count. ' +
      'As a job (`Prefer: respond-async`) progress is reported in phases `map` (chunks) and `reduce` (partitions).',
    request: {
      query: MapReduceQuerySchema,
      body: {
        content: {
          'application/json': { schema: requestSchema },
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
        headers: computeResponseHeaders,
        content: { 'application/json': { schema: MapReduceResultSchema } },
      },
      ...problemResponses(400, 413, 415, 422, 503),
    },
  });

  app.openapi(
    route,
    async (c) => {
      const query = c.req.valid('query');
      const contentType = c.req.header('content-type') ?? '';
      let job: JobSpec;
      let input: MapReduceInput;
      if (textMediaType.test(contentType)) {
        const charset = /;\s*charset\s*=\s*"?([^";\s]+)/i.exec(contentType)?.[1];
        if (charset !== undefined && !/^utf-?8$/i.test(charset)) {
          throw new ProblemError('unsupported-media-type', `Only UTF-8 text is accepted; got charset=${charset}. Convert it, e.g. \`iconv -t utf-8\`.`);
        }
        if (query.job === undefined) {
          throw validationProblem([{ pointer: '#/query/job', message: `required with a text/plain body: one of ${jobList}` }]);
        }
        job = toJobSpec(query.job, optionsFromQuery(query.job, query));
        checkGrepPattern(job, '#/query/pattern');
        checkIndexBounds(job, '#/query/');
        const bytes = await readUpload(c, { maxBytes: config.limits.maxBinaryBodyBytes, sharedFrom: SHARED_BODY_BYTES });
        if (bytes.length === 0) {
          throw validationProblem([{ pointer: '', message: 'the body is empty: send the text to process' }]);
        }
        checkUtf8(bytes);
        input = bytes;
      } else {
        const body = c.req.valid('json') as Partial<z.infer<typeof requestSchema>>;
        if (body.job === undefined || body.documents === undefined) {
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
        const { job: name, documents, ...options } = body as z.infer<typeof requestSchema>;
        job = toJobSpec(name, options as JobOptions);
        checkGrepPattern(job, '/pattern');
        checkIndexBounds(job, '/');
        input = documents;
      }
      const loopBudgetMicros = Math.max(config.dispatch.inlineBudgetMicros, config.dispatch.slicedBudgetMicros);
      const work = mapReduceWork(job, input, config.pool.threads, { validated: true, loopBudgetMicros });
      return (await respondCompute(c, services, {
        work,
        render,
        respond: respondInSlices,
        ...(input instanceof Uint8Array ? { upload: input } : {}),
      })) as never;
    },
    requestHook as never,
  );
}
