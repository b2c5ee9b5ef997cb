/**
 * Errors that cross the thread boundary as data. A task's client-facing errors (bad input
 * found by a kernel or a parser) must come back as the same classes, so the edge maps them
 * to the same 4xx problems whether the work ran inline or on a thread; anything else comes
 * back as an internal error with its message, and the thread lives on.
 */
import { ComputeInputError, ResultTooLargeError } from '../compute/errors.js';
import { InputError, MalformedBodyError } from '../inputs/errors.js';
import { SandboxError, type SandboxErrorData, sandboxErrorFromData, sandboxErrorToData } from '../sandbox/errors.js';

export interface TaskErrorData {
  /** The class name of a known error, or `internal`. */
  readonly kind: string;
  readonly message: string;
  readonly fields?: Readonly<Record<string, unknown>>;
}

interface ErrorCodec<E extends Error> {
  readonly type: abstract new (...args: never[]) => E;
  fields(error: E): Record<string, unknown>;
  revive(message: string, fields: Readonly<Record<string, unknown>>): E;
}

function codec<E extends Error>(entry: ErrorCodec<E>): ErrorCodec<E> {
  return entry;
}

/** Every error a task may throw on purpose, by class name. */
const codecs: Record<string, ErrorCodec<Error>> = {
  // Every subclass (syntax, user, limit, …) travels as its data and comes back as itself.
  SandboxError: codec({
    type: SandboxError,
    fields: (error) => ({ sandbox: sandboxErrorToData(error) }),
    revive: (_message, fields) => sandboxErrorFromData(fields['sandbox'] as SandboxErrorData),
  }),
  // Before its base class: codecs are tried in order.
  ResultTooLargeError: codec({
    type: ResultTooLargeError,
    fields: (error) => ({ limit: error.limit, ...(error.pointer === undefined ? {} : { pointer: error.pointer }) }),
    revive: (message, fields) => new ResultTooLargeError(message, fields['limit'] as number, fields['pointer'] as string | undefined),
  }),
  ComputeInputError: codec({
    type: ComputeInputError,
    fields: (error) => (error.pointer === undefined ? {} : { pointer: error.pointer }),
    revive: (message, fields) => new ComputeInputError(message, fields['pointer'] as string | undefined),
  }),
  InputError: codec({
    type: InputError,
    fields: (error) => ({ errors: error.errors, extensions: error.extensions }),
    revive: (message, fields) =>
      new InputError(fields['errors'] as InputError['errors'], message, fields['extensions'] as InputError['extensions']),
  }),
  MalformedBodyError: codec({
    type: MalformedBodyError,
    fields: (error) => ({ reason: error.reason, ...(error.offset === undefined ? {} : { offset: error.offset }) }),
    revive: (message, fields) =>
      new MalformedBodyError(fields['reason'] as MalformedBodyError['reason'], message, fields['offset'] as number | undefined),
  }),
};

export function taskErrorData(error: unknown): TaskErrorData {
  for (const [kind, entry] of Object.entries(codecs)) {
    if (error instanceof entry.type) return { kind, message: error.message, fields: entry.fields(error) };
  }
  const message = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  return { kind: 'internal', message };
}

/** The error a task threw, as its own class where it is one of the known ones. */
export function reviveTaskError(task: string, data: TaskErrorData): Error {
  const entry = codecs[data.kind];
  if (entry !== undefined) return entry.revive(data.message, data.fields ?? {});
  return new Error(`pool task ${task} failed: ${data.message}`);
}
