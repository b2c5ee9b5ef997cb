/** What the function store refuses, as plain errors with the facts; the edge maps them to problems. */

export class FunctionNotFoundError extends Error {
  override readonly name = 'FunctionNotFoundError';
  constructor(readonly functionId: string) {
    super(`There is no stored function ${functionId}. Ids come from the Location header of POST /v1/functions; GET /v1/functions lists yours.`);
  }
}

/** The tenant already holds as many functions, or as many bytes of them, as it may. */
export class FunctionStoreFullError extends Error {
  override readonly name = 'FunctionStoreFullError';
  constructor(
    readonly limit: 'count' | 'bytes',
    readonly maximum: number,
    readonly used: number,
  ) {
    super(
      limit === 'count'
        ? `You already store ${used} functions, the most allowed (FUNCTIONS_MAX_PER_TENANT = ${maximum}); delete one first.`
        : `Your stored functions would take ${used} bytes, beyond the ${maximum} allowed (FUNCTIONS_MAX_BYTES_PER_TENANT); delete some first.`,
    );
  }
}

/** The shared store (Redis, in the distributed mode) cannot be reached. */
export class FunctionStoreUnavailableError extends Error {
  override readonly name = 'FunctionStoreUnavailableError';
  constructor(options?: ErrorOptions) {
    super('The function store (Redis) cannot be reached right now; retry shortly.', options);
  }
}
