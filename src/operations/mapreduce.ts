/**
 * The built-in MapReduce jobs as operations, one registry entry per job (`mapreduce.wordcount`,
 * …). They share one plan (src/features/mapreduce/work.ts) and differ in their options; the
 * input is the job spec and the text, as documents or as an upload of UTF-8 bytes that the
 * caller has already checked.
 */
import { z } from 'zod';
import type { JobKind, JobResult, JobSpec } from '../compute/mapreduce/index.js';
import { type MapReduceInput, mapReduceWork } from '../features/mapreduce/work.js';
import type { JsonArrayEncoding } from './json-array.js';
import { type Operation, defineOperation } from './types.js';

export interface MapReduceOperationInput {
  readonly job: JobSpec;
  /** UTF-8 text (validated before the input was made) or documents. */
  readonly text: MapReduceInput;
}

const inputSchema = z.object({
  job: z.object({ kind: z.string() }).passthrough(),
  text: z.union([
    z.instanceof(Uint8Array),
    z.object({ bytes: z.instanceof(Uint8Array), ends: z.instanceof(Uint32Array) }),
    z.array(z.string()),
  ]),
}) as unknown as z.ZodType<MapReduceOperationInput>;

export function renderMapReduceResult(result: JobResult): unknown {
  const { kind, ...rest } = result;
  return { job: kind, ...rest };
}

/** The list each result carries: the part that may be large (10^5 words, 10^6 ids). */
const listField = { wordcount: 'top', letters: 'letters', index: 'words', grep: 'matches', sumbykey: 'keys' } as const satisfies Record<
  JobKind,
  string
>;
const listMarker = JSON.stringify('\u0000list\u0000');

/** The same JSON as `renderMapReduceResult`, its list encoded in slices. */
export function encodeMapReduceResult(result: JobResult): JsonArrayEncoding {
  const field = listField[result.kind];
  const body = renderMapReduceResult(result) as Record<string, unknown>;
  const items = body[field] as readonly unknown[];
  const text = JSON.stringify({ ...body, [field]: JSON.parse(listMarker) as string });
  const at = text.indexOf(listMarker);
  return {
    head: `${text.slice(0, at)}[`,
    count: items.length,
    item: (index) => JSON.stringify(items[index]),
    tail: `]${text.slice(at + listMarker.length)}`,
    // A word or an id list entry in the result and its JSON.
    itemBytes: 64,
  };
}

function mapReduceOperation<K extends JobKind>(kind: K): Operation<MapReduceOperationInput, JobResult> {
  return defineOperation({
    name: `mapreduce.${kind}`,
    input: inputSchema,
    plan: (input, context) =>
      mapReduceWork(input.job, input.text, context.threads, { validated: true }),
    render: (result: JobResult) => renderMapReduceResult(result),
    encode: (result: JobResult) => encodeMapReduceResult(result),
  });
}

export const mapReduceOperations = {
  'mapreduce.wordcount': mapReduceOperation('wordcount'),
  'mapreduce.letters': mapReduceOperation('letters'),
  'mapreduce.index': mapReduceOperation('index'),
  'mapreduce.grep': mapReduceOperation('grep'),
  'mapreduce.sumbykey': mapReduceOperation('sumbykey'),
} as const satisfies Record<`mapreduce.${JobKind}`, Operation<MapReduceOperationInput, JobResult>>;
