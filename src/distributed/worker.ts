/**
 * A worker process of the distributed mode (`npm run worker`): it takes jobs from the `jobs`
 * queue and runs them with the same executor as the embedded mode, and takes shards from
 * the `tasks` queue and runs them on its own Piscina threads. Any number of workers, on any
 * machine, share the work.
 *
 * - A job estimated under DISTRIBUTED_FANOUT_MIN_MS runs on this worker's threads; above, its
 *   shards fan out over every worker as child jobs (src/distributed/tasks.ts).
 * - Execution is at least once: a worker that dies loses its claim (lock) after
 *   WORKER_LOCK_DURATION_MS, and another worker runs the job again (children already done
 *   are reused). A worker on SIGTERM finishes what it holds within SHUTDOWN_TIMEOUT_MS;
 *   what is still running then is handed back to its queue at once (not left to stall), so
 *   another worker takes it over without waiting for the claim to lapse.
 * - Cancellation is broadcast (`<prefix>:cancels`): whichever worker holds the job, or a
 *   shard of it, stops it.
 */
import { randomUUID } from 'node:crypto';
import { QueueEvents, Queue, UnrecoverableError, WaitingError, Worker, type Job } from 'bullmq';
import type { Logger } from 'pino';
import type { Config, DistributedConfig } from '../config.js';
import { Admission } from '../dispatch/admission.js';
import { Dispatcher, type ProgressUpdate } from '../dispatch/dispatcher.js';
import { jobProblem } from '../http/errors.js';
import { JobResultTooLargeError } from '../jobs/errors.js';
import { type JobExecutor, jobExecutor } from '../jobs/execute.js';
import { jobLifecycleLog } from '../jobs/lifecycle-log.js';
import { isFinished, type JobPatch, type JobRecord, type JobStatus } from '../jobs/types.js';
import type { PlanContext } from '../operations/types.js';
import { WorkerPool, laneFor } from '../pool/pool.js';
import { taskErrorData } from '../pool/task-errors.js';
import type { TaskName } from '../pool/tasks.js';
import { type Json } from './codec.js';
import { DistributedState, type QueuedJobData } from './jobs.js';
import { announceWorker, type ClusterMember, clusterThreads, withdrawWorker } from './cluster.js';
import { heartbeatMs, healthMaxAgeMs, removeHealthFile, touchHealthFile } from './health.js';
import { blockingConnectionOptions, checkRedis, commandConnection, whenReady } from './redis.js';
import { ClusterTasks, type QueuedTaskData, type TaskQueue, type TaskReturn, WorkerStoppingError } from './tasks.js';

/** Progress writes closer together than this are coalesced; the final state always lands. */
const progressIntervalMs = 50;
/** How long runs stopped for a hand-back get to put their work back in the queue. */
const handBackMs = 5_000;
/**
 * How often a running job reads its cancel flag. The broadcast is Redis pub/sub, which drops
 * a message a subscriber misses (a reconnect, a late subscription): a cancel seen in CI to
 * let a job run on to `succeeded`. The flag, written before the broadcast, is the record.
 */
const cancelPollMs = 500;

export class DistributedWorker {
  readonly id = randomUUID();
  readonly pool: WorkerPool;
  readonly state: DistributedState;
  readonly #config: Config;
  readonly #distributed: DistributedConfig;
  readonly #logger: Logger;
  readonly #localDispatcher: Dispatcher;
  readonly #planContext: PlanContext;
  readonly #tasks: TaskQueue;
  #jobsWorker: Worker<QueuedJobData> | undefined;
  #tasksWorker: Worker<QueuedTaskData, TaskReturn> | undefined;
  /** The jobs queue's events: how a worker hears of jobs BullMQ failed behind crunch's back. */
  readonly #jobEvents: QueueEvents;
  /** Ids of the task jobs running here, by parent job. */
  readonly #runningTasks = new Map<string, Set<string>>();
  /** What stops each run of a job and of a task here, by BullMQ job id: a hand-back aborts them all. */
  readonly #jobRuns = new Map<string, AbortController>();
  readonly #taskRuns = new Map<string, AbortController>();
  #clusterThreads: number;
  #heartbeat: NodeJS.Timeout | undefined;
  #closing = false;
  readonly #execute: JobExecutor;

  constructor(config: Config, logger: Logger) {
    if (config.distributed === undefined) throw new Error('a worker needs REDIS_URL');
    this.#config = config;
    this.#distributed = config.distributed;
    this.#logger = logger;
    this.pool = new WorkerPool({ threads: config.pool.threads, maxQueuedTasks: config.pool.maxQueuedTasks });
    this.#clusterThreads = config.pool.threads;
    const redis = commandConnection(config.distributed, 'worker');
    redis.on('error', (error: Error) => logger.warn({ err: error.message }, 'redis connection error'));
    this.state = new DistributedState(redis, config.distributed, config, jobLifecycleLog(logger));
    this.#planContext = {
      threads: config.pool.threads,
      limits: config.limits,
      loopDeadlineMs: config.requestTimeoutMs,
      };
    this.#localDispatcher = this.#dispatcher(this.pool);
    const connection = blockingConnectionOptions(config.distributed);
    const prefix = config.distributed.prefix;
    this.#tasks = {
      queue: new Queue<QueuedTaskData, TaskReturn>(this.state.keys.tasksQueue, { connection: this.state.redis, prefix }),
      events: new QueueEvents(this.state.keys.tasksQueue, { connection, prefix }),
      state: this.state,
    };
    this.#tasks.queue.on('error', () => undefined);
    this.#tasks.events.on('error', () => undefined);
    this.#jobEvents = new QueueEvents(this.state.keys.jobsQueue, { connection, prefix });
    this.#jobEvents.on('error', () => undefined);
    // crunch finishes its records itself and hands BullMQ a completed job; a failed one
    // stalled too often (a worker killed again and again) or lost its final write.
    this.#jobEvents.on('failed', ({ jobId, failedReason }) => {
      const problem = jobProblem(new Error(`the job queue failed it: ${failedReason}`), (error) =>
        this.#logger.error({ err: error, job: jobId }, 'job lost by the queue'),
      );
      void this.state.finishLost(jobId, problem).catch((error: unknown) => this.#logger.warn({ err: error, job: jobId }, 'could not record a lost job'));
    });
    this.#execute = jobExecutor({
      planContext: () => ({ ...this.#planContext, threads: this.#clusterThreads }),
      dispatcherFor: (work, jobId) =>
        work.costMicros >= this.#distributed.fanOutMinMs * 1_000
          ? this.#dispatcher(new ClusterTasks(this.#tasks, jobId, this.#clusterThreads))
          : this.#localDispatcher,
      timeoutMs: config.jobs.timeoutMs,
      laneFor: (job) => laneFor(job.tenant, 'jobs', config.tenants.fairShare),
      checkInputs: true,
    });
  }

  /** Checks Redis, then starts taking jobs and tasks. */
  async start(): Promise<void> {
    await whenReady(this.state.redis);
    const { version } = await checkRedis(this.state.redis);
    const { distributed } = this;
    const connection = blockingConnectionOptions(distributed);
    const common = {
      connection,
      prefix: distributed.prefix,
      lockDuration: distributed.lockDurationMs,
      stalledInterval: distributed.stalledIntervalMs,
      maxStalledCount: distributed.maxStalled,
      // BullMQ records it as each job's `processedBy`: which worker ran what.
      name: this.id,
    };
    await this.state.channels.on(this.state.keys.cancels, (message) => this.#cancel(message));
    await this.#beat();
    this.#heartbeat = setInterval(() => void this.#beat().catch(() => undefined), heartbeatMs);
    this.#heartbeat.unref();
    this.#tasksWorker = new Worker<QueuedTaskData, TaskReturn>(this.state.keys.tasksQueue, (job, token, signal) => this.#runTask(job, token, signal), {
      ...common,
      // One shard per thread and no more: a worker that took shards ahead of its threads
      // would queue them while another worker sat idle (a pi(x) job has one shard per
      // thread of the cluster). Finishing a shard fetches the next in the same call, so
      // threads do not wait between shards.
      concurrency: this.#config.pool.threads,
    });
    this.#jobsWorker = new Worker<QueuedJobData>(this.state.keys.jobsQueue, (job, token, signal) => this.#runJob(job, token, signal), {
      ...common,
      concurrency: this.#config.jobs.concurrency,
    });
    for (const worker of [this.#tasksWorker, this.#jobsWorker]) {
      worker.on('error', (error) => this.#logger.warn({ err: error }, 'worker connection error'));
    }
    this.#logger.info({ worker: this.id, threads: this.pool.threads, redis: version }, 'worker started');
  }

  get distributed(): DistributedConfig {
    return this.#distributed;
  }

  /**
   * Stops taking work and lets what runs here finish for up to `timeoutMs`; what is still
   * running then is handed back to its queue, for another worker to take at once.
   *
   * Jobs stop first and tasks after: a job finishing here may still need shards that run
   * here (on a worker alone, all of them do).
   */
  async close(timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    this.#closing = true;
    if (this.#heartbeat !== undefined) clearInterval(this.#heartbeat);
    if (this.#config.workerHealthFile !== undefined) await removeHealthFile(this.#config.workerHealthFile).catch(() => undefined);
    // Jobs planned from now on no longer count this worker's threads.
    await withdrawWorker(this.state.redis, this.state.keys.workers, this.#member).catch(() => undefined);
    const stages = [
      { queue: this.state.keys.jobsQueue, worker: this.#jobsWorker, runs: this.#jobRuns },
      { queue: this.state.keys.tasksQueue, worker: this.#tasksWorker, runs: this.#taskRuns },
    ];
    for (const { queue, worker, runs } of stages) {
      if (worker === undefined) continue;
      const closing = worker.close();
      closing.catch(() => undefined);
      if (await settlesWithin(closing, deadline - Date.now())) continue;
      const handedBack = runs.size;
      for (const controller of runs.values()) controller.abort(new WorkerStoppingError());
      if (!(await settlesWithin(closing, handBackMs))) this.#logger.warn({ queue }, 'runs stopped for a hand-back did not end; leaving them to stall');
      this.#logger.info({ queue, handedBack, timeoutMs }, 'shutdown deadline passed: unfinished work handed back to the queue');
    }
    await Promise.allSettled([this.#tasks.events.close(), this.#tasks.queue.close(), this.#jobEvents.close(), this.state.channels.close()]);
    await this.pool.close();
    this.state.redis.disconnect();
  }

  #dispatcher(pool: WorkerPool | ClusterTasks): Dispatcher {
    return new Dispatcher({
      pool,
      // Jobs are bounded by the worker's concurrency, not by admission (see src/dispatch/admission.ts).
      admission: new Admission({ threads: pool.threads, maxBacklogMs: this.#config.jobs.timeoutMs }),
      inlineBudgetMicros: this.#config.dispatch.inlineBudgetMicros,
      slicedBudgetMicros: this.#config.dispatch.slicedBudgetMicros,
      deadlineMs: this.#config.jobs.timeoutMs,
    });
  }

  get #member(): ClusterMember {
    return { id: this.id, threads: this.pool.threads };
  }

  /** Announces this worker and its threads; the sum over live workers is how wide jobs fan out. */
  async #beat(): Promise<void> {
    const total = await announceWorker(this.state.redis, this.state.keys.workers, this.#member, healthMaxAgeMs);
    this.#clusterThreads = Math.max(this.pool.threads, total);
    // A beat still on its way when the worker began to close must not make it healthy again.
    if (this.#config.workerHealthFile !== undefined && !this.#closing) await touchHealthFile(this.#config.workerHealthFile);
  }

  /** A job is planned for the workers alive when it starts, not at the last heartbeat (a worker may have just joined). */
  async #refreshClusterThreads(): Promise<void> {
    const total = await clusterThreads(this.state.redis, this.state.keys.workers).catch(() => this.#clusterThreads);
    this.#clusterThreads = Math.max(this.pool.threads, total);
  }

  #cancel(message: string): void {
    const [kind, id = ''] = message.split(' ');
    if (kind === 'job') {
      this.#jobsWorker?.cancelJob(id, 'cancelled');
      // Also the run's own controller: BullMQ knows a job only once its processor is called.
      this.#jobRuns.get(id)?.abort(new Error('job cancelled'));
    }
    for (const taskId of this.#runningTasks.get(id) ?? []) this.#tasksWorker?.cancelJob(taskId, 'cancelled');
  }

  async #runJob(job: Job<QueuedJobData>, token: string | undefined, signal: AbortSignal | undefined): Promise<void> {
    // Linked before the first await: a cancel broadcast that lands while the record is read
    // aborts BullMQ's signal then, and a listener added after that would never hear it.
    const controller = new AbortController();
    const onAbort = (): void => controller.abort(signal?.reason);
    if (signal?.aborted === true) onAbort();
    else signal?.addEventListener('abort', onAbort, { once: true });
    try {
      await this.#runJobLinked(job, token, controller);
    } finally {
      signal?.removeEventListener('abort', onAbort);
    }
  }

  async #runJobLinked(job: Job<QueuedJobData>, token: string | undefined, controller: AbortController): Promise<void> {
    const { id } = job.data;
    const { records } = this.state;
    const [run] = await Promise.all([records.getForRun(id), this.#refreshClusterThreads()]);
    // Expired, or finished by an earlier run that died before BullMQ heard of it.
    if (run === undefined || isFinished(run.record.status)) return;
    const { record } = run;
    if (run.cancelRequested) {
      await this.state.finishCancelled(id, record.progress);
      return;
    }
    // This worker holds the job: it alone writes the record, so it keeps it instead of reading
    // it back, and each change goes out with its event in one round trip.
    let current = record;
    let sequence = run.sequence;
    let writes = Promise.resolve();
    const write = (patch: JobPatch, type: 'progress' | 'status'): Promise<void> => {
      // A write that failed (Redis away a moment) must not stop the ones after it, the final state above all.
      writes = writes.catch(() => undefined).then(async () => {
        sequence += 1;
        current = (await records.update(id, patch, { current, alongside: this.state.announce(id, sequence, type) })) ?? current;
      });
      return writes;
    };
    const startedAt = new Date().toISOString();
    await write({ status: 'running', startedAt }, 'status');
    const running: JobRecord = { ...record, status: 'running', startedAt };
    this.state.observer?.started(running);
    let latest: ProgressUpdate | null = record.progress;
    let lastWrite = 0;
    const progress = (update: ProgressUpdate): void => {
      latest = update;
      const now = Date.now();
      if (now - lastWrite < progressIntervalMs && update.done < update.total) return;
      lastWrite = now;
      void write({ progress: update }, 'progress').catch(() => undefined);
    };
    this.#jobRuns.set(id, controller);
    const cancelPoll = setInterval(() => {
      records.cancelRequested(id).then(
        (requested) => {
          if (requested) controller.abort(new Error('job cancelled'));
        },
        () => undefined,
      );
    }, cancelPollMs);
    cancelPoll.unref();
    const finish = async (patch: JobPatch & { status: JobStatus }): Promise<void> => {
      const finishedAt = new Date();
      const final = {
        ...patch,
        progress: latest,
        finishedAt: finishedAt.toISOString(),
        expiresAt: new Date(finishedAt.getTime() + this.#config.jobs.ttlSeconds * 1_000).toISOString(),
      };
      await write(final, 'status');
      await this.state.releaseJob(id);
      // The record as written, without its result: what the counts and the log need.
      const { resultJson: _result, ...finished } = { ...running, ...final };
      await this.state.recordFinished(finished).catch(() => undefined);
      this.state.observer?.finished(finished);
    };
    try {
      const input = await this.state.codecFor(id).decode(job.data.input);
      const resultJson = await this.#execute(
        {
          operation: job.data.operation,
          input,
          tenant: job.data.tenant,
          ...(job.data.placement === undefined ? {} : { placement: job.data.placement as 'pool' }),
        },
        { id, signal: controller.signal, progress },
      );
      if (resultJson.byteLength > this.#config.memory.jobResult) throw new JobResultTooLargeError(resultJson.byteLength, this.#config.memory.jobResult);
      await finish({ status: 'succeeded', resultJson });
    } catch (error) {
      if (controller.signal.reason instanceof WorkerStoppingError) {
        // Back to queued for whoever takes it next; BullMQ is told by the WaitingError.
        await writes.catch(() => undefined);
        await write({ status: 'queued', startedAt: null }, 'status');
        await job.moveToWait(token);
        throw new WaitingError();
      }
      if (controller.signal.aborted && (await records.cancelRequested(id))) await finish({ status: 'cancelled' });
      else {
        const problem = jobProblem(error, (unexpected) => this.#logger.error({ err: unexpected, job: id }, 'job failed unexpectedly'));
        await finish({ status: 'failed', problem });
      }
    } finally {
      clearInterval(cancelPoll);
      this.#jobRuns.delete(id);
    }
  }

  async #runTask(job: Job<QueuedTaskData, TaskReturn>, token: string | undefined, signal: AbortSignal | undefined): Promise<TaskReturn> {
    const { task, parent, lane } = job.data;
    const taskId = job.id ?? '';
    let running = this.#runningTasks.get(parent);
    if (running === undefined) {
      running = new Set();
      this.#runningTasks.set(parent, running);
    }
    running.add(taskId);
    const controller = new AbortController();
    const onAbort = (): void => controller.abort(signal?.reason);
    signal?.addEventListener('abort', onAbort, { once: true });
    this.#taskRuns.set(taskId, controller);
    try {
      const codec = this.state.codecFor(parent);
      const input = await codec.decode(job.data.input);
      const result = await this.pool.run(task as TaskName, input as never, {
        signal: controller.signal,
        lane: lane ?? laneFor('', 'jobs', false),
      });
      const output: Json = await codec.encode(result.value);
      return { output, computeMs: result.computeMs };
    } catch (error) {
      if (controller.signal.reason instanceof WorkerStoppingError) {
        await job.moveToWait(token);
        throw new WaitingError();
      }
      if (controller.signal.aborted) throw new UnrecoverableError('cancelled');
      // The parent revives it as the same error class (src/distributed/tasks.ts).
      throw new UnrecoverableError(JSON.stringify(taskErrorData(error)));
    } finally {
      signal?.removeEventListener('abort', onAbort);
      this.#taskRuns.delete(taskId);
      running.delete(taskId);
      if (running.size === 0) this.#runningTasks.delete(parent);
    }
  }
}

/** Whether the promise settles within `ms` (at once when `ms` is not positive and it has not). */
async function settlesWithin(promise: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const settled = promise.then(
    () => true,
    () => true,
  );
  const late = new Promise<boolean>((resolve) => {
    timer = setTimeout(() => resolve(false), Math.max(0, ms));
  });
  try {
    return await Promise.race([settled, late]);
  } finally {
    clearTimeout(timer);
  }
}
