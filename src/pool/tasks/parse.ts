/** Pool tasks: large request bodies parsed and checked off the event loop. */
import type { Limits } from '../../config.js';
import { firstInvalidUtf8, isValidUtf8 } from '../../compute/mapreduce/index.js';
import { type JsonBodyInput, type JsonBodyName, parseJsonBody } from '../../inputs/bodies.js';

export interface ParseBodyInput<K extends JsonBodyName = JsonBodyName> {
  readonly body: K;
  readonly bytes: Uint8Array;
  readonly limits: Limits;
}

export function parseBody(input: ParseBodyInput): JsonBodyInput<JsonBodyName> {
  return parseJsonBody(input.body, input.bytes, input.limits);
}

/** The offset of the first byte that breaks UTF-8, or -1: a text upload checked on a thread. */
export function checkUtf8(input: { readonly bytes: Uint8Array }): number {
  return isValidUtf8(input.bytes) ? -1 : firstInvalidUtf8(input.bytes);
}
