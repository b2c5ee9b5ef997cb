/**
 * Contract of POST /v1/mapreduce: per-job options (the same names in the JSON body and in
 * the query string of a text/plain upload) and one result shape per job, told apart by
 * `job`. HTTP defaults are smaller than the kernel caps so an unbounded request cannot ask
 * for a huge answer by accident; the caps are the maxima.
 */
import { z } from '@hono/zod-openapi';
import {
  MAX_GREP_MATCHES,
  MAX_INDEX_DOCUMENTS,
  MAX_INDEX_WORDS,
  MAX_PATTERN_LENGTH,
  MAX_SUM_KEYS,
  MAX_TOP_WORDS,
} from '../../compute/mapreduce/index.js';
import type { Limits } from '../../config.js';

export const jobNames = ['wordcount', 'letters', 'index', 'grep', 'sumbykey'] as const;
export type JobName = (typeof jobNames)[number];

export const DEFAULT_TOP = 100;
export const DEFAULT_INDEX_WORDS = 1_000;
export const DEFAULT_INDEX_DOCUMENTS = 100;
export const DEFAULT_GREP_MATCHES = 1_000;
export const DEFAULT_SUM_KEYS = 10_000;
/** Literal grep patterns may be longer than regex ones; they cannot backtrack. */
export const MAX_LITERAL_LENGTH = 64 * MAX_PATTERN_LENGTH;

const count = (max: number, fallback: number, what: string) =>
  z.number().int().min(0).max(max).openapi({ description: `${what} (default ${fallback}, at most ${max}).` });

const caseFold = z.boolean().openapi({ description: 'Lower-case with `String.prototype.toLowerCase()` before counting (default true).' });

/** Options per job, without `job` and the input; strict, so an option of another job is refused. */
export const jobOptionShapes = {
  wordcount: {
    caseFold: caseFold.optional(),
    top: count(MAX_TOP_WORDS, DEFAULT_TOP, 'How many of the most frequent words to return').optional(),
  },
  letters: {
    caseFold: caseFold.optional(),
  },
  index: {
    caseFold: caseFold.optional(),
    maxWords: count(MAX_INDEX_WORDS, DEFAULT_INDEX_WORDS, 'Words returned, the first in code-point order').optional(),
    maxDocumentsPerWord: count(MAX_INDEX_DOCUMENTS, DEFAULT_INDEX_DOCUMENTS, 'Document ids per word, the smallest').optional(),
  },
  grep: {
    pattern: z.string().min(1).max(MAX_LITERAL_LENGTH).openapi({
      description:
        `A JavaScript regular expression (compiled with the \`u\` flag, at most ${MAX_PATTERN_LENGTH} characters), or a plain ` +
        'substring when `literal` is true. Refused: backreferences, lookarounds, quantified groups that contain a ' +
        'quantifier or `|`, counted repetition above {1000}.',
      example: 'error|warn',
    }),
    literal: z.boolean().optional().openapi({ description: 'Match `pattern` as a plain substring (default false).' }),
    ignoreCase: z.boolean().optional().openapi({ description: 'Case-insensitive matching (default false).' }),
    maxMatches: count(MAX_GREP_MATCHES, DEFAULT_GREP_MATCHES, 'Matching lines returned, the first in (document, line) order').optional(),
  },
  sumbykey: {
    maxKeys: count(MAX_SUM_KEYS, DEFAULT_SUM_KEYS, 'Keys returned, the first in code-point order').optional(),
  },
} as const;

/** The job that runs the caller's own functions; not one of the kernels' job kinds. */
export const customJobName = 'custom';

/** `document`: the schema of each document; the parser checks items itself (see primeCheckBatchRequestSchema). */
function builtInVariants(limits: Limits, document: z.ZodType<string>) {
  const documents = z
    .array(document)
    .min(1)
    .max(limits.maxBatchItems)
    .openapi({
      description:
        `1 to ${limits.maxBatchItems} documents, each a string. Document ids are their indexes (0, 1, …); ` +
        'grep and sumbykey number lines from 1 within each document.',
      example: ['The cat sat.', 'The dog sat on the cat.'],
    });
  const variant = <N extends JobName, S extends z.ZodRawShape>(job: N, shape: S) =>
    z.object({ job: z.literal(job), documents, ...shape }).strict();
  return [
    variant('wordcount', jobOptionShapes.wordcount).openapi('WordCountRequest'),
    variant('letters', jobOptionShapes.letters).openapi('LettersRequest'),
    variant('index', jobOptionShapes.index).openapi('IndexRequest'),
    variant('grep', jobOptionShapes.grep).openapi('GrepRequest'),
    variant('sumbykey', jobOptionShapes.sumbykey).openapi('SumByKeyRequest'),
  ] as const;
}

/** The built-in jobs' bodies (what parseMapReduceBody checks once the job is not `custom`). */
export function builtInRequestSchema(limits: Limits, document: z.ZodType<string> = z.string()) {
  return z.discriminatedUnion('job', builtInVariants(limits, document));
}

const functionIdPattern = /^[A-Za-z0-9_-]{1,64}$/;

/** A source of user code; its size in UTF-8 bytes is checked by the parser (`sandbox-limit` 422). */
export function sourceSchema(limits: Limits, shape: string) {
  return z.string().openapi({
    description: `JavaScript source defining \`${shape}\` (or one function expression), at most ${limits.sandbox.maxSourceBytes} bytes of UTF-8 (SANDBOX_MAX_SOURCE_BYTES).`,
  });
}

export const FunctionIdSchema = z.string().regex(functionIdPattern, 'must be the id of a stored function (letters, digits, _ and -)');

/** The custom job's body: user sources (or a stored function's id) and any JSON documents. */
export function customRequestSchema(limits: Limits) {
  return z
    .object({
      job: z.literal(customJobName),
      map: sourceSchema(limits, 'function map(document, emit)').optional(),
      combine: sourceSchema(limits, 'function combine(key, values)').optional(),
      reduce: sourceSchema(limits, 'function reduce(key, values)').optional(),
      function: FunctionIdSchema.optional().openapi({
        description: 'The id of a stored function (POST /v1/functions), instead of map, combine and reduce.',
        example: 'pZ1tq2yS3x8Hn0mV4dR7aQ',
      }),
      documents: z
        .array(z.unknown())
        .min(1)
        .max(limits.maxBatchItems)
        .openapi({ description: `1 to ${limits.maxBatchItems} documents, any JSON values; map is called once per document, in order.` }),
    })
    .strict()
    .openapi('CustomMapReduceRequest', {
      description:
        'Your own map (and optional combine) and reduce functions, run in a sandbox over the documents. Give either ' +
        '`map` and `reduce` (and optionally `combine`), or `function`, the id of a stored set of them.',
      example: {
        job: 'custom',
        map: 'function map(document, emit) { for (const word of document.split(/\\s+/)) if (word) emit(word, 1); }',
        reduce: 'function reduce(key, values) { return values.reduce((a, b) => a + b, 0); }',
        documents: ['the cat sat', 'the dog sat'],
      },
    });
}

export function mapReduceRequestSchema(limits: Limits) {
  return z
    .discriminatedUnion('job', [...builtInVariants(limits, z.string()), customRequestSchema(limits)])
    .openapi('MapReduceRequest', {
      description: 'A built-in job over a list of documents (the options depend on `job`), or `custom`: your own functions.',
      example: { job: 'wordcount', documents: ['The cat sat.', 'The dog sat on the cat.'], top: 3 },
    });
}

export type MapReduceRequest = z.infer<ReturnType<typeof mapReduceRequestSchema>>;

const flag = z.enum(['true', 'false']);
// An integer in the contract; read as a string and checked per job by optionsFromQuery.
const queryCount = (max: number, what: string) =>
  z.string().optional().openapi({ type: 'integer', minimum: 0, maximum: max, description: `${what}: a whole number from 0 to ${max}.`, example: 10 });

/** The query string of a text/plain upload; every value is a string, checked per job in the handler. */
export const MapReduceQuerySchema = z.object({
  job: z
    .enum([...jobNames, customJobName])
    .optional()
    .openapi({ description: 'The job to run. Required with a text/plain or NDJSON body; with JSON, put it in the body.' }),
  function: FunctionIdSchema.optional().openapi({
    description: 'custom (required): the id of a stored function (POST /v1/functions) to run over the upload.',
  }),
  caseFold: flag.optional().openapi({ description: 'wordcount, letters, index.' }),
  top: queryCount(MAX_TOP_WORDS, 'wordcount'),
  maxWords: queryCount(MAX_INDEX_WORDS, 'index'),
  maxDocumentsPerWord: queryCount(MAX_INDEX_DOCUMENTS, 'index'),
  pattern: z.string().optional().openapi({ description: 'grep (URL-encode it).' }),
  literal: flag.optional().openapi({ description: 'grep.' }),
  ignoreCase: flag.optional().openapi({ description: 'grep.' }),
  maxMatches: queryCount(MAX_GREP_MATCHES, 'grep'),
  maxKeys: queryCount(MAX_SUM_KEYS, 'sumbykey'),
});

export type MapReduceQuery = z.infer<typeof MapReduceQuerySchema>;

/** The query of `POST /v1/mapreduce/text`, as documented: `job` is required there. */
export const MapReduceTextQuerySchema = MapReduceQuerySchema.extend({
  job: z.enum([...jobNames, customJobName]).openapi({ description: 'The job to run; `custom` runs a stored function (`function`) with each line a document.' }),
});

/** The query of `POST /v1/mapreduce/ndjson`: only the stored function to run. */
export const MapReduceNdjsonQuerySchema = z.object({
  function: FunctionIdSchema.openapi({ description: 'The id of a stored function (POST /v1/functions) to run over the upload.' }),
});

// ---- results ----

const nonNegative = z.number().int().min(0);

const WordCountResultSchema = z
  .object({
    job: z.literal('wordcount'),
    totalWords: nonNegative,
    distinctWords: nonNegative,
    top: z
      .array(z.object({ word: z.string(), count: nonNegative }))
      .openapi({ description: 'Most frequent first; equal counts in code-point order of the word.' }),
  })
  .openapi('WordCountResult', {
    description:
      'A word is a maximal run of Unicode letters, marks and digits (`\\p{L}`, `\\p{M}`, `\\p{N}`); an apostrophe ' +
      "(' or ’) between two such characters belongs to the word (\"don't\").",
    example: { job: 'wordcount', totalWords: 9, distinctWords: 5, top: [{ word: 'the', count: 3 }, { word: 'cat', count: 2 }, { word: 'sat', count: 2 }] },
  });

const LettersResultSchema = z
  .object({
    job: z.literal('letters'),
    totalLetters: nonNegative,
    letters: z
      .array(z.object({ letter: z.string(), count: nonNegative }))
      .openapi({ description: 'Every letter (`\\p{L}`) seen, most frequent first; ties in code-point order.' }),
  })
  .openapi('LettersResult', { example: { job: 'letters', totalLetters: 6, letters: [{ letter: 'a', count: 3 }, { letter: 'b', count: 2 }, { letter: 'é', count: 1 }] } });

const IndexResultSchema = z
  .object({
    job: z.literal('index'),
    words: z.array(
      z.object({
        word: z.string(),
        documents: z.array(nonNegative).openapi({ description: 'Ascending document ids (line numbers for text/plain input).' }),
        documentsTruncated: z.boolean().openapi({ description: 'True when the word is in more than maxDocumentsPerWord documents.' }),
      }),
    ),
    truncated: z.boolean().openapi({ description: 'True when more than maxWords distinct words exist.' }),
  })
  .openapi('IndexResult', {
    description: 'Inverted index. Words in code-point order. With JSON input a document is an entry of `documents`; with text/plain input each line is a document and its id is its line number (from 1).',
    example: { job: 'index', words: [{ word: 'cat', documents: [0, 1], documentsTruncated: false }, { word: 'dog', documents: [1], documentsTruncated: false }], truncated: false },
  });

const GrepResultSchema = z
  .object({
    job: z.literal('grep'),
    matches: z.array(
      z.object({
        document: nonNegative.openapi({ description: 'Document index (0 for text/plain input).' }),
        line: nonNegative.openapi({ description: 'Line number within the document, from 1.' }),
        text: z.string().openapi({ description: 'The line without its line ending.' }),
      }),
    ),
    matchCount: nonNegative.openapi({ description: 'All matching lines, returned or not.' }),
    truncated: z.boolean(),
  })
  .openapi('GrepResult', { example: { job: 'grep', matches: [{ document: 1, line: 1, text: 'The dog sat on the cat.' }], matchCount: 1, truncated: false } });

const SumByKeyResultSchema = z
  .object({
    job: z.literal('sumbykey'),
    keys: z.array(
      z.object({
        key: z.string(),
        sum: z.string().openapi({ description: 'The exact decimal sum, e.g. "-12.5": no exponent, no trailing fractional zeros.' }),
        count: nonNegative,
      }),
    ),
    distinctKeysTruncated: z.boolean(),
    lines: nonNegative.openapi({ description: 'Non-blank lines seen.' }),
    skipped: nonNegative.openapi({ description: 'Malformed lines (no comma, empty key, value not a plain decimal), counted and skipped.' }),
    firstSkipped: z
      .object({ document: nonNegative, line: nonNegative })
      .nullable()
      .openapi({ description: 'Where the first malformed line is, or null.' }),
  })
  .openapi('SumByKeyResult', {
    description: 'Lines `key,value`: split at the first comma, blanks trimmed; values are plain decimals summed exactly.',
    example: {
      job: 'sumbykey',
      keys: [{ key: 'apples', sum: '3.75', count: 2 }, { key: 'pears', sum: '-1', count: 1 }],
      distinctKeysTruncated: false,
      lines: 4,
      skipped: 1,
      firstSkipped: { document: 0, line: 1 },
    },
  });

const CustomResultSchema = z
  .object({
    job: z.literal(customJobName),
    function: z.string().optional().openapi({ description: 'The stored function that ran, when it was named by id.' }),
    documents: nonNegative.openapi({ description: 'Documents mapped (lines of a text/plain upload, non-blank lines of NDJSON).' }),
    emitted: nonNegative.openapi({ description: 'emit() calls made by map.' }),
    results: z
      .array(
        z.object({
          key: z.union([z.string(), z.number()]),
          value: z.unknown().openapi({ description: 'What reduce returned for the key: any JSON value.' }),
        }),
      )
      .openapi({ description: 'One per distinct key, in key order: number keys ascending, then string keys by Unicode code point.' }),
  })
  .openapi('CustomResult', {
    example: { job: 'custom', documents: 2, emitted: 6, results: [{ key: 'cat', value: 1 }, { key: 'dog', value: 1 }, { key: 'sat', value: 2 }, { key: 'the', value: 2 }] },
  });

export const MapReduceResultSchema = z
  .discriminatedUnion('job', [WordCountResultSchema, LettersResultSchema, IndexResultSchema, GrepResultSchema, SumByKeyResultSchema, CustomResultSchema])
  .openapi('MapReduceResult', { description: 'The result of the job named by `job`.' });

/** The result schema of each job: a job's `result` is typed by its operation (`mapreduce.<job>`). */
export const mapReduceResultSchemas = {
  wordcount: WordCountResultSchema,
  letters: LettersResultSchema,
  index: IndexResultSchema,
  grep: GrepResultSchema,
  sumbykey: SumByKeyResultSchema,
  custom: CustomResultSchema,
} as const satisfies Record<JobName | typeof customJobName, z.ZodType>;
