/** Contract of stored functions: the body that stores one, its representation, the list. */
import { z } from '@hono/zod-openapi';
import type { StoredFunction } from '../../functions/types.js';
import { FunctionIdSchema } from '../mapreduce/schemas.js';

const exampleId = 'Yc4Jm0s2Qx9vTn5bW8eK1g';
const exampleSources = {
  map: 'function map(document, emit) {\n  for (const word of document.toLowerCase().split(/\\W+/)) if (word) emit(word, 1);\n}',
  combine: 'function combine(key, values) { return values.reduce((a, b) => a + b, 0); }',
  reduce: 'function reduce(key, values) { return values.reduce((a, b) => a + b, 0); }',
};

const source = (shape: string) =>
  z.string().openapi({ description: `JavaScript source defining \`${shape}\` (or one function expression); at most SANDBOX_MAX_SOURCE_BYTES of UTF-8.` });

export const FunctionRequestSchema = z
  .object({
    name: z.string().min(1).max(200).openapi({ description: 'Yours to choose (1 to 200 characters); ids, not names, identify functions.', example: 'word-count' }),
    map: source('function map(document, emit)'),
    combine: source('function combine(key, values)').optional(),
    reduce: source('function reduce(key, values)'),
  })
  .strict()
  .openapi('FunctionRequest', {
    description:
      'A set of user functions to store: checked and compiled once, then run by id (`{"job": "custom", "function": id}`, ' +
      'or `?job=custom&function=id` with a text/plain or NDJSON upload).',
    example: { name: 'word-count', ...exampleSources },
  });

const summaryShape = {
  id: z.string().openapi({ example: exampleId, description: 'Unguessable: 128 random bits.' }),
  name: z.string().openapi({ example: 'word-count' }),
  digest: z.string().openapi({ description: 'sha-256 of the sources (hex): equal digests, equal code.', example: 'c0ffee…' }),
  bytes: z.number().int().openapi({ description: 'UTF-8 bytes of name and sources, counted against FUNCTIONS_MAX_BYTES_PER_TENANT.' }),
  createdAt: z.string().openapi({ format: 'date-time' }),
  links: z.object({ self: z.string().openapi({ example: `/v1/functions/${exampleId}` }) }),
};

export const FunctionSummarySchema = z.object(summaryShape).openapi('FunctionSummary');

export const FunctionSchema = z
  .object({
    ...summaryShape,
    map: z.string(),
    combine: z.string().optional(),
    reduce: z.string(),
  })
  .openapi('Function');

export const FunctionListSchema = z
  .object({ functions: z.array(FunctionSummarySchema).openapi({ description: 'Yours, most recently stored first; without their sources.' }) })
  .openapi('FunctionList');

export const FunctionParamsSchema = z.object({
  id: FunctionIdSchema.openapi({ param: { name: 'id', in: 'path' }, example: exampleId }),
});

export function functionPath(id: string): string {
  return `/v1/functions/${id}`;
}

export function functionSummary(stored: StoredFunction): z.infer<typeof FunctionSummarySchema> {
  const { id, name, digest, bytes, createdAt } = stored;
  return { id, name, digest, bytes, createdAt, links: { self: functionPath(id) } };
}

export function functionView(stored: StoredFunction): z.infer<typeof FunctionSchema> {
  const { map, reduce, combine } = stored.functions;
  return { ...functionSummary(stored), map, ...(combine === undefined ? {} : { combine }), reduce };
}
