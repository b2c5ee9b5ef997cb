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
import { OverloadedError, QuotaExceededError } from './errors.js';

export interface AdmissionOptions {
  readonly threads: number;
  /** Estimated milliseconds of admitted work per thread beyond which requests are refused. */
  readonly maxBacklogMs: number;
  /**
   * Estimated milliseconds per thread one tenant may hold: lower than the whole budget, so a
   * flood from one tenant meets its own limit (429) before it fills the pool for everyone.
   */
  readonly maxTenantBacklogMs?: number;
}

/** Held by an admitted request until it settles. */
export interface AdmissionTicket {
  release(): void;
}

export class Admission {
  readonly #threads: number;
  readonly #maxBacklogMicros: number;
  readonly #maxTenantBacklogMicros: number;
  #backlogMicros = 0;
  #admitted = 0;
  /** performance.now() of the last refusal for want of capacity (not of a tenant's quota). */
  #lastRefusedAt = Number.NEGATIVE_INFINITY;
  /** Backlog and admitted count per tenant; a tenant with nothing admitted has no entry. */
  readonly #tenants = new Map<string, { backlogMicros: number; admitted: number }>();

  constructor(options: AdmissionOptions) {
    this.#threads = Math.max(1, options.threads);
    this.#maxBacklogMicros = options.maxBacklogMs * 1_000 * this.#threads;
    this.#maxTenantBacklogMicros =
      options.maxTenantBacklogMs === undefined ? Number.POSITIVE_INFINITY : options.maxTenantBacklogMs * 1_000 * this.#threads;
  }

  /** Estimated milliseconds of one tenant's admitted work per thread. */
  tenantBacklogMs(tenant: string): number {
    return (this.#tenants.get(tenant)?.backlogMicros ?? 0) / this.#threads / 1_000;
  }

  /** Estimated milliseconds of admitted work per thread. */
  get backlogMs(): number {
    return this.#backlogMicros / this.#threads / 1_000;
  }

  /** Requests admitted and not yet settled. */
  get admitted(): number {
    return this.#admitted;
  }

  /**
   * Whether a request was refused for want of capacity in the last `windowMs`. Under overload
   * the backlog hovers just below its limit (each refusal is of the request that would pass
   * it), so "would the next request be admitted" says yes while most are refused.
   */
  refusedWithin(windowMs: number, now = performance.now()): boolean {
    return now - this.#lastRefusedAt <= windowMs;
  }

  /** Whether a request of this cost would be admitted now. */
  wouldAdmit(costMicros: number): boolean {
    return this.#admitted === 0 || this.#backlogMicros + costMicros <= this.#maxBacklogMicros;
  }

  /**
   * Admits the request or throws: `QuotaExceededError` when the tenant's share is full,
   * `OverloadedError` when the whole budget is; both with a Retry-After estimate.
   */
  admit(costMicros: number, tenant = ''): AdmissionTicket {
    const own = this.#tenants.get(tenant);
    if (own !== undefined && own.admitted > 0 && own.backlogMicros + costMicros > this.#maxTenantBacklogMicros) {
      const backlogMs = own.backlogMicros / this.#threads / 1_000;
      throw new QuotaExceededError(
        `Your requests already hold about ${Math.round(backlogMs)} ms of work per thread, the most one tenant may ` +
          `(TENANT_MAX_BACKLOG_MS: ${this.#maxTenantBacklogMicros / this.#threads / 1_000} ms); retry after the indicated delay, ` +
          'or submit the work as a job (`Prefer: respond-async`).',
        Math.max(1, Math.ceil(backlogMs / 1_000)),
        { quota: 'backlog', backlogMs: Math.round(backlogMs) },
      );
    }
    if (!this.wouldAdmit(costMicros)) {
      this.#lastRefusedAt = performance.now();
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
    const share = own ?? { backlogMicros: 0, admitted: 0 };
    share.backlogMicros += cost;
    share.admitted += 1;
    this.#tenants.set(tenant, share);
    let released = false;
    return {
      release: () => {
        if (released) return;
        released = true;
        this.#backlogMicros = Math.max(0, this.#backlogMicros - cost);
        this.#admitted -= 1;
        share.backlogMicros = Math.max(0, share.backlogMicros - cost);
        share.admitted -= 1;
        if (share.admitted === 0) this.#tenants.delete(tenant);
      },
    };
  }
}
