/**
 * The requests of POST /v1/mapreduce as operation inputs: a JSON body (`{ job, documents,
 * ...options }`), or the query string of a text/plain upload (`?job=wordcount&top=5`), both
 * checked against the job's own option schema, its pattern and its bounds before any work
 * is dispatched.
 */
import { z } from 'zod';
import {
  compileLineMatcher,
  firstInvalidUtf8,
  documentsMatter,
  isValidUtf8,
  joinDocuments,
  packDocuments,
  PatternRefusedError,
  type JobSpec,
} from '../compute/mapreduce/index.js';
import type { Limits } from '../config.js';
import {
  builtInRequestSchema,
  customJobName,
  DEFAULT_GREP_MATCHES,
  DEFAULT_INDEX_DOCUMENTS,
  DEFAULT_INDEX_WORDS,
  DEFAULT_SUM_KEYS,
  DEFAULT_TOP,
  type JobName,
  jobNames,
  jobOptionShapes,
} from '../features/mapreduce/schemas.js';
import type { MapReduceOperationInput } from '../operations/mapreduce.js';
import { type FieldError, InputError, MalformedBodyError } from './errors.js';
import { describeJsonValue } from './json.js';
import { type CustomMapReduceRequest, isCustomJobBody, parseCustomMapReduceBody } from './mapreduce-custom.js';
import { zodFieldErrors } from './zod-issues.js';

export interface JobOptions {
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

export const jobList = [...jobNames, customJobName].join(', ');

/** Bounds an index answer: words × ids per word (each id costs memory on every thread, and JSON). */
export const MAX_INDEX_CELLS = 1_000_000;

function specOf(name: JobName, o: JobOptions): JobSpec {
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

/**
 * The job spec with its defaults, after the checks no schema can express: the index's
 * words × ids bound, and the grep pattern (compiled once here, so a refused pattern never
 * reaches a thread). `pointerPrefix` is where options live: `/` in a body, `#/query/` in a URL.
 */
export function jobSpecOf(name: JobName, options: JobOptions, pointerPrefix: string): JobSpec {
  const job = specOf(name, options);
  if (job.kind === 'index') {
    const cells = (job.maxWords ?? 0) * (job.maxDocumentsPerWord ?? 0);
    if (cells > MAX_INDEX_CELLS) {
      throw new InputError([
        {
          pointer: `${pointerPrefix}maxDocumentsPerWord`,
          message: `maxWords × maxDocumentsPerWord is ${cells}; at most ${MAX_INDEX_CELLS} ids can be asked for in one index`,
        },
      ]);
    }
  }
  if (job.kind === 'grep') {
    try {
      compileLineMatcher(job.pattern, job.literal ?? false, job.ignoreCase ?? false);
    } catch (error) {
      if (!(error instanceof PatternRefusedError)) throw error;
      const pointer = `${pointerPrefix}pattern`;
      throw new InputError([{ pointer, message: error.message }], `${pointer}: ${error.message}`, { reason: error.reason });
    }
  }
  return job;
}

/** Query strings to typed options, checked against the job's own option schema. */
export function optionsFromQuery(name: JobName, query: Readonly<Record<string, string | undefined>>): JobOptions {
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
  if (errors.length > 0) throw new InputError(errors);
  const parsed = z.object(shape).strict().safeParse(raw);
  if (!parsed.success) throw new InputError(zodFieldErrors(parsed.error, 'query'));
  return parsed.data as JobOptions;
}

/** Raw text must be UTF-8: the kernels count words and letters in it. */
export function checkUtf8Text(bytes: Uint8Array): void {
  if (!isValidUtf8(bytes)) throw invalidUtf8Text(firstInvalidUtf8(bytes));
}

export function invalidUtf8Text(offset: number): MalformedBodyError {
  return new MalformedBodyError(
    'invalid-utf8',
    `The body is not valid UTF-8: the first bad byte is at offset ${offset}. Convert the text first, e.g. \`iconv -f latin1 -t utf-8\`.`,
    offset,
  );
}

const maxItemErrors = 20;

/** A built-in job's input, or a custom job's request (completed by the route: src/features/mapreduce/custom.ts). */
export function parseMapReduceBody(body: unknown, limits: Limits): MapReduceOperationInput | CustomMapReduceRequest {
  if (isCustomJobBody(body)) return parseCustomMapReduceBody(body, limits);
  const parsed = builtInRequestSchema(limits, z.unknown() as unknown as z.ZodType<string>).safeParse(body);
  if (!parsed.success) {
    const errors = zodFieldErrors(parsed.error, 'json');
    parsed.error.issues.slice(0, errors.length).forEach((issue, index) => {
      // The discriminator failing is the one mistake worth naming the jobs for.
      if (issue.code === 'invalid_union' || (issue.code === 'invalid_value' && issue.path[0] === 'job')) {
        errors[index] = { pointer: '/job', message: `must be one of ${jobList}` };
      }
    });
    throw new InputError(errors);
  }
  const { job: name, documents, ...options } = parsed.data;
  const itemErrors: FieldError[] = [];
  for (let index = 0; index < documents.length && itemErrors.length < maxItemErrors; index += 1) {
    const document: unknown = documents[index];
    if (typeof document !== 'string') {
      itemErrors.push({ pointer: `/documents/${index}`, message: `must be a string, not ${describeJsonValue(document)}` });
    }
  }
  if (itemErrors.length > 0) throw new InputError(itemErrors);
  const job = jobSpecOf(name, options as JobOptions, '/');
  // Never an array of strings: a hundred thousand of them would cost the event loop a
  // deserialisation each when they come back from a parsing thread, and a message each to map.
  // Jobs that do not care where documents end read them as one text; the others, packed.
  const text = documentsMatter(job) ? packDocuments(documents as string[]) : joinDocuments(documents as string[]);
  return { job, text };
}
