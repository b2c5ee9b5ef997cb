/**
 * The body of POST /v1/functions (`{ "name": …, "map": …, "combine": …, "reduce": … }`) as
 * checked sources: shape, then each source's size. Whether they compile is the sandbox's to
 * say (the route compiles them once on a pool thread).
 */
import type { Limits } from '../config.js';
import { FunctionRequestSchema } from '../features/functions/schemas.js';
import { checkSourceSizes, type SandboxFunctions } from '../sandbox/index.js';
import { InputError } from './errors.js';
import { zodFieldErrors } from './zod-issues.js';

export interface FunctionRequest {
  readonly name: string;
  readonly functions: SandboxFunctions;
}

export function parseFunctionBody(body: unknown, limits: Limits): FunctionRequest {
  const parsed = FunctionRequestSchema.safeParse(body);
  if (!parsed.success) throw new InputError(zodFieldErrors(parsed.error, 'json'));
  const { name, map, reduce, combine } = parsed.data;
  const functions: SandboxFunctions = { map, reduce, ...(combine === undefined ? {} : { combine }) };
  checkSourceSizes(functions, limits.sandbox.maxSourceBytes);
  return { name, functions };
}
