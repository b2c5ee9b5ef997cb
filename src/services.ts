/**
 * The long-lived parts of a crunch process (pool, admission, dispatcher, job runner,
 * logger, metrics), built from the config. Creating them starts threads, so it lives apart
 * from `createApp`, which only wires routes to services and has no side effects.
 */
import type { Logger } from 'pino';
import { ByteBudget, type Budgets } from './budgets.js';
import type { Config } from './config.js';
import { Admission } from './dispatch/admission.js';
import { Dispatcher } from './dispatch/dispatcher.js';
import { RedisFunctionStore } from './distributed/functions.js';
import { DistributedJobs, DistributedState } from './distributed/jobs.js';
import { checkRedis, commandConnection, redisKeys, whenReady } from './distributed/redis.js';
import { MemoryFunctionStore } from './functions/memory-store.js';
import type { FunctionStore } from './functions/types.js';
import { jobProblem } from './http/errors.js';
import { MemoryJobStore } from './jobs/memory-store.js';
import { jobExecutor } from './jobs/execute.js';
import { jobLifecycleLog } from './jobs/lifecycle-log.js';
import { JobRunner } from './jobs/runner.js';
import type { JobService } from './jobs/types.js';
import { processLogger } from './log-destination.js';
import { createMetrics, type Metrics } from './metrics.js';
import { MemoryRateLimiter, type RateLimiter, RedisRateLimiter } from './tenants/rate-limit.js';
import type { PlanContext } from './operations/types.js';
import { WorkerPool, laneFor } from './pool/pool.js';
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
  /** Per-tenant request rate, when RATE_LIMIT_PER_MINUTE is set. */
  readonly rateLimiter: RateLimiter | undefined;
  readonly jobs: JobService;
  /** Stored user functions: in memory, or in Redis in the distributed mode. */
  readonly functions: FunctionStore;
  /** Resolves once the services can serve (in the distributed mode: Redis answered and passed its checks). */
  readonly ready: Promise<void>;
  readonly lifecycle: Lifecycle;
  /** Drops external connections (Redis), last. */
  readonly disconnect: () => void;
}

export function createServices(config: Config, options: { logger?: Logger } = {}): Services {
  const logger = options.logger ?? processLogger(config, 'crunch');
  const budgets: Budgets = {
    requestBodies: new ByteBudget('request bodies', config.memory.requestBodies),
    jobInputs: new ByteBudget('job inputs', config.memory.jobInputs),
    jobResults: new ByteBudget('job results', config.memory.jobResults),
    responses: new ByteBudget('responses', config.memory.responses),
  };
  const pool = new WorkerPool({ threads: config.pool.threads, maxQueuedTasks: config.pool.maxQueuedTasks });
  const admission = new Admission({
    threads: config.pool.threads,
    maxBacklogMs: config.pool.maxBacklogMs,
    ...(config.tenants.maxBacklogMs === undefined ? {} : { maxTenantBacklogMs: config.tenants.maxBacklogMs }),
  });
  const dispatcher = new Dispatcher({
    pool,
    admission,
    inlineBudgetMicros: config.dispatch.inlineBudgetMicros,
    slicedBudgetMicros: config.dispatch.slicedBudgetMicros,
    deadlineMs: config.requestTimeoutMs,
    maxQueuedTasksPerLane: config.tenants.maxQueuedTasks,
  });
  const planContext: PlanContext = {
    threads: config.pool.threads,
    limits: config.limits,
    loopDeadlineMs: config.requestTimeoutMs,
  };
  const poolSampler = new PoolSampler(pool, { intervalMs: config.pool.sampleIntervalMs, history: config.pool.sampleHistory });
  const execute = jobExecutor({
    planContext: () => planContext,
    dispatcherFor: () => dispatcher,
    timeoutMs: config.jobs.timeoutMs,
    laneFor: (job) => laneFor(job.tenant, 'jobs', config.tenants.fairShare),
    checkInputs: false,
  });
  let jobs: JobService;
  let functions: FunctionStore;
  let ready: Promise<void> = Promise.resolve();
  let disconnect = (): void => undefined;
  const { ratePerMinute, rateBurst } = config.tenants;
  let rateLimiter: RateLimiter | undefined = ratePerMinute > 0 ? new MemoryRateLimiter(ratePerMinute, rateBurst) : undefined;
  if (config.distributed === undefined) {
    jobs = new JobRunner(new MemoryJobStore({ maxFinished: config.jobs.maxRetained, results: budgets.jobResults }), {
      inputs: budgets.jobInputs,
      maxResultBytes: config.memory.jobResult,
      maxActiveJobsPerTenant: config.tenants.maxActiveJobs,
      concurrency: config.jobs.concurrency,
      maxQueued: config.jobs.maxQueued,
      ttlSeconds: config.jobs.ttlSeconds,
      execute,
      toProblem: (error) => jobProblem(error, (unexpected) => logger.error({ err: unexpected }, 'job failed unexpectedly')),
      observer: jobLifecycleLog(logger),
    });
    functions = new MemoryFunctionStore(config.functions);
  } else {
    // An API replica: synchronous work on its own pool as always, jobs on the workers.
    const redis = commandConnection(config.distributed, 'api');
    redis.on('error', (error: Error) => logger.warn({ err: error.message }, 'redis connection error'));
    const state = new DistributedState(redis, config.distributed, config, jobLifecycleLog(logger));
    jobs = new DistributedJobs(state);
    // Every replica draws from the same buckets.
    if (ratePerMinute > 0) rateLimiter = new RedisRateLimiter(redis, state.keys.rateBucket, ratePerMinute, rateBurst);
    functions = new RedisFunctionStore(redis, state.keys, config.functions);
    ready = whenReady(redis).then(() => checkRedis(redis)).then(() => undefined);
    disconnect = () => redis.disconnect();
  }
  const metrics = createMetrics(pool, poolSampler, () => jobs.stats());
  dispatcher.onDispatch((operation, placement, totalMs) => metrics.observeDispatch(operation, placement, totalMs / 1000));
  // Awaited by the server before it listens; a failure must not also surface as an unhandled rejection.
  ready.catch(() => undefined);
  return {
    config,
    logger,
    pool,
    poolSampler,
    dispatcher,
    planContext,
    metrics,
    budgets,
    rateLimiter,
    jobs,
    functions,
    ready,
    lifecycle: { shuttingDown: false },
    disconnect,
  };
}


export async function closeServices(services: Services): Promise<void> {
  services.lifecycle.shuttingDown = true;
  await services.jobs.close();
  services.poolSampler.close();
  await services.pool.close();
  services.disconnect();
}
