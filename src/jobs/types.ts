/**
 * Jobs: a compute request accepted now and finished later. The record is plain data so a
 * store can keep it anywhere (memory today, Redis for the distributed mode); what runs it
 * lives in the runner, which does not care where records are kept.
 */
import type { ProgressUpdate } from '../dispatch/dispatcher.js';
import type { Placement } from '../dispatch/placement.js';
import type { Problem } from '../http/problems.js';
import type { JobStatsSnapshot } from './stats.js';

export const jobStatuses = ['queued', 'running', 'succeeded', 'failed', 'cancelled'] as const;
export type JobStatus = (typeof jobStatuses)[number];

export function isFinished(status: JobStatus): boolean {
  return status === 'succeeded' || status === 'failed' || status === 'cancelled';
}

export interface JobRecord {
  readonly id: string;
  /** Whose job it is: only this tenant sees it ('' when no API keys are configured). */
  readonly tenant: string;
  /** The dispatcher operation, e.g. `primes.count`. */
  readonly operation: string;
  readonly status: JobStatus;
  readonly progress: ProgressUpdate | null;
  readonly createdAt: string;
  readonly startedAt: string | null;
  readonly finishedAt: string | null;
  /** When a finished job is forgotten; null until it finishes. */
  readonly expiresAt: string | null;
  /**
   * The rendered result as UTF-8 JSON, exactly the body the synchronous call would have
   * returned. Kept serialised: its size is known to the byte for the results budget, it
   * lives outside the JavaScript heap, and every reader (GET, each event stream) sends the
   * same bytes instead of serialising it again.
   */
  readonly resultJson?: Uint8Array;
  readonly problem?: Problem;
}

export type JobPatch = Partial<Omit<JobRecord, 'id' | 'tenant' | 'operation' | 'createdAt'>>;

export interface IdempotencyClaim {
  readonly jobId: string;
  /** Hash of the request the key was first used with. */
  readonly fingerprint: string;
}

/** Where job records live. Async throughout, so a networked store fits the same shape. */
export interface JobStore {
  insert(job: JobRecord): Promise<void>;
  get(id: string): Promise<JobRecord | undefined>;
  update(id: string, patch: JobPatch): Promise<JobRecord | undefined>;
  /** The tenant's jobs, most recent first. */
  list(options: JobListOptions): Promise<JobRecord[]>;
  /** Records the key (already scoped to its tenant) for `claim.jobId` unless taken; returns the earlier claim if so. */
  claimIdempotencyKey(key: string, claim: IdempotencyClaim): Promise<IdempotencyClaim | undefined>;
  /** Forgets finished jobs whose `expiresAt` has passed; returns how many. */
  removeExpired(now: Date): Promise<number>;
  /** True for an id that existed and expired (410 rather than 404). */
  wasExpired(id: string): Promise<boolean>;
}

/**
 * A change of a job, published to every subscriber as the same object (so what is made of it
 * — an SSE frame — can be made once). `sequence` numbers the job's events from 1.
 */
export type JobEvent = { readonly type: 'progress' | 'status'; readonly job: JobRecord; readonly sequence: number };

export interface JobListOptions {
  readonly limit: number;
  readonly status?: JobStatus;
  readonly tenant: string;
}

/** An Idempotency-Key belongs to its tenant: two tenants choosing the same key never meet. */
export function scopedIdempotencyKey(tenant: string, key: string): string {
  return `${tenant}:${key}`;
}

/** What a job runs: plain data, so it can be stored anywhere and run by any process. */
export interface JobWork {
  /** An operation of the registry (src/operations/registry.ts). */
  readonly operation: string;
  /** Its validated input. */
  readonly input: unknown;
  /** A placement forced by the submitter (tests, benchmarks), when allowed. */
  readonly placement?: Placement;
  /** Whose job it is: its tasks wait in that tenant's lane. */
  readonly tenant: string;
}

/** The record of a job just accepted, in either mode. */
export function queuedJobRecord(id: string, work: JobWork): JobRecord {
  return {
    id,
    tenant: work.tenant,
    operation: work.operation,
    status: 'queued',
    progress: null,
    createdAt: new Date().toISOString(),
    startedAt: null,
    finishedAt: null,
    expiresAt: null,
  };
}

export interface JobSubmission extends JobWork {
  readonly idempotency?: { readonly key: string; readonly fingerprint: string };
}

/**
 * Jobs as the HTTP routes see them, whichever mode runs them: in this process (JobRunner,
 * src/jobs/runner.ts) or on BullMQ workers (DistributedJobs, src/distributed/jobs.ts).
 */
export interface JobService {
  submit(submission: JobSubmission): Promise<{ job: JobRecord; created: boolean }>;
  /** The tenant's job, or JobNotFoundError (also for another tenant's job: no existence leak) / JobExpiredError. */
  get(id: string, tenant: string): Promise<JobRecord>;
  list(options: JobListOptions): Promise<JobRecord[]>;
  /** Cancels the tenant's queued or running job and resolves with it once it has stopped. */
  cancel(id: string, tenant: string): Promise<JobRecord>;
  /** Calls `listener` on every change of the job until the returned function is called. */
  subscribe(id: string, listener: (event: JobEvent) => void): () => void;
  /** Resolves with the tenant's job once finished, or as it is when `timeoutMs` passes. */
  waitFor(id: string, tenant: string, timeoutMs: number, signal?: AbortSignal): Promise<JobRecord>;
  /** Jobs waiting and running now, and those finished so far (the metrics). */
  stats(): Promise<JobStatsSnapshot>;
  /** Stops taking submissions; lets running work finish for up to `timeoutMs`. */
  drain(timeoutMs: number): Promise<void>;
  close(): Promise<void>;
}
