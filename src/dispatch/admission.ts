/**
 * Admission of synchronous pool work, per request and in the unit that runs out: thread
 * time. A request states its estimated cost before any of its shards is queued; it is
 * admitted whole or refused whole, at once.
 *
 * Why per request: admitting shard by shard let the first shards of a request run while a
 * sibling was refused, so under overload the pool spent its time on requests that had
 * already failed (7 successes in 60 s at 256 connections). Refusing early and cheaply keeps
 * goodput: what was admitted finishes.
 *
 * The backlog is the estimated thread time of admitted, unfinished requests; a request is
 * admitted while the backlog spread over the threads stays within `maxBacklogMs`, or when
 * nothing else is admitted (a request larger than the whole budget still runs, alone).
 * Jobs are not counted here: their concurrency is bounded by the job runner, and their
 * tasks take turns with synchronous ones in the pool's queue.
 */
import { OverloadedError } from './errors.js';

export interface AdmissionOptions {
  readonly threads: number;
  /** Estimated milliseconds of admitted work per thread beyond which requests are refused. */
  readonly maxBacklogMs: number;
}

/** Held by an admitted request until it settles. */
export interface AdmissionTicket {
  release(): void;
}

export class Admission {
  readonly #threads: number;
  readonly #maxBacklogMicros: number;
  #backlogMicros = 0;
  #admitted = 0;

  constructor(options: AdmissionOptions) {
    this.#threads = Math.max(1, options.threads);
    this.#maxBacklogMicros = options.maxBacklogMs * 1_000 * this.#threads;
  }

  /** Estimated milliseconds of admitted work per thread. */
  get backlogMs(): number {
    return this.#backlogMicros / this.#threads / 1_000;
  }

  /** Requests admitted and not yet settled. */
  get admitted(): number {
    return this.#admitted;
  }

  /** Whether a request of this cost would be admitted now. */
  wouldAdmit(costMicros: number): boolean {
    return this.#admitted === 0 || this.#backlogMicros + costMicros <= this.#maxBacklogMicros;
  }

  /** Admits the request or throws `OverloadedError` with a Retry-After estimate. */
  admit(costMicros: number): AdmissionTicket {
    if (!this.wouldAdmit(costMicros)) {
      const retryAfterSeconds = Math.max(1, Math.ceil(this.backlogMs / 1_000));
      throw new OverloadedError(
        `The worker threads have about ${Math.round(this.backlogMs)} ms of admitted work each, above the limit of ` +
          `${this.#maxBacklogMicros / this.#threads / 1_000} ms; retry after the indicated delay, or submit the work as a job ` +
          '(`Prefer: respond-async`), which waits for its turn instead.',
        retryAfterSeconds,
        { backlogMs: Math.round(this.backlogMs) },
      );
    }
    const cost = Math.max(0, costMicros);
    this.#backlogMicros += cost;
    this.#admitted += 1;
    let released = false;
    return {
      release: () => {
        if (released) return;
        released = true;
        this.#backlogMicros = Math.max(0, this.#backlogMicros - cost);
        this.#admitted -= 1;
      },
    };
  }
}
