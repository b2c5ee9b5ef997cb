/** Pool task: a large JSON request body parsed and checked into its operation input, off the event loop. */
import type { Limits } from '../../config.js';
import { type JsonBodyInput, type JsonBodyName, parseJsonBody } from '../../inputs/bodies.js';

export interface ParseBodyInput<K extends JsonBodyName = JsonBodyName> {
  readonly body: K;
  readonly bytes: Uint8Array;
  readonly limits: Limits;
}

export function parseBody(input: ParseBodyInput): JsonBodyInput<JsonBodyName> {
  return parseJsonBody(input.body, input.bytes, input.limits);
}
