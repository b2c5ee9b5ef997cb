/**
 * What can go wrong with user code, as errors a client can act on. Plain data fields, no
 * HTTP: the edge maps them to problems (all are the client's doing, so 4xx). They travel
 * from the sandbox process to a pool thread and on to the main thread as `SandboxErrorData`
 * (see src/pool/worker.ts) and are rebuilt on the way out.
 */
import type { SandboxFunctionName, SandboxKey } from './types.js';

/** `output`: emitted pairs or their bytes in one map run; `result`: bytes of reduce results. */
export type SandboxLimitName = 'memory' | 'cpu' | 'stack' | 'source' | 'output' | 'result';

/** Where in the user's code or data a failure happened, as far as it is known. */
export interface SandboxLocation {
  readonly function?: SandboxFunctionName;
  /** 1-based, within that function's source. */
  readonly line?: number;
  readonly column?: number;
  /** Index of the document being mapped, within the job. */
  readonly document?: number;
  /** Key being combined or reduced. */
  readonly key?: SandboxKey;
}

export class SandboxError extends Error {
  override readonly name: string = 'SandboxError';
  readonly location: SandboxLocation;
  constructor(message: string, location: SandboxLocation = {}) {
    super(message);
    this.location = location;
  }
}

/** A source does not parse, or does not define the function it should. */
export class SandboxSyntaxError extends SandboxError {
  override readonly name = 'SandboxSyntaxError';
}

/** User code threw. `thrown` says what: an error's name (`TypeError`), or `string`, `object`, … */
export class SandboxUserError extends SandboxError {
  override readonly name = 'SandboxUserError';
  constructor(
    message: string,
    location: SandboxLocation,
    readonly thrown: string,
  ) {
    super(message, location);
  }
}

/** User code produced something the contract refuses: a bad key, a value that is not JSON, a Promise. */
export class SandboxValueError extends SandboxError {
  override readonly name = 'SandboxValueError';
}

/** A document of the input cannot be read (an NDJSON line that is not JSON, values that are not JSON). */
export class SandboxInputError extends SandboxError {
  override readonly name = 'SandboxInputError';
}

/** A run went past one of its limits. `maximum` is in `unit`. */
export class SandboxLimitError extends SandboxError {
  override readonly name = 'SandboxLimitError';
  constructor(
    message: string,
    readonly limit: SandboxLimitName,
    readonly maximum: number,
    readonly unit: string,
    location: SandboxLocation = {},
  ) {
    super(message, location);
  }
}

/**
 * The sandbox process died during a run with no sign of running out of memory (a V8 or
 * isolated-vm abort on hostile input). It is replaced; other work is untouched.
 */
export class SandboxCrashError extends SandboxError {
  override readonly name = 'SandboxCrashError';
}

export type SandboxErrorData =
  | {
      readonly name: 'SandboxSyntaxError' | 'SandboxValueError' | 'SandboxInputError' | 'SandboxCrashError';
      readonly message: string;
      readonly location: SandboxLocation;
    }
  | { readonly name: 'SandboxUserError'; readonly message: string; readonly location: SandboxLocation; readonly thrown: string }
  | {
      readonly name: 'SandboxLimitError';
      readonly message: string;
      readonly location: SandboxLocation;
      readonly limit: SandboxLimitName;
      readonly maximum: number;
      readonly unit: string;
    };

export function sandboxErrorToData(error: SandboxError): SandboxErrorData {
  const { message, location } = error;
  if (error instanceof SandboxUserError) return { name: error.name, message, location, thrown: error.thrown };
  if (error instanceof SandboxLimitError) {
    return { name: error.name, message, location, limit: error.limit, maximum: error.maximum, unit: error.unit };
  }
  if (error instanceof SandboxSyntaxError || error instanceof SandboxValueError || error instanceof SandboxInputError) {
    return { name: error.name, message, location };
  }
  return { name: 'SandboxCrashError', message, location };
}

export function sandboxErrorFromData(data: SandboxErrorData): SandboxError {
  switch (data.name) {
    case 'SandboxSyntaxError':
      return new SandboxSyntaxError(data.message, data.location);
    case 'SandboxValueError':
      return new SandboxValueError(data.message, data.location);
    case 'SandboxInputError':
      return new SandboxInputError(data.message, data.location);
    case 'SandboxCrashError':
      return new SandboxCrashError(data.message, data.location);
    case 'SandboxUserError':
      return new SandboxUserError(data.message, data.location, data.thrown);
    case 'SandboxLimitError':
      return new SandboxLimitError(data.message, data.limit, data.maximum, data.unit, data.location);
  }
}

/**
 * A run stopped because its caller cancelled it. Internal: the pool answers a cancelled
 * task with its signal's reason, so callers never see this one.
 */
export class RunCancelledError extends Error {
  override readonly name = 'RunCancelledError';
}
