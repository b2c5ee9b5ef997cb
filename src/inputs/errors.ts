/**
 * What request parsing refuses. Parsers (src/inputs/) run on the event loop for small
 * bodies and on a pool thread for large ones, so their errors are plain data that survive
 * the trip out of a thread (src/pool/task-errors.ts); the HTTP edge maps them to problems.
 */

export interface FieldError {
  /** JSON Pointer (RFC 6901) into the body, e.g. `/numbers/3`, or `#/query/from` for parameters. */
  readonly pointer: string;
  readonly message: string;
}

/** Well-formed input with unacceptable values: 422 `validation-failed`, one entry per field. */
export class InputError extends Error {
  override readonly name = 'InputError';
  constructor(
    readonly errors: readonly FieldError[],
    detail?: string,
    /** Facts beyond the field errors, e.g. why a pattern was refused. */
    readonly extensions: Readonly<Record<string, unknown>> = {},
  ) {
    super(detail ?? summarise(errors));
  }
}

function summarise(errors: readonly FieldError[]): string {
  const first = errors[0];
  if (first === undefined) return 'The request is not valid.';
  return `${first.pointer || 'the body'}: ${first.message}${errors.length > 1 ? ` (and ${errors.length - 1} more)` : ''}`;
}

/**
 * A body that cannot be read as what its media type says: 400. `reason` tells invalid
 * UTF-8 from broken JSON; `offset` is the byte offset of the first bad byte, or of the JSON
 * token that broke, where known.
 */
export class MalformedBodyError extends Error {
  override readonly name = 'MalformedBodyError';
  constructor(
    readonly reason: 'invalid-utf8' | 'malformed-json' | 'too-deep',
    message: string,
    readonly offset?: number,
  ) {
    super(message);
  }
}
