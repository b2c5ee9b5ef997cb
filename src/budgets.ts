/**
 * Memory budgets, in bytes. Every buffer that a client can make the server hold — request
 * bodies being read, inputs of queued jobs, retained job results, responses waiting for slow
 * readers — is charged to one of these before it is held and credited when it is let go;
 * past the limit the request is refused (503) instead of the process growing until it dies.
 */

export class ByteBudget {
  #used = 0;
  #peak = 0;

  constructor(
    /** What the budget is for, as named in messages and metrics: `request bodies`, `job results`, … */
    readonly name: string,
    readonly limit: number,
  ) {}

  get used(): number {
    return this.#used;
  }

  /** The most ever held at once since start. */
  get peak(): number {
    return this.#peak;
  }

  get available(): number {
    return Math.max(0, this.limit - this.#used);
  }

  /** Charges `bytes` if they fit and says whether they did. */
  tryCharge(bytes: number): boolean {
    if (bytes < 0 || this.#used + bytes > this.limit) return false;
    this.#used += bytes;
    if (this.#used > this.#peak) this.#peak = this.#used;
    return true;
  }

  credit(bytes: number): void {
    this.#used = Math.max(0, this.#used - bytes);
  }
}

export interface Budgets {
  /** Request bodies being read or held by synchronous requests. */
  readonly requestBodies: ByteBudget;
  /** Inputs (uploads, parsed bodies) of jobs queued or running. */
  readonly jobInputs: ByteBudget;
  /** Results of finished jobs, kept until they expire. */
  readonly jobResults: ByteBudget;
  /** Large responses being written to clients, slow readers included. */
  readonly responses: ByteBudget;
}

/**
 * About how many bytes a plain value holds: typed arrays by their byte length (a view of a
 * shared buffer counts its view), strings at one byte per UTF-16 unit (V8 keeps ASCII text
 * one byte per character), bigints by their bits, plus a little per element. Walks arrays
 * and plain objects — the shapes of operation inputs — to a bounded depth.
 */
export function plainDataBytes(value: unknown, depth = 0): number {
  if (ArrayBuffer.isView(value)) return value.byteLength;
  switch (typeof value) {
    case 'string':
      return value.length + 16;
    case 'bigint':
      return Math.ceil((value < 0n ? -value : value).toString(16).length / 2) + 16;
    case 'object': {
      if (value === null || depth > 8) return 8;
      let bytes = 16;
      if (Array.isArray(value)) for (const item of value) bytes += plainDataBytes(item, depth + 1);
      else for (const item of Object.values(value)) bytes += 8 + plainDataBytes(item, depth + 1);
      return bytes;
    }
    default:
      return 8;
  }
}
