/**
 * Kernels reject input they cannot compute with a `ComputeInputError`: a client mistake,
 * never a crash. It survives the trip out of a worker thread as plain data (see
 * src/pool/worker.ts) and becomes a 4xx problem at the HTTP edge.
 */
export class ComputeInputError extends Error {
  override readonly name = 'ComputeInputError';
  constructor(
    message: string,
    /** JSON pointer into the request, where the kernel knows which item was wrong. */
    readonly pointer?: string,
  ) {
    super(message);
  }
}
