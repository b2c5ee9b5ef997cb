/**
 * Jobs on BullMQ, as an API replica sees them: submissions go to the `jobs` queue with their
 * input encoded as JSON (bulk bytes as blobs), records live in Redis (src/distributed/records.ts),
 * and every change any worker publishes reaches this replica's event streams. Any replica
 * answers any request about any job; none of them runs jobs (src/distributed/worker.ts does).
 */
import { randomBytes } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { Queue } from 'bullmq';
import type { ChainableCommander, Redis } from 'ioredis';
import { plainDataBytes } from '../budgets.js';
import type { Config, DistributedConfig } from '../config.js';
import { OverloadedError, QuotaExceededError, ShuttingDownError } from '../dispatch/errors.js';
import {
  IdempotencyConflictError,
  JobExpiredError,
  JobFinishedError,
  JobNotFoundError,
  JobsUnavailableError,
} from '../jobs/errors.js';
import {
  durationBucket,
  type FinishedJobs,
  jobDurationBuckets,
  type JobObserver,
  type JobStatsSnapshot,
  runSeconds,
} from '../jobs/stats.js';
import {
  isFinished,
  type JobEvent,
  type JobListOptions,
  type JobRecord,
  type JobService,
  type JobSubmission,
  type JobWork,
  queuedJobRecord,
  scopedIdempotencyKey,
  type JobStatus,
  jobStatuses,
} from '../jobs/types.js';
import { waitForJob } from '../jobs/wait.js';
import { RedisBlobs } from './blobs.js';
import { DataCodec, type Json } from './codec.js';
import { RedisChannels } from './events.js';
import { RedisJobRecords } from './records.js';
import { type RedisKeys, redisKeys } from './redis.js';

type JobProblem = NonNullable<JobRecord['problem']>;

/** What a `jobs` queue entry carries: the job as data. */
export interface QueuedJobData {
  readonly id: string;
  readonly tenant: string;
  readonly operation: string;
  readonly input: Json;
  readonly placement?: string;
}

/** `<id> <sequence> <type>`: what every process hears of a change of a job (src/distributed/events.ts). */
function eventMessage(id: string, sequence: number, type: JobEvent['type']): string {
  return `${id} ${sequence} ${type}`;
}

/** How long DELETE waits for a running job's worker to stop it. */
const cancelWaitMs = 15_000;

/** Everything a process of the distributed mode shares: connections, keys, records, blobs, channels. */
export class DistributedState {
  readonly keys: RedisKeys;
  readonly records: RedisJobRecords;
  readonly blobs: RedisBlobs;
  readonly channels: RedisChannels;

  constructor(
    readonly redis: Redis,
    readonly distributed: DistributedConfig,
    readonly config: Config,
    /** Told of the transitions this process makes (logs). */
    readonly observer?: JobObserver,
  ) {
    this.keys = redisKeys(distributed.prefix);
    this.records = new RedisJobRecords(redis, this.keys, {
      ttlSeconds: config.jobs.ttlSeconds,
      maxFinished: config.jobs.maxRetained,
      maxResultBytes: config.memory.jobResults,
    });
    // Blobs must outlive a job's wait in the queue, its run and its time as a result.
    this.blobs = new RedisBlobs(redis, this.keys, Math.ceil(config.jobs.timeoutMs / 1_000) + config.jobs.ttlSeconds + 3_600);
    this.channels = new RedisChannels(redis);
  }

  codecFor(jobId: string): DataCodec {
    return new DataCodec(this.blobs.for(jobId));
  }

  /** Numbers the job's events across every process, then tells every process. */
  async publish(id: string, type: JobEvent['type']): Promise<void> {
    const sequence = await this.redis.hincrby(this.keys.job(id), 'sequence', 1);
    await this.redis.publish(this.keys.events, eventMessage(id, sequence, type));
  }

  /**
   * The job's event number `sequence`, sent in the transaction that makes the change it
   * announces: by the one process holding the job, which numbers its events itself.
   */
  announce(id: string, sequence: number, type: JobEvent['type']): (transaction: ChainableCommander) => void {
    return (transaction) => transaction.hset(this.keys.job(id), 'sequence', sequence).publish(this.keys.events, eventMessage(id, sequence, type));
  }

  /**
   * Returns what a settled job held: its share of the inputs budget, its place among its
   * tenant's active jobs, its blobs. Each charge is taken back once, whoever settles the job.
   */
  async releaseJob(id: string): Promise<void> {
    const { redis, keys } = this;
    await Promise.all([
      (async () => {
        const charged = await redis.getdel(keys.inputCharge(id));
        if (charged !== null) await redis.decrby(keys.inputBytes, Number(charged));
      })(),
      (async () => {
        const tenant = await redis.getdel(keys.activeCharge(id));
        if (tenant !== null) await redis.decr(keys.activeJobs(tenant));
      })(),
      this.blobs.release(id),
    ]);
  }

  /**
   * Records a job BullMQ failed without crunch finishing it (it stalled more than
   * WORKER_MAX_STALLED times, or its final write failed), which would otherwise stay
   * `running`; once, by whichever process claims it first.
   */
  async finishLost(id: string, problem: JobProblem): Promise<void> {
    if ((await this.redis.set(this.keys.lost(id), '1', 'EX', 3_600, 'NX')) !== 'OK') return;
    const job = await this.records.get(id);
    if (job === undefined || isFinished(job.status)) return;
    const finishedAt = new Date();
    const updated = await this.records.update(
      id,
      {
        status: 'failed',
        problem,
        finishedAt: finishedAt.toISOString(),
        expiresAt: new Date(finishedAt.getTime() + this.config.jobs.ttlSeconds * 1_000).toISOString(),
      },
      { current: job },
    );
    await this.publish(id, 'status');
    await this.releaseJob(id);
    if (updated === undefined) return;
    const { resultJson: _result, ...finished } = updated;
    await this.recordFinished(finished).catch(() => undefined);
    this.observer?.finished(finished);
  }

  /**
   * Counts a finished job where every replica reads it (the metrics of the whole deployment):
   * one pipeline of increments per job, written by the process that finished it.
   */
  async recordFinished(job: JobRecord): Promise<void> {
    const field = `${job.operation}|${job.status}`;
    const seconds = runSeconds(job);
    await this.redis
      .pipeline()
      .hincrby(this.keys.jobStats, `${field}|count`, 1)
      .hincrbyfloat(this.keys.jobStats, `${field}|seconds`, seconds)
      .hincrby(this.keys.jobStats, `${field}|b${durationBucket(seconds)}`, 1)
      .exec();
  }

  /** The finished-job counts of the whole deployment. */
  async finishedJobs(): Promise<FinishedJobs[]> {
    const fields = await this.redis.hgetall(this.keys.jobStats);
    const byKey = new Map<string, { operation: string; status: JobStatus; count: number; seconds: number; buckets: number[] }>();
    for (const [field, value] of Object.entries(fields)) {
      const [operation = '', status = '', what = ''] = field.split('|');
      if (!(jobStatuses as readonly string[]).includes(status)) continue;
      const key = `${operation}|${status}`;
      let entry = byKey.get(key);
      if (entry === undefined) {
        entry = { operation, status: status as JobStatus, count: 0, seconds: 0, buckets: new Array<number>(jobDurationBuckets.length + 1).fill(0) };
        byKey.set(key, entry);
      }
      if (what === 'count') entry.count = Number(value);
      else if (what === 'seconds') entry.seconds = Number(value);
      else if (what.startsWith('b')) entry.buckets[Number(what.slice(1))] = Number(value);
    }
    return [...byKey.values()];
  }

  /** Finishes a job as cancelled and lets everyone know. */
  async finishCancelled(id: string, progress: JobRecord['progress'] | undefined): Promise<JobRecord | undefined> {
    const finishedAt = new Date();
    const job = await this.records.update(id, {
      status: 'cancelled',
      finishedAt: finishedAt.toISOString(),
      expiresAt: new Date(finishedAt.getTime() + this.config.jobs.ttlSeconds * 1_000).toISOString(),
      ...(progress === undefined ? {} : { progress }),
    });
    await this.publish(id, 'status');
    await this.releaseJob(id);
    if (job !== undefined) {
      await this.recordFinished(job);
      this.observer?.finished(job);
    }
    return job;
  }
}

export class DistributedJobs implements JobService {
  readonly #state: DistributedState;
  readonly #queue: Queue<QueuedJobData>;
  readonly #local = new EventEmitter();
  /** Per job, the chain of event deliveries: records are read in the order events came. */
  readonly #delivering = new Map<string, Promise<void>>();
  readonly #ready: Promise<void>;
  #closed = false;

  constructor(state: DistributedState) {
    this.#state = state;
    this.#local.setMaxListeners(0);
    this.#queue = new Queue<QueuedJobData>(state.keys.jobsQueue, { connection: state.redis, prefix: state.distributed.prefix });
    // Errors reach callers through the commands that failed; the queue's own are noise while Redis is away.
    this.#queue.on('error', () => undefined);
    this.#ready = state.channels.on(state.keys.events, (message) => this.#deliver(message));
    this.#ready.catch(() => undefined);
  }

  async submit(submission: JobSubmission): Promise<{ job: JobRecord; created: boolean }> {
    if (this.#closed) throw new ShuttingDownError('The server is shutting down; submit the job to another instance.');
    return this.#guard(async () => {
      const { records, keys, redis, config } = this.#state;
      const id = randomBytes(16).toString('base64url');
      const { idempotency, ...work } = submission;
      if (idempotency !== undefined) {
        const key = scopedIdempotencyKey(work.tenant, idempotency.key);
        const earlier = await records.claimIdempotencyKey(key, { jobId: id, fingerprint: idempotency.fingerprint });
        if (earlier !== undefined) {
          if (earlier.fingerprint !== idempotency.fingerprint) throw new IdempotencyConflictError(earlier.jobId);
          const job = await records.get(earlier.jobId);
          if (job !== undefined) return { job, created: false };
        }
      }
      const active = await redis.incr(keys.activeJobs(work.tenant));
      if (active > config.tenants.maxActiveJobs) {
        await redis.decr(keys.activeJobs(work.tenant));
        throw new QuotaExceededError(
          `You have ${active - 1} jobs queued or running, the most one tenant may (TENANT_MAX_ACTIVE_JOBS); retry when some have finished.`,
          5,
          { quota: 'active-jobs', activeJobs: active - 1 },
        );
      }
      // From here on the job counts among its tenant's active ones until it settles (releaseJob).
      const chargeSeconds = Math.ceil(config.jobs.timeoutMs / 1_000) + config.jobs.ttlSeconds;
      await redis.set(keys.activeCharge(id), work.tenant, 'EX', chargeSeconds);
      try {
        return await this.#enqueue(id, work, chargeSeconds);
      } catch (error) {
        await this.#state.releaseJob(id).catch(() => undefined);
        throw error;
      }
    });
  }

  /** Queues a job whose tenant has room: checks the queue and inputs budget, stores the input, the record and the queue entry. */
  async #enqueue(id: string, work: JobWork, chargeSeconds: number): Promise<{ job: JobRecord; created: boolean }> {
    const { records, keys, redis, config } = this.#state;
    const inputBytes = plainDataBytes(work.input);
    // Both bounds in one round trip: the input is charged first, and the caller's releaseJob gives it back if either refuses.
    const [waiting, charged] = await Promise.all([
      this.#queue.getWaitingCount(),
      redis.multi().incrby(keys.inputBytes, inputBytes).set(keys.inputCharge(id), String(inputBytes), 'EX', chargeSeconds).exec(),
    ]);
    const [chargeError, heldBytes] = charged?.[0] ?? [new Error('the input charge was not counted')];
    if (chargeError !== null) throw chargeError;
    const held = Number(heldBytes);
    if (waiting >= config.jobs.maxQueued) {
      throw new OverloadedError(`${waiting} jobs are already waiting to run; retry later.`, 5, { queuedJobs: waiting });
    }
    if (held > config.memory.jobInputs) {
      throw new OverloadedError(
        `Queued and running jobs hold ${held - inputBytes} bytes of input; this one needs ${inputBytes} more, beyond the limit of ` +
          `${config.memory.jobInputs} (JOB_INPUTS_MAX_BYTES). Retry when some have finished.`,
        5,
        { budget: 'job inputs', limitBytes: config.memory.jobInputs },
      );
    }
    const input = await this.#state.codecFor(id).encode(work.input);
    const job = queuedJobRecord(id, work);
    await records.insert(job);
    this.#state.observer?.submitted(job);
    await this.#queue.add(
      work.operation,
      { id, tenant: work.tenant, operation: work.operation, input, ...(work.placement === undefined ? {} : { placement: work.placement }) },
      {
        jobId: id,
        attempts: 1,
        removeOnComplete: { age: config.jobs.ttlSeconds },
        removeOnFail: { age: config.jobs.ttlSeconds },
      },
    );
    return { job, created: true };
  }

  async get(id: string, tenant: string): Promise<JobRecord> {
    return this.#guard(async () => {
      const job = await this.#state.records.get(id);
      // Another tenant's job does not exist, as far as this tenant can tell.
      if (job !== undefined) {
        if (job.tenant === tenant) return job;
        throw new JobNotFoundError(id);
      }
      if (await this.#state.records.wasExpired(id)) throw new JobExpiredError(id, this.#state.config.jobs.ttlSeconds);
      throw new JobNotFoundError(id);
    });
  }

  list(options: JobListOptions): Promise<JobRecord[]> {
    return this.#guard(() => this.#state.records.list(options));
  }

  async cancel(id: string, tenant: string): Promise<JobRecord> {
    const job = await this.get(id, tenant);
    if (isFinished(job.status)) throw new JobFinishedError(id, job.status);
    await this.#guard(async () => {
      const { records, redis, keys } = this.#state;
      await records.requestCancel(id);
      const queued = await this.#queue.getJob(id);
      const state = queued === undefined ? undefined : await queued.getState();
      if (queued !== undefined && (state === 'waiting' || state === 'delayed' || state === 'prioritized')) {
        // Fails if a worker took it meanwhile; that worker sees the cancel flag and stops.
        const removed = await queued.remove().then(
          () => true,
          () => false,
        );
        if (removed) {
          await this.#state.finishCancelled(id, job.progress);
          return;
        }
      }
      await redis.publish(keys.cancels, `job ${id}`);
    });
    return waitForJob(this, id, tenant, cancelWaitMs);
  }

  async stats(): Promise<JobStatsSnapshot> {
    return this.#guard(async () => {
      const counts = await this.#queue.getJobCounts('waiting', 'delayed', 'prioritized', 'active');
      return {
        queued: (counts['waiting'] ?? 0) + (counts['delayed'] ?? 0) + (counts['prioritized'] ?? 0),
        running: counts['active'] ?? 0,
        finished: await this.#state.finishedJobs(),
      };
    });
  }

  subscribe(id: string, listener: (event: JobEvent) => void): () => void {
    this.#local.on(id, listener);
    return () => this.#local.off(id, listener);
  }

  waitFor(id: string, tenant: string, timeoutMs: number, signal?: AbortSignal): Promise<JobRecord> {
    return waitForJob(this, id, tenant, timeoutMs, signal);
  }

  async drain(_timeoutMs: number): Promise<void> {
    // Jobs run on the workers: an API replica only stops taking submissions.
    await this.close();
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await Promise.allSettled([this.#queue.close(), this.#state.channels.close()]);
  }

  /** Reads the record an event announces, once, and hands the same event object to every local listener. */
  #deliver(message: string): void {
    const [id = '', sequenceText = '0', type = 'status'] = message.split(' ');
    if (this.#local.listenerCount(id) === 0) return;
    const previous = this.#delivering.get(id) ?? Promise.resolve();
    const next = previous
      .then(async () => {
        const job = await this.#state.records.get(id);
        if (job === undefined) return;
        const event: JobEvent = { type: type === 'progress' ? 'progress' : 'status', job, sequence: Number(sequenceText) };
        this.#local.emit(id, event);
      })
      .catch(() => undefined)
      .finally(() => {
        if (this.#delivering.get(id) === next) this.#delivering.delete(id);
      });
    this.#delivering.set(id, next);
  }

  /**
   * Redis failures become JobsUnavailableError (503), a full Redis an OverloadedError (503);
   * the errors of the jobs themselves pass through.
   */
  async #guard<T>(operation: () => Promise<T>): Promise<T> {
    try {
      return await operation();
    } catch (error) {
      if (this.#state.redis.status !== 'ready' || isConnectionError(error)) throw new JobsUnavailableError({ cause: error });
      if (isOutOfMemory(error)) {
        // With `maxmemory-policy noeviction` (checked at start) a full Redis refuses writes instead of dropping keys.
        throw new OverloadedError(
          'Redis, where jobs are kept, is full (its maxmemory is reached): retry when finished jobs have expired, or give Redis more memory.',
          5,
          { budget: 'redis memory' },
        );
      }
      throw error;
    }
  }
}

/** Whether Redis refused a write for want of memory (maxmemory reached under noeviction). */
function isOutOfMemory(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  // A transaction refused whole (EXECABORT) names what refused it among its previous errors.
  const previous = (error as { previousErrors?: unknown }).previousErrors;
  return [error, ...(Array.isArray(previous) ? previous : [])].some((cause) => cause instanceof Error && cause.message.startsWith('OOM '));
}

/** Whether a Redis command failed for want of a connection (rather than for what it asked). */
export function isConnectionError(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  return /Connection is closed|enableOfflineQueue|ECONNREFUSED|ECONNRESET|ETIMEDOUT|max retries per request/i.test(error.message);
}
