/**
 * The custom job's JSON body (`{ "job": "custom", "map": …, "reduce": …, "documents": [...] }`)
 * as a request the route completes: the sources checked for size, or the id of a stored
 * function for the route to look up; the documents, any JSON values, as NDJSON text (one
 * JSON.stringify per line), the form the sandbox reads uploads in too. As text they are
 * counted and cut by bytes, cross threads and the distributed codec as one buffer, and are
 * never walked as objects again.
 */
import { customRequestSchema } from '../features/mapreduce/schemas.js';
import type { Limits } from '../config.js';
import { checkSourceSizes, type SandboxFunctions } from '../sandbox/index.js';
import { type FieldError, InputError } from './errors.js';
import { zodFieldErrors } from './zod-issues.js';

export interface CustomMapReduceRequest {
  readonly job: 'custom';
  /** The sources, or the id of a stored function (the route looks it up for the caller's tenant). */
  readonly code: { readonly functions: SandboxFunctions } | { readonly functionId: string };
  /** The documents as UTF-8 NDJSON, one per line, in order. */
  readonly text: Uint8Array;
}

/** NDJSON this large goes into shared memory, as uploads do: a pool thread cuts it and its batches travel as views. */
const SHARED_TEXT_BYTES = 256 * 1024;

export function isCustomJobBody(body: unknown): boolean {
  return typeof body === 'object' && body !== null && !Array.isArray(body) && (body as { job?: unknown }).job === 'custom';
}

/** Either a function id or map and reduce (combine optional), never both: one error per field that is wrong. */
function codeOf(body: { map?: string | undefined; reduce?: string | undefined; combine?: string | undefined; function?: string | undefined }): CustomMapReduceRequest['code'] {
  const errors: FieldError[] = [];
  if (body.function !== undefined) {
    for (const name of ['map', 'combine', 'reduce'] as const) {
      if (body[name] !== undefined) errors.push({ pointer: `/${name}`, message: 'give either function (a stored function\'s id) or the sources, not both' });
    }
    if (errors.length > 0) throw new InputError(errors);
    return { functionId: body.function };
  }
  if (body.map === undefined) errors.push({ pointer: '/map', message: 'is required: the source of function map(document, emit), or give function, the id of a stored function' });
  if (body.reduce === undefined) errors.push({ pointer: '/reduce', message: 'is required: the source of function reduce(key, values), or give function, the id of a stored function' });
  if (errors.length > 0 || body.map === undefined || body.reduce === undefined) throw new InputError(errors);
  return { functions: { map: body.map, reduce: body.reduce, ...(body.combine === undefined ? {} : { combine: body.combine }) } };
}

/** Each document as one line of JSON (JSON.stringify never writes a raw newline). */
function ndjsonOf(documents: readonly unknown[]): Uint8Array {
  const lines = new Array<string>(documents.length);
  for (let index = 0; index < documents.length; index += 1) {
    try {
      lines[index] = JSON.stringify(documents[index]);
    } catch {
      // V8 stops at its stack's depth (a document nested some thousands of levels deep).
      throw new InputError([{ pointer: `/documents/${index}`, message: 'is nested too deeply to be passed on: flatten it' }]);
    }
  }
  const text = lines.join('\n');
  const bytes = Buffer.byteLength(text, 'utf8');
  const buffer = bytes >= SHARED_TEXT_BYTES ? new SharedArrayBuffer(bytes) : new ArrayBuffer(bytes);
  Buffer.from(buffer).write(text, 'utf8');
  return new Uint8Array(buffer);
}

export function parseCustomMapReduceBody(body: unknown, limits: Limits): CustomMapReduceRequest {
  const parsed = customRequestSchema(limits).safeParse(body);
  if (!parsed.success) throw new InputError(zodFieldErrors(parsed.error, 'json'));
  const code = codeOf(parsed.data);
  if ('functions' in code) checkSourceSizes(code.functions, limits.sandbox.maxSourceBytes);
  return { job: 'custom', code, text: ndjsonOf(parsed.data.documents) };
}
