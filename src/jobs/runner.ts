/**
 * Runs jobs in this process: a bounded queue in front of a fixed number of concurrent
 * runs, each with its own AbortController so DELETE stops pool work mid-flight. A job is
 * data — an operation name and its input — and the runner hands it to an executor that
 * plans and runs the operation, the same one a synchronous request runs. Every visible
 * state change goes through the store, and every change is published to subscribers (SSE)
 * as it happens.
 */
import { randomBytes } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { type ByteBudget, plainDataBytes } from '../budgets.js';
import type { Progress, ProgressUpdate } from '../dispatch/dispatcher.js';
import { OverloadedError, QuotaExceededError, ShuttingDownError } from '../dispatch/errors.js';
import type { Problem } from '../http/problems.js';
import type { JobExecutor } from './execute.js';
import { type JobObserver, JobStats, type JobStatsSnapshot } from './stats.js';
import { waitForJob } from './wait.js';
import { IdempotencyConflictError, JobExpiredError, JobFinishedError, JobNotFoundError, JobResultTooLargeError } from './errors.js';
import {
  isFinished,
  type JobEvent,
  type JobListOptions,
  type JobRecord,
  type JobService,
  type JobStatus,
  type JobStore,
  type JobSubmission,
  type JobWork,
  queuedJobRecord,
  scopedIdempotencyKey,
} from './types.js';

export interface JobRunnerOptions {
  readonly concurrency: number;
  readonly maxQueued: number;
  readonly ttlSeconds: number;
  readonly execute: JobExecutor;
  /** Turns whatever a run threw into the problem the job reports. */
  readonly toProblem: (error: unknown) => Problem;
  /** Bytes of inputs held by queued and running jobs: an upload waiting its turn is memory too. */
  readonly inputs: ByteBudget;
  /** The largest result, in bytes of JSON, a job may keep. */
  readonly maxResultBytes: number;
  /** Jobs one tenant may have queued or running. */
  readonly maxActiveJobsPerTenant: number;
  /** Told of every job submitted, started and finished (logs). */
  readonly observer?: JobObserver;
}

interface Pending {
  readonly id: string;
  readonly work: JobWork;
  /** Charged to the inputs budget until the job settles. */
  readonly inputBytes: number;
}

interface Running {
  readonly controller: AbortController;
  readonly settled: Promise<void>;
  cancelRequested: boolean;
}

/** Progress writes closer together than this are coalesced; the final state always lands. */
const progressIntervalMs = 50;

export class JobRunner implements JobService {
  readonly store: JobStore;
  readonly #options: JobRunnerOptions;
  readonly #queue: Pending[] = [];
  readonly #running = new Map<string, Running>();
  /** Jobs queued or running per tenant (TENANT_MAX_ACTIVE_JOBS). */
  readonly #active = new Map<string, number>();
  readonly #events = new EventEmitter();
  readonly #sequences = new Map<string, number>();
  readonly #stats = new JobStats();
  readonly #sweeper: NodeJS.Timeout;
  #closed = false;

  constructor(store: JobStore, options: JobRunnerOptions) {
    this.store = store;
    this.#options = options;
    this.#events.setMaxListeners(0);
    const sweepMs = Math.min(options.ttlSeconds, 60) * 1_000;
    this.#sweeper = setInterval(() => void this.store.removeExpired(new Date()), sweepMs);
    this.#sweeper.unref();
  }

  async submit(submission: JobSubmission): Promise<{ job: JobRecord; created: boolean }> {
    if (this.#closed) throw new ShuttingDownError('The server is shutting down; submit the job to another instance.');
    const id = randomBytes(16).toString('base64url');
    const { idempotency, ...work } = submission;
    if (idempotency !== undefined) {
      const key = scopedIdempotencyKey(work.tenant, idempotency.key);
      const earlier = await this.store.claimIdempotencyKey(key, { jobId: id, fingerprint: idempotency.fingerprint });
      if (earlier !== undefined) {
        if (earlier.fingerprint !== idempotency.fingerprint) throw new IdempotencyConflictError(earlier.jobId);
        const job = await this.store.get(earlier.jobId);
        if (job !== undefined) return { job, created: false };
      }
    }
    const active = this.#active.get(work.tenant) ?? 0;
    if (active >= this.#options.maxActiveJobsPerTenant) {
      throw new QuotaExceededError(
        `You have ${active} jobs queued or running, the most one tenant may (TENANT_MAX_ACTIVE_JOBS); retry when some have finished.`,
        5,
        { quota: 'active-jobs', activeJobs: active },
      );
    }
    if (this.#queue.length >= this.#options.maxQueued) {
      throw new OverloadedError(`${this.#queue.length} jobs are already waiting to run; retry later.`, 5, {
        queuedJobs: this.#queue.length,
      });
    }
    const inputBytes = plainDataBytes(work.input);
    const { inputs } = this.#options;
    if (!inputs.tryCharge(inputBytes)) {
      throw new OverloadedError(
        `Queued and running jobs hold ${inputs.used} bytes of input; this one needs ${inputBytes} more, beyond the limit of ` +
          `${inputs.limit} (JOB_INPUTS_MAX_BYTES). Retry when some have finished.`,
        5,
        { budget: inputs.name, limitBytes: inputs.limit },
      );
    }
    const job = queuedJobRecord(id, work);
    await this.store.insert(job);
    this.#active.set(work.tenant, active + 1);
    this.#options.observer?.submitted(job);
    this.#queue.push({ id, work, inputBytes });
    this.#pump();
    return { job: (await this.store.get(id)) ?? job, created: true };
  }

  /** The tenant's job, or a 404/410 problem; another tenant's job is not found (no existence leak). */
  async get(id: string, tenant: string): Promise<JobRecord> {
    const stored = await this.store.get(id);
    const job = stored?.tenant === tenant ? stored : undefined;
    if (stored !== undefined && job === undefined) throw new JobNotFoundError(id);
    if (job !== undefined) {
      if (job.expiresAt === null || Date.parse(job.expiresAt) > Date.now()) return job;
      await this.store.removeExpired(new Date());
    }
    if (await this.store.wasExpired(id)) throw new JobExpiredError(id, this.#options.ttlSeconds);
    throw new JobNotFoundError(id);
  }

  list(options: JobListOptions): Promise<JobRecord[]> {
    return this.store.list(options);
  }

  async stats(): Promise<JobStatsSnapshot> {
    return { queued: this.#queue.length, running: this.#running.size, finished: this.#stats.finishedJobs() };
  }

  /** Cancels the tenant's queued or running job and returns it once it has stopped. */
  async cancel(id: string, tenant: string): Promise<JobRecord> {
    const job = await this.get(id, tenant);
    if (isFinished(job.status)) throw new JobFinishedError(id, job.status);
    const queuedAt = this.#queue.findIndex((pending) => pending.id === id);
    if (queuedAt >= 0) {
      const [pending] = this.#queue.splice(queuedAt, 1);
      this.#options.inputs.credit(pending?.inputBytes ?? 0);
      return this.#finish(id, 'cancelled', {});
    }
    const running = this.#running.get(id);
    if (running !== undefined) {
      running.cancelRequested = true;
      running.controller.abort(new Error('job cancelled'));
      await running.settled;
    }
    return this.get(id, tenant);
  }

  /** Calls `listener` on every change of the job until the returned function is called. */
  subscribe(id: string, listener: (event: JobEvent) => void): () => void {
    this.#events.on(id, listener);
    return () => this.#events.off(id, listener);
  }

  waitFor(id: string, tenant: string, timeoutMs: number, signal?: AbortSignal): Promise<JobRecord> {
    return waitForJob(this, id, tenant, timeoutMs, signal);
  }

  /**
   * Stops taking submissions and lets queued and running jobs finish for up to `timeoutMs`,
   * then cancels what is left: event streams following a job see it end either way.
   */
  async drain(timeoutMs: number): Promise<void> {
    this.#closed = true;
    const deadline = Date.now() + timeoutMs;
    while ((this.#running.size > 0 || this.#queue.length > 0) && Date.now() < deadline) {
      await Promise.race([
        Promise.all([...this.#running.values()].map((running) => running.settled)),
        new Promise((resolve) => setTimeout(resolve, Math.max(1, Math.min(100, deadline - Date.now())))),
      ]);
    }
    await this.close();
  }

  /** Cancels everything queued or running; called on shutdown. */
  async close(): Promise<void> {
    this.#closed = true;
    clearInterval(this.#sweeper);
    for (const pending of this.#queue.splice(0)) {
      this.#options.inputs.credit(pending.inputBytes);
      await this.#finish(pending.id, 'cancelled', {});
    }
    await Promise.all(
      [...this.#running.values()].map(async (running) => {
        running.cancelRequested = true;
        running.controller.abort(new Error('the server is shutting down'));
        await running.settled;
      }),
    );
  }

  #pump(): void {
    while (this.#running.size < this.#options.concurrency && this.#queue.length > 0) {
      const next = this.#queue.shift() as Pending;
      this.#start(next);
    }
  }

  #start({ id, work, inputBytes }: Pending): void {
    const controller = new AbortController();
    let resolveSettled!: () => void;
    const running: Running = { controller, settled: new Promise((resolve) => (resolveSettled = resolve)), cancelRequested: false };
    this.#running.set(id, running);
    void this.#execute(id, work, running).finally(() => {
      this.#options.inputs.credit(inputBytes);
      this.#running.delete(id);
      resolveSettled();
      this.#pump();
    });
  }

  async #execute(id: string, work: JobWork, running: Running): Promise<void> {
    const started = await this.store.update(id, { status: 'running', startedAt: new Date().toISOString() });
    if (started !== undefined) this.#options.observer?.started(started);
    this.#publish('status', started);
    let lastWrite = 0;
    let latest: ProgressUpdate | null = null;
    const progress: Progress = (update) => {
      latest = update;
      const now = Date.now();
      if (now - lastWrite < progressIntervalMs && update.done < update.total) return;
      lastWrite = now;
      void this.store.update(id, { progress: update }).then((job) => this.#publish('progress', job));
    };
    try {
      const resultJson = await this.#options.execute(work, { id, signal: running.controller.signal, progress });
      if (resultJson.byteLength > this.#options.maxResultBytes) throw new JobResultTooLargeError(resultJson.byteLength, this.#options.maxResultBytes);
      await this.#finish(id, 'succeeded', { resultJson, progress: latest });
    } catch (error) {
      if (running.cancelRequested) await this.#finish(id, 'cancelled', { progress: latest });
      else await this.#finish(id, 'failed', { problem: this.#options.toProblem(error), progress: latest });
    }
  }

  async #finish(
    id: string,
    status: JobStatus,
    patch: { resultJson?: Uint8Array; problem?: Problem; progress?: ProgressUpdate | null },
  ): Promise<JobRecord> {
    const finishedAt = new Date();
    const job = await this.store.update(id, {
      ...patch,
      status,
      finishedAt: finishedAt.toISOString(),
      expiresAt: new Date(finishedAt.getTime() + this.#options.ttlSeconds * 1_000).toISOString(),
    });
    this.#publish('status', job);
    if (job === undefined) throw new JobNotFoundError(id);
    const active = (this.#active.get(job.tenant) ?? 1) - 1;
    if (active > 0) this.#active.set(job.tenant, active);
    else this.#active.delete(job.tenant);
    this.#stats.finished(job);
    this.#options.observer?.finished(job);
    return job;
  }

  #publish(type: JobEvent['type'], job: JobRecord | undefined): void {
    if (job === undefined) return;
    const sequence = (this.#sequences.get(job.id) ?? 0) + 1;
    if (isFinished(job.status)) this.#sequences.delete(job.id);
    else this.#sequences.set(job.id, sequence);
    this.#events.emit(job.id, { type, job, sequence } satisfies JobEvent);
  }
}
