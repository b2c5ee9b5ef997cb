/**
 * The custom job on POST /v1/mapreduce: user functions given as sources in a JSON body, or a
 * stored function (POST /v1/functions) named by id, over JSON documents, a text/plain upload
 * (each line a document) or an NDJSON upload (each non-blank line a JSON document), as big as
 * the built-in jobs take. Stored functions are looked up for the caller's tenant before the
 * body is read, so a wrong id costs no upload. The job's input carries the sources
 * themselves (src/operations/mapreduce-custom.ts).
 */
import type { Context } from 'hono';
import { FunctionNotFoundError } from '../../functions/errors.js';
import { respondCompute } from '../../http/compute-endpoint.js';
import type { AppEnv } from '../../http/env.js';
import { checkUtf8Body } from '../../http/json-body.js';
import { ProblemError, type ProblemType, validationProblem } from '../../http/problems.js';
import { assertUtf8Charset, readUpload } from '../../http/upload.js';
import type { CustomMapReduceRequest } from '../../inputs/mapreduce-custom.js';
import { mapReduceCustom } from '../../operations/mapreduce-custom.js';
import type { SandboxFunctions } from '../../sandbox/index.js';
import type { Services } from '../../services.js';
import type { CustomMapReduceInput } from './custom-work.js';
import type { MapReduceQuery } from './schemas.js';

/** What a custom job can answer besides the problems of every compute route. */
export const customJobProblems = [
  'sandbox-syntax',
  'sandbox-exception',
  'sandbox-value',
  'sandbox-limit',
  'sandbox-crashed',
  'function-not-found',
  'functions-unavailable',
] as const satisfies readonly ProblemType[];

export const ndjsonMediaType = /^application\/x-ndjson\s*(;|$)/i;
const textMediaType = /^text\/plain\s*(;|$)/i;

/** Uploads at least this big are read into shared memory, so batches reach the threads as views. */
const SHARED_BODY_BYTES = 256 * 1024;

function isJsonType(contentType: string): boolean {
  return /^application\/([a-z0-9.+-]+\+)?json\s*(;|$)/i.test(contentType);
}

async function storedFunctions(c: Context<AppEnv>, services: Services, id: string): Promise<SandboxFunctions> {
  const stored = await services.functions.get(c.var.tenant, id);
  if (stored === undefined) throw new FunctionNotFoundError(id);
  return stored.functions;
}

/** A custom job's JSON request, its code resolved, answered synchronously or as a job. */
export async function respondCustom(c: Context<AppEnv>, services: Services, request: CustomMapReduceRequest): Promise<Response> {
  const { code } = request;
  const input: CustomMapReduceInput =
    'functions' in code
      ? { functions: code.functions, format: 'ndjson', text: request.text }
      : { functions: await storedFunctions(c, services, code.functionId), format: 'ndjson', text: request.text, function: code.functionId };
  return respondCompute(c, services, { operation: mapReduceCustom, input });
}

/** `?job=custom&function=<id>` with a text/plain or NDJSON body (any NDJSON body comes here: only custom jobs read it). */
export async function respondCustomUpload(c: Context<AppEnv>, services: Services, query: MapReduceQuery): Promise<Response> {
  const contentType = c.req.header('content-type') ?? '';
  if (isJsonType(contentType)) {
    throw validationProblem([{ pointer: '#/query/job', message: 'with a JSON body, put the job, its sources or function, and the documents in the body' }]);
  }
  const format = ndjsonMediaType.test(contentType) ? 'ndjson' : textMediaType.test(contentType) ? 'lines' : undefined;
  if (format === undefined) {
    throw new ProblemError(
      'unsupported-media-type',
      'Send the custom job\'s documents as `Content-Type: text/plain` (each line a document) or `application/x-ndjson` (each line a JSON document) with `?job=custom&function=<id>`, or as JSON (`{ "job": "custom", ... }`).',
    );
  }
  assertUtf8Charset(contentType);
  const errors = Object.entries(query)
    .filter(([key, value]) => value !== undefined && key !== 'job' && key !== 'function')
    .map(([key]) => ({ pointer: `#/query/${key}`, message: `custom has no option ${key}; it takes function (a stored function's id)` }));
  if (query.job !== 'custom') errors.unshift({ pointer: '#/query/job', message: `must be custom with a ${format === 'ndjson' ? 'NDJSON' : 'text/plain'} body naming a stored function` });
  if (query.function === undefined) {
    errors.push({ pointer: '#/query/function', message: 'required with an upload: the id of a stored function (POST /v1/functions); sources go in a JSON body' });
  }
  if (errors.length > 0 || query.function === undefined) throw validationProblem(errors);
  const functions = await storedFunctions(c, services, query.function);
  const text = await readUpload(c, {
    maxBytes: services.config.limits.maxBinaryBodyBytes,
    sharedFrom: SHARED_BODY_BYTES,
    budget: services.budgets.requestBodies,
  });
  if (text.length === 0) throw validationProblem([{ pointer: '', message: 'the body is empty: send the documents to process' }]);
  await checkUtf8Body(c, services, text);
  return respondCompute(c, services, {
    operation: mapReduceCustom,
    input: { functions, format, text, function: query.function },
    upload: text,
  });
}
