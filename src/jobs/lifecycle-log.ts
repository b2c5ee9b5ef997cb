/**
 * Job lifecycle lines in the log, the same in the embedded runner, on an API replica and on a
 * distributed worker: submitted, started, and finished (succeeded, failed with its problem
 * type, or cancelled) with how long it ran.
 */
import type { Logger } from 'pino';
import { type JobObserver, runSeconds } from './stats.js';

const problemBase = /^.*\/problems\//;

export function jobLifecycleLog(logger: Logger): JobObserver {
  return {
    submitted(job) {
      logger.info({ jobId: job.id, operation: job.operation }, 'job submitted');
    },
    started(job) {
      logger.info({ jobId: job.id, operation: job.operation }, 'job started');
    },
    finished(job) {
      const ms = Math.round(runSeconds(job) * 1e4) / 10;
      const problem = job.problem === undefined ? {} : { problem: job.problem.type.replace(problemBase, '') };
      const record = { jobId: job.id, operation: job.operation, status: job.status, ms, ...problem };
      if (job.status === 'failed' && job.problem !== undefined && job.problem.status >= 500) logger.error(record, 'job failed');
      else logger.info(record, job.status === 'cancelled' ? 'job cancelled' : `job ${job.status}`);
    },
  };
}

/** Every observer in turn. */
export function observeAll(...observers: JobObserver[]): JobObserver {
  return {
    submitted: (job) => observers.forEach((observer) => observer.submitted(job)),
    started: (job) => observers.forEach((observer) => observer.started(job)),
    finished: (job) => observers.forEach((observer) => observer.finished(job)),
  };
}
