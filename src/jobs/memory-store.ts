/**
 * The embedded job store: a Map in this process. Jobs die with the process, which is the
 * honest contract of a single-process deployment; the distributed mode swaps the store.
 *
 * Finished jobs are bounded twice: in number (`maxFinished`, for the records themselves)
 * and in bytes of results (`results`, a budget): beyond either, the oldest finished jobs
 * expire early (410), so a flood of large results cannot fill the heap.
 */
import type { ByteBudget } from '../budgets.js';
import { type IdempotencyClaim, isFinished, type JobListOptions, type JobPatch, type JobRecord, type JobStore } from './types.js';

/** Expired ids remembered for 410 answers; beyond this many the oldest are forgotten (404). */
const maxTombstones = 100_000;

export class MemoryJobStore implements JobStore {
  readonly #jobs = new Map<string, JobRecord>();
  readonly #idempotency = new Map<string, IdempotencyClaim>();
  readonly #tombstones = new Set<string>();
  readonly #maxFinished: number;
  #finished = 0;

  readonly #results: ByteBudget | undefined;

  constructor(options: { readonly maxFinished?: number; readonly results?: ByteBudget } = {}) {
    this.#maxFinished = options.maxFinished ?? Number.POSITIVE_INFINITY;
    this.#results = options.results;
  }

  async insert(job: JobRecord): Promise<void> {
    this.#jobs.set(job.id, job);
  }

  async get(id: string): Promise<JobRecord | undefined> {
    return this.#jobs.get(id);
  }

  async update(id: string, patch: JobPatch): Promise<JobRecord | undefined> {
    const current = this.#jobs.get(id);
    if (current === undefined) return undefined;
    const next: JobRecord = { ...current, ...patch };
    const resultBytes = next.resultJson?.byteLength ?? 0;
    if (resultBytes > 0 && current.resultJson === undefined && this.#results !== undefined) {
      // Room for the new result comes from the oldest finished jobs.
      while (!this.#results.tryCharge(resultBytes)) {
        if (!this.#evictOldestFinished()) throw new Error(`a result of ${resultBytes} bytes does not fit the ${this.#results.name} budget`);
      }
    }
    this.#jobs.set(id, next);
    if (!isFinished(current.status) && isFinished(next.status)) {
      this.#finished += 1;
      if (this.#finished > this.#maxFinished) this.#evictOldestFinished();
    }
    return next;
  }

  async list(options: JobListOptions): Promise<JobRecord[]> {
    const found: JobRecord[] = [];
    // Insertion order is creation order, so walking backwards gives the most recent first.
    const all = [...this.#jobs.values()];
    for (let index = all.length - 1; index >= 0 && found.length < options.limit; index -= 1) {
      const job = all[index] as JobRecord;
      if (job.tenant === options.tenant && (options.status === undefined || job.status === options.status)) found.push(job);
    }
    return found;
  }

  async claimIdempotencyKey(key: string, claim: IdempotencyClaim): Promise<IdempotencyClaim | undefined> {
    const earlier = this.#idempotency.get(key);
    if (earlier !== undefined && this.#jobs.has(earlier.jobId)) return earlier;
    this.#idempotency.set(key, claim);
    return undefined;
  }

  async removeExpired(now: Date): Promise<number> {
    let removed = 0;
    for (const [id, job] of this.#jobs) {
      if (job.expiresAt !== null && Date.parse(job.expiresAt) <= now.getTime()) {
        this.#forget(id);
        removed += 1;
      }
    }
    for (const [key, claim] of this.#idempotency) if (!this.#jobs.has(claim.jobId)) this.#idempotency.delete(key);
    for (const id of this.#tombstones) {
      if (this.#tombstones.size <= maxTombstones) break;
      this.#tombstones.delete(id);
    }
    return removed;
  }

  #forget(id: string): void {
    const job = this.#jobs.get(id);
    if (job === undefined) return;
    if (isFinished(job.status)) this.#finished -= 1;
    if (job.resultJson !== undefined) this.#results?.credit(job.resultJson.byteLength);
    this.#jobs.delete(id);
    this.#tombstones.add(id);
  }

  /** Forgets the oldest finished job; false when there is none. */
  #evictOldestFinished(): boolean {
    // Creation order is close enough to finishing order, and costs nothing to keep.
    for (const [id, job] of this.#jobs) {
      if (isFinished(job.status)) {
        this.#forget(id);
        return true;
      }
    }
    return false;
  }

  async wasExpired(id: string): Promise<boolean> {
    return this.#tombstones.has(id);
  }
}
