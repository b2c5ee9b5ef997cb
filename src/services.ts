/**
 * The long-lived parts of a crunch process (pool, dispatcher, logger, metrics), built
 * from the config. Creating them starts threads, so it lives apart from `createApp`,
 * which only wires routes to services and has no side effects.
 */
import { pino, type Logger } from 'pino';
import type { Config } from './config.js';
import { Dispatcher } from './dispatch/dispatcher.js';
import { toProblemError } from './http/errors.js';
import { ProblemError } from './http/problems.js';
import { MemoryJobStore } from './jobs/memory-store.js';
import { JobRunner } from './jobs/runner.js';
import { createMetrics, type Metrics } from './metrics.js';
import { WorkerPool } from './pool/pool.js';
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
  readonly metrics: Metrics;
  readonly jobs: JobRunner;
  readonly lifecycle: Lifecycle;
}

export function createServices(config: Config, options: { logger?: Logger } = {}): Services {
  const logger = options.logger ?? pino({ level: config.logLevel, base: { service: 'crunch' } });
  const pool = new WorkerPool({ threads: config.pool.threads, maxQueue: config.pool.maxQueue });
  const dispatcher = new Dispatcher({
    pool,
    inlineBudgetMicros: config.dispatch.inlineBudgetMicros,
    slicedBudgetMicros: config.dispatch.slicedBudgetMicros,
    deadlineMs: config.requestTimeoutMs,
  });
  const poolSampler = new PoolSampler(pool, { intervalMs: config.pool.sampleIntervalMs, history: config.pool.sampleHistory });
  const metrics = createMetrics(pool, poolSampler);
  dispatcher.onDispatch((operation, route, totalMs) => metrics.observeDispatch(operation, route, totalMs / 1000));
  const jobs = new JobRunner(new MemoryJobStore({ maxFinished: config.jobs.maxRetained }), {
    concurrency: config.jobs.concurrency,
    maxQueued: config.jobs.maxQueued,
    ttlSeconds: config.jobs.ttlSeconds,
    toProblem: (error) => {
      const problem = toProblemError(error);
      if (problem !== undefined) return problem.toProblem();
      logger.error({ err: error }, 'job failed unexpectedly');
      return new ProblemError('internal', 'The job failed on our side; submit it again or report its id.').toProblem();
    },
  });
  return { config, logger, pool, poolSampler, dispatcher, metrics, jobs, lifecycle: { shuttingDown: false } };
}

export async function closeServices(services: Services): Promise<void> {
  services.lifecycle.shuttingDown = true;
  await services.jobs.close();
  services.poolSampler.close();
  await services.pool.close();
}
