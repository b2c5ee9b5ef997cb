/**
 * `mapreduce.custom`: user map, combine and reduce functions over UTF-8 text, in the sandbox
 * (src/features/mapreduce/custom-work.ts). The input holds the sources themselves, also when
 * the call named a stored function: a job is data that runs anywhere, and deleting the
 * function later does not change a job already accepted.
 */
import { z } from 'zod';
import { type CustomMapReduceInput, type CustomMapReduceValue, customMapReduceWork } from '../features/mapreduce/custom-work.js';
import type { JsonArrayEncoding } from './json-array.js';
import { defineOperation } from './types.js';

const inputSchema = z.object({
  functions: z.object({ map: z.string(), reduce: z.string(), combine: z.string().optional() }),
  format: z.enum(['lines', 'ndjson']),
  text: z.instanceof(Uint8Array),
  function: z.string().optional(),
}) as unknown as z.ZodType<CustomMapReduceInput>;

/** The body without its results, as JSON text ending in `"results":`. */
function headOf(value: CustomMapReduceValue, input: CustomMapReduceInput): string {
  const head = { job: 'custom', ...(input.function === undefined ? {} : { function: input.function }), documents: value.documents, emitted: value.emitted };
  return `${JSON.stringify(head).slice(0, -1)},"results":`;
}

export const mapReduceCustom = defineOperation<CustomMapReduceInput, CustomMapReduceValue>({
  name: 'mapreduce.custom',
  input: inputSchema,
  plan: (input, context) => customMapReduceWork(input, context),
  render: (value, input) => JSON.parse(`${headOf(value, input)}${value.resultsJson}}`) as unknown,
  /**
   * The results are already JSON text (built on a pool thread): the body is that text between
   * a head and a tail, one "item", never parsed or serialised again on the event loop.
   */
  encode: (value, input): JsonArrayEncoding => ({
    head: `${headOf(value, input)}[`,
    count: value.count === 0 ? 0 : 1,
    item: () => value.resultsJson.slice(1, -1),
    tail: ']}',
    itemBytes: value.resultsJson.length,
  }),
});
