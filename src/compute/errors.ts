/**
 * Kernels reject input they cannot compute with a `ComputeInputError`: a client mistake,
 * never a crash. It survives the trip out of a worker thread as plain data (see
 * src/pool/worker.ts) and becomes a 4xx problem at the HTTP edge.
 */
export class ComputeInputError extends Error {
  override readonly name: string = 'ComputeInputError';
  constructor(
    message: string,
    /** JSON pointer into the request, where the kernel knows which item was wrong. */
    readonly pointer?: string,
  ) {
    super(message);
  }
}

/**
 * The answer would be larger than the kernel will build (its text, in bytes): a 422 like any
 * input error, since the client can ask for less. `limit` names the bound that was hit.
 */
export class ResultTooLargeError extends ComputeInputError {
  override readonly name = 'ResultTooLargeError';
  constructor(
    message: string,
    readonly limit: number,
    pointer?: string,
  ) {
    super(message, pointer);
  }
}
