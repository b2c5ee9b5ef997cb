/**
 * A big text/plain upload cut into chunks while it is still arriving, so the pool maps the
 * first megabytes while the rest is on the wire. The bytes land in one SharedArrayBuffer
 * of the declared length; a chunk (whole lines, so whole UTF-8 sequences) is released as
 * soon as at least `chunkBytes` have arrived past the previous cut and a newline ends them.
 * Chunks are views of the shared buffer: posting one to a worker copies nothing.
 *
 * Each chunk is checked for UTF-8 as it is cut (a chunk starts after a newline, so the
 * upload is valid exactly when every chunk is); the first bad chunk fails the upload with
 * the offset of the bad byte, and consumers see that failure from `next()`.
 */
import { firstInvalidUtf8, isValidUtf8, type Chunk } from '../../compute/mapreduce/index.js';
import { ProblemError } from '../../http/problems.js';

export function invalidUtf8Problem(offset: number): ProblemError {
  return new ProblemError(
    'bad-request',
    `The body is not valid UTF-8: the first bad byte is at offset ${offset}. Convert the text first, e.g. \`iconv -f latin1 -t utf-8\`.`,
    { extensions: { offset } },
  );
}

function countNewlines(bytes: Uint8Array): number {
  let n = 0;
  for (let i = bytes.indexOf(10); i !== -1; i = bytes.indexOf(10, i + 1)) n++;
  return n;
}

export class StreamedUpload {
  readonly declared: number;
  readonly chunkBytes: number;
  readonly #bytes: Uint8Array;
  readonly #lineNumbers: boolean;
  readonly #ready: Chunk[] = [];
  #waiters: Array<() => void> = [];
  #length = 0;
  #cut = 0;
  #line = 1;
  #emitted = 0;
  #finished = false;
  #failure: unknown = undefined;

  constructor(stream: ReadableStream<Uint8Array>, declared: number, chunkBytes: number, lineNumbers: boolean) {
    this.declared = declared;
    this.chunkBytes = chunkBytes;
    this.#lineNumbers = lineNumbers;
    this.#bytes = new Uint8Array(new SharedArrayBuffer(declared));
    // Failures are kept for next(); nothing here may reject unobserved.
    void this.#pump(stream)
      .catch((error: unknown) => {
        this.#failure = error;
      })
      .finally(() => {
        this.#finished = true;
        this.#wake();
      });
  }

  /** Chunks released so far, or the expected count while the upload is still arriving. */
  get expectedChunks(): number {
    return this.#finished ? this.#emitted : Math.max(this.#emitted, Math.ceil(this.declared / this.chunkBytes));
  }

  /** The next chunk, or undefined once the upload is complete and every chunk was taken. */
  async next(): Promise<Chunk | undefined> {
    for (;;) {
      if (this.#failure !== undefined) throw this.#failure;
      const chunk = this.#ready.shift();
      if (chunk !== undefined) return chunk;
      if (this.#finished) return undefined;
      await new Promise<void>((resolve) => this.#waiters.push(resolve));
    }
  }

  /** The whole upload once it has arrived (the fallback when the work does not run on the pool). */
  async whole(): Promise<Uint8Array> {
    while (!this.#finished) await new Promise<void>((resolve) => this.#waiters.push(resolve));
    if (this.#failure !== undefined) throw this.#failure;
    return this.#bytes.subarray(0, this.#length);
  }

  async #pump(stream: ReadableStream<Uint8Array>): Promise<void> {
    const reader = stream.getReader();
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      if (this.#length + value.length > this.#bytes.length) {
        throw new ProblemError('bad-request', `The body is longer than its Content-Length of ${this.declared} bytes.`);
      }
      this.#bytes.set(value, this.#length);
      this.#length += value.length;
      if (this.#length - this.#cut >= this.chunkBytes) {
        const newline = this.#bytes.subarray(this.#cut, this.#length).lastIndexOf(10);
        if (newline !== -1) this.#emit(this.#cut + newline + 1);
      }
    }
    if (this.#cut < this.#length) this.#emit(this.#length);
  }

  #emit(end: number): void {
    const bytes = this.#bytes.subarray(this.#cut, end);
    if (!isValidUtf8(bytes)) throw invalidUtf8Problem(this.#cut + firstInvalidUtf8(bytes));
    this.#ready.push({ document: 0, source: 'text', bytes, byteOffset: this.#cut, firstLine: this.#lineNumbers ? this.#line : 0 });
    if (this.#lineNumbers) this.#line += countNewlines(bytes);
    this.#cut = end;
    this.#emitted++;
    this.#wake();
  }

  #wake(): void {
    const waiters = this.#waiters;
    this.#waiters = [];
    for (const wake of waiters) wake();
  }
}
