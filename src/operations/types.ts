/**
 * Operations as data. An operation is one entry of the registry (src/operations/registry.ts):
 * a name, the schema of its validated input, a plan from input to the dispatcher's `Work`,
 * and a renderer from the computed value to the JSON body a client receives.
 *
 * A synchronous request, an embedded job and a job on another machine all run the same
 * entry on the same input, so a job is stored as `{ operation, input }` — data, never a
 * closure — and computes exactly what the synchronous call would. Inputs are plain data:
 * numbers, strings, booleans, bigints, arrays, plain objects and typed arrays (bulk values
 * such as an upload or a packed batch); src/operations/codec.ts turns them into JSON with
 * bulk bytes as blobs for stores that need it.
 */
import type { z } from 'zod';
import type { Limits } from '../config.js';
import type { Work } from '../dispatch/dispatcher.js';
import type { JsonArrayEncoding } from './json-array.js';

/** What a plan may depend on besides its input: the machine running it and the limits. */
export interface PlanContext {
  readonly threads: number;
  readonly limits: Limits;
  /** The deadline work on the event loop enforces itself, where it can (factoring checks the clock). */
  readonly loopDeadlineMs: number;
}

export interface Operation<I, V> {
  readonly name: string;
  /** The validated input, as stored in a job; checked again where a job is read back. */
  readonly input: z.ZodType<I>;
  plan(input: I, context: PlanContext): Work<V>;
  /** The JSON body of the result: the synchronous response and a job's `result` alike. */
  render(value: V, input: I): unknown;
  /**
   * The same JSON as `render`, as a large array encoded in slices (src/operations/json-array.ts),
   * for results too large to serialise in one go on the event loop.
   */
  encode?(value: V, input: I): JsonArrayEncoding;
}

/** An operation with its types erased, as the registry and the job runner hold it. */
export type AnyOperation = Operation<any, any>;

/** Identity with inference: `defineOperation({ ... })` checks the entry against its own input type. */
export function defineOperation<I, V>(operation: Operation<I, V>): Operation<I, V> {
  return operation;
}
