/**
 * The JSON request bodies crunch parses into operation inputs, by name. The same parser runs
 * on the event loop for a small body and on a pool thread for a large one
 * (src/http/json-body.ts decides), so a 16 MiB body never holds the loop while it is parsed
 * and checked, and both give the same input and the same errors.
 */
import type { Limits } from '../config.js';
import { parseFunctionBody } from './functions.js';
import { parseJsonBytes } from './json.js';
import { parseMapReduceBody } from './mapreduce.js';
import { parseFactorBody, parsePrimeCheckBody } from './primes.js';
import { parseReduceBody } from './reduce.js';

export const jsonBodies = {
  'primes.check': parsePrimeCheckBody,
  'primes.factor': parseFactorBody,
  reduce: parseReduceBody,
  mapreduce: parseMapReduceBody,
  functions: parseFunctionBody,
} as const;

export type JsonBodyName = keyof typeof jsonBodies;
export type JsonBodyInput<K extends JsonBodyName> = ReturnType<(typeof jsonBodies)[K]>;

export function parseJsonBody<K extends JsonBodyName>(name: K, bytes: Uint8Array, limits: Limits): JsonBodyInput<K> {
  return jsonBodies[name](parseJsonBytes(bytes), limits) as JsonBodyInput<K>;
}
