/**
 * Runs a job's operation: look it up in the registry, plan it, dispatch it in the jobs'
 * lane with the job deadline, and encode the result as the synchronous response would be.
 * The embedded runner and the distributed workers both use this, so a job computes exactly
 * what the synchronous call would wherever it runs.
 */
import type { Dispatcher, Progress, Work } from '../dispatch/dispatcher.js';
import { encodeJsonArray } from '../operations/json-array.js';
import { operationNamed } from '../operations/registry.js';
import type { PlanContext } from '../operations/types.js';
import type { JobWork } from './types.js';

export interface JobRun {
  readonly id: string;
  readonly signal: AbortSignal;
  readonly progress: Progress;
}

/** Resolves with the result as UTF-8 JSON, the body the synchronous call returns. */
export type JobExecutor = (work: JobWork, run: JobRun) => Promise<Uint8Array>;

export class UnknownOperationError extends Error {
  override readonly name = 'UnknownOperationError';
}

export interface JobExecutorOptions {
  readonly planContext: () => PlanContext;
  /** The dispatcher for this job's work: on a distributed worker, local threads or the whole cluster. */
  readonly dispatcherFor: (work: Work<unknown>, jobId: string) => Dispatcher;
  readonly timeoutMs: number;
  /** The pool lane of a job's tasks (its tenant's jobs lane). */
  readonly laneFor: (job: JobWork) => string;
  /**
   * Check inputs against their operation's schema: for inputs read back from a store another
   * process wrote. An input this process validated itself is not checked twice.
   */
  readonly checkInputs: boolean;
}

export function jobExecutor(options: JobExecutorOptions): JobExecutor {
  return async (job, run) => {
    const operation = operationNamed(job.operation);
    if (operation === undefined) throw new UnknownOperationError(`the job names an unknown operation ${JSON.stringify(job.operation)}`);
    const input: unknown = options.checkInputs ? operation.input.parse(job.input) : job.input;
    const work = operation.plan(input, options.planContext());
    const outcome = await options.dispatcherFor(work, run.id).run(work, {
      signal: run.signal,
      progress: run.progress,
      deadlineMs: options.timeoutMs,
      admission: 'bounded',
      lane: options.laneFor(job),
      tenant: job.tenant,
      ...(job.placement === undefined ? {} : { placement: job.placement }),
    });
    return operation.encode === undefined
      ? Buffer.from(JSON.stringify(operation.render(outcome.value, input)))
      : encodeJsonArray(operation.encode(outcome.value, input));
  };
}
