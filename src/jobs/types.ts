/**
 * Jobs: a compute request accepted now and finished later. The record is plain data so a
 * store can keep it anywhere (memory today, Redis for the distributed mode); what runs it
 * lives in the runner, which does not care where records are kept.
 */
import type { ProgressUpdate } from '../dispatch/dispatcher.js';
import type { Problem } from '../http/problems.js';

export const jobStatuses = ['queued', 'running', 'succeeded', 'failed', 'cancelled'] as const;
export type JobStatus = (typeof jobStatuses)[number];

export function isFinished(status: JobStatus): boolean {
  return status === 'succeeded' || status === 'failed' || status === 'cancelled';
}

export interface JobRecord {
  readonly id: string;
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

export type JobPatch = Partial<Omit<JobRecord, 'id' | 'operation' | 'createdAt'>>;

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
  /** Most recent first. */
  list(options: { readonly limit: number; readonly status?: JobStatus }): Promise<JobRecord[]>;
  /** Records the key for `claim.jobId` unless already taken; returns the earlier claim if so. */
  claimIdempotencyKey(key: string, claim: IdempotencyClaim): Promise<IdempotencyClaim | undefined>;
  /** Forgets finished jobs whose `expiresAt` has passed; returns how many. */
  removeExpired(now: Date): Promise<number>;
  /** True for an id that existed and expired (410 rather than 404). */
  wasExpired(id: string): Promise<boolean>;
}
