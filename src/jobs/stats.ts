/**
 * What operators count about jobs, as plain numbers (no metrics library here): jobs waiting
 * and running now, and per operation and final status how many finished and how long they
 * ran (a histogram, buckets up to hours). The embedded runner keeps them in this process
 * (`JobStats`); the distributed mode keeps the finished ones in Redis, written by whichever
 * process finishes a job (src/distributed/jobs.ts). src/metrics.ts exposes either the same way.
 */
import type { JobRecord, JobStatus } from './types.js';

/** Upper bounds of the run-time buckets, in seconds: 10 ms to 4 h (JOB_TIMEOUT_MS is 1 h by default). */
export const jobDurationBuckets = [0.01, 0.05, 0.1, 0.5, 1, 5, 10, 30, 60, 300, 600, 1800, 3600, 7200, 14400] as const;

export interface FinishedJobs {
  readonly operation: string;
  readonly status: JobStatus;
  readonly count: number;
  /** Seconds of run time, all jobs together. */
  readonly seconds: number;
  /** Jobs per bucket of `jobDurationBuckets` (not cumulative), then those beyond the last. */
  readonly buckets: readonly number[];
}

export interface JobStatsSnapshot {
  readonly queued: number;
  readonly running: number;
  readonly finished: readonly FinishedJobs[];
}

/** Hooks the job services call on each transition of a job (for metrics and logs). */
export interface JobObserver {
  submitted(job: JobRecord): void;
  started(job: JobRecord): void;
  finished(job: JobRecord): void;
}

/** Seconds a finished job ran: from its start (or, never started, its creation) to its end. */
export function runSeconds(job: JobRecord): number {
  const from = Date.parse(job.startedAt ?? job.createdAt);
  const to = job.finishedAt === null ? Date.now() : Date.parse(job.finishedAt);
  return Math.max(0, (to - from) / 1000);
}

/** The bucket a run time falls in: an index into `jobDurationBuckets`, or its length beyond. */
export function durationBucket(seconds: number): number {
  const index = jobDurationBuckets.findIndex((bound) => seconds <= bound);
  return index < 0 ? jobDurationBuckets.length : index;
}

/** Finished-job counts of this process (the embedded mode). */
export class JobStats {
  readonly #finished = new Map<string, { operation: string; status: JobStatus; count: number; seconds: number; buckets: number[] }>();

  finished(job: JobRecord): void {
    const key = `${job.operation} ${job.status}`;
    let entry = this.#finished.get(key);
    if (entry === undefined) {
      entry = { operation: job.operation, status: job.status, count: 0, seconds: 0, buckets: new Array<number>(jobDurationBuckets.length + 1).fill(0) };
      this.#finished.set(key, entry);
    }
    const seconds = runSeconds(job);
    entry.count += 1;
    entry.seconds += seconds;
    entry.buckets[durationBucket(seconds)] = (entry.buckets[durationBucket(seconds)] ?? 0) + 1;
  }

  finishedJobs(): FinishedJobs[] {
    return [...this.#finished.values()].map((entry) => ({ ...entry, buckets: [...entry.buckets] }));
  }
}
