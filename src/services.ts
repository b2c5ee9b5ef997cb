/**
 * The long-lived parts of a crunch process (pool, admission, dispatcher, job runner,
 * logger, metrics), built from the config. Creating them starts threads, so it lives apart
 * from `createApp`, which only wires routes to services and has no side effects.
 */
import { pino, type Logger } from 'pino';
import { ByteBudget, type Budgets } from './budgets.js';
import type { Config } from './config.js';
import { Admission } from './dispatch/admission.js';
import { Dispatcher } from './dispatch/dispatcher.js';
import { toProblemError } from './http/errors.js';
import { ProblemError } from './http/problems.js';
import { MemoryJobStore } from './jobs/memory-store.js';
import { type JobExecutor, JobRunner } from './jobs/runner.js';
import { createMetrics, type Metrics } from './metrics.js';
import { operationNamed } from './operations/registry.js';
import { encodeJsonArray } from './operations/json-array.js';
import type { PlanContext } from './operations/types.js';
import { WorkerPool, defaultLane } from './pool/pool.js';
import { PoolSampler } from './pool/pool-sampler.js';

export interface Lifecycle {
  shuttingDown: boolean;
}

export interface Services {
  readonly config: Config;
  readonly logger: Logger;
  readonly pool: WorkerPool;
  readonly poolSampler: PoolSampler;
  readonly dispatcher: Dispatcher;
  readonly planContext: PlanContext;
  readonly metrics: Metrics;
  readonly budgets: Budgets;
  readonly jobs: JobRunner;
  readonly lifecycle: Lifecycle;
}

/** The lane job tasks wait in: apart from synchronous ones, so the two take turns on the threads. */
export const jobLane = `${defaultLane}#jobs`;

export function createServices(config: Config, options: { logger?: Logger } = {}): Services {
  const logger = options.logger ?? pino({ level: config.logLevel, base: { service: 'crunch' } });
  const budgets: Budgets = {
    requestBodies: new ByteBudget('request bodies', config.memory.requestBodies),
    jobInputs: new ByteBudget('job inputs', config.memory.jobInputs),
    jobResults: new ByteBudget('job results', config.memory.jobResults),
    responses: new ByteBudget('responses', config.memory.responses),
  };
  const pool = new WorkerPool({ threads: config.pool.threads, maxQueuedTasks: config.pool.maxQueuedTasks });
  const admission = new Admission({ threads: config.pool.threads, maxBacklogMs: config.pool.maxBacklogMs });
  const dispatcher = new Dispatcher({
    pool,
    admission,
    inlineBudgetMicros: config.dispatch.inlineBudgetMicros,
    slicedBudgetMicros: config.dispatch.slicedBudgetMicros,
    deadlineMs: config.requestTimeoutMs,
  });
  const planContext: PlanContext = {
    threads: config.pool.threads,
    limits: config.limits,
    loopDeadlineMs: config.requestTimeoutMs,
    loopBudgetMicros: Math.max(config.dispatch.inlineBudgetMicros, config.dispatch.slicedBudgetMicros),
  };
  const poolSampler = new PoolSampler(pool, { intervalMs: config.pool.sampleIntervalMs, history: config.pool.sampleHistory });
  const metrics = createMetrics(pool, poolSampler);
  dispatcher.onDispatch((operation, placement, totalMs) => metrics.observeDispatch(operation, placement, totalMs / 1000));
  const execute: JobExecutor = async (work, signal, progress) => {
    const operation = operationNamed(work.operation);
    if (operation === undefined) throw new Error(`job names an unknown operation ${JSON.stringify(work.operation)}`);
    const outcome = await dispatcher.run(operation.plan(work.input, planContext), {
      signal,
      progress,
      deadlineMs: config.jobs.timeoutMs,
      admission: 'bounded',
      lane: jobLane,
      ...(work.placement === undefined ? {} : { placement: work.placement }),
    });
    return operation.encode === undefined
      ? Buffer.from(JSON.stringify(operation.render(outcome.value, work.input)))
      : encodeJsonArray(operation.encode(outcome.value, work.input));
  };
  const jobs = new JobRunner(new MemoryJobStore({ maxFinished: config.jobs.maxRetained, results: budgets.jobResults }), {
    inputs: budgets.jobInputs,
    maxResultBytes: config.memory.jobResult,
    concurrency: config.jobs.concurrency,
    maxQueued: config.jobs.maxQueued,
    ttlSeconds: config.jobs.ttlSeconds,
    execute,
    toProblem: (error) => {
      const problem = toProblemError(error, 'job');
      if (problem !== undefined) return problem.toProblem();
      logger.error({ err: error }, 'job failed unexpectedly');
      return new ProblemError('internal', 'The job failed on our side; submit it again or report its id.').toProblem();
    },
  });
  return { config, logger, pool, poolSampler, dispatcher, planContext, metrics, budgets, jobs, lifecycle: { shuttingDown: false } };
}

export async function closeServices(services: Services): Promise<void> {
  services.lifecycle.shuttingDown = true;
  await services.jobs.close();
  services.poolSampler.close();
  await services.pool.close();
}
