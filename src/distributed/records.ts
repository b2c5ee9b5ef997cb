/**
 * Job records in Redis, readable by every API replica and worker. A record is one hash:
 * `record` (the JobRecord as JSON, without its result), `result` (the result's JSON bytes,
 * kept as bytes and never parsed again), `cancel` (present once DELETE asked for it).
 *
 * The bounds of the embedded store hold here too: a finished record expires after the job
 * TTL (a tombstone answers 410 a while longer); finished jobs beyond JOB_MAX_RETAINED, and
 * results beyond JOB_RESULTS_MAX_BYTES, go oldest first. Results are counted to the byte in
 * one counter that every process updates.
 */
import type { ChainableCommander, Redis } from 'ioredis';
import { isFinished, type IdempotencyClaim, type JobListOptions, type JobPatch, type JobRecord, type JobStore } from '../jobs/types.js';
import type { RedisKeys } from './redis.js';

export interface RecordOptions {
  readonly ttlSeconds: number;
  readonly maxFinished: number;
  readonly maxResultBytes: number;
  /** How long an expired job is remembered for 410 answers. */
  readonly tombstoneSeconds?: number;
}

const defaultTombstoneSeconds = 7 * 24 * 3600;
/** Ids looked at per `list` call: the newest, filtered by status. */
const listWindow = 1_000;

export class RedisJobRecords implements JobStore {
  constructor(
    private readonly redis: Redis,
    private readonly keys: RedisKeys,
    private readonly options: RecordOptions,
  ) {}

  async insert(job: JobRecord): Promise<void> {
    const { resultJson: _result, ...record } = job;
    await this.redis
      .multi()
      .hset(this.keys.job(job.id), 'record', JSON.stringify(record))
      .zadd(this.keys.recent(job.tenant), Date.parse(job.createdAt), job.id)
      .exec();
  }

  async get(id: string): Promise<JobRecord | undefined> {
    const [recordText, result] = await Promise.all([
      this.redis.hget(this.keys.job(id), 'record'),
      this.redis.hgetBuffer(this.keys.job(id), 'result'),
    ]);
    if (recordText === null) return undefined;
    const record = JSON.parse(recordText) as JobRecord;
    return result === null ? record : { ...record, resultJson: result };
  }

  /**
   * What a worker needs to run a job, in one round trip: the record (without its result,
   * which only a finished job has), whether DELETE asked it to stop, and the number of its
   * last event, from which the worker numbers the events it sends.
   */
  async getForRun(id: string): Promise<{ record: JobRecord; cancelRequested: boolean; sequence: number } | undefined> {
    const [recordText, cancel, sequence] = await this.redis.hmget(this.keys.job(id), 'record', 'cancel', 'sequence');
    if (recordText === null || recordText === undefined) return undefined;
    return { record: JSON.parse(recordText) as JobRecord, cancelRequested: cancel !== null, sequence: Number(sequence ?? 0) };
  }

  /** Whether DELETE asked for the job to stop. */
  async cancelRequested(id: string): Promise<boolean> {
    return (await this.redis.hexists(this.keys.job(id), 'cancel')) === 1;
  }

  async requestCancel(id: string): Promise<void> {
    await this.redis.hset(this.keys.job(id), 'cancel', '1');
  }

  /**
   * Read, patch, write: only the process that holds the job writes its record (the worker
   * running it, or the API that removed it from the queue), so there is no other writer to
   * race. A holder that knows the record gives it as `current` and saves the read;
   * `alongside` adds commands to the same transaction (the event announcing the change).
   */
  async update(
    id: string,
    patch: JobPatch,
    options: { readonly current?: JobRecord; readonly alongside?: (transaction: ChainableCommander) => void } = {},
  ): Promise<JobRecord | undefined> {
    const current = options.current ?? (await this.get(id));
    if (current === undefined) return undefined;
    const next: JobRecord = { ...current, ...patch };
    const { resultJson, ...record } = next;
    const key = this.keys.job(id);
    const transaction = this.redis.multi().hset(key, 'record', JSON.stringify(record));
    const finishing = !isFinished(current.status) && isFinished(next.status);
    if (finishing) {
      const ttl = this.options.ttlSeconds;
      const bytes = resultJson?.byteLength ?? 0;
      if (resultJson !== undefined) {
        transaction
          .hset(key, 'result', Buffer.from(resultJson.buffer, resultJson.byteOffset, resultJson.byteLength))
          .incrby(this.keys.resultBytes, bytes);
      }
      transaction.zadd(this.keys.finished, Date.parse(next.finishedAt ?? new Date().toISOString()), `${next.tenant}:${id}:${bytes}`);
      transaction.expire(key, ttl).set(this.keys.gone(id), '1', 'EX', ttl + (this.options.tombstoneSeconds ?? defaultTombstoneSeconds));
    }
    options.alongside?.(transaction);
    // The bounds as they stand after this job, read in the same transaction: most finishes are within them.
    if (finishing) transaction.get(this.keys.resultBytes).zcard(this.keys.finished);
    const replies = (await transaction.exec()) ?? [];
    if (finishing) {
      const [[, bytesText] = [], [, count] = []] = replies.slice(-2);
      if (Number(bytesText ?? 0) > this.options.maxResultBytes || Number(count ?? 0) > this.options.maxFinished) await this.#enforceBounds();
    }
    return next;
  }

  async list(options: JobListOptions): Promise<JobRecord[]> {
    const recent = this.keys.recent(options.tenant);
    const ids = await this.redis.zrevrange(recent, 0, listWindow - 1);
    if (ids.length === 0) return [];
    const pipeline = this.redis.pipeline();
    for (const id of ids) pipeline.hget(this.keys.job(id), 'record');
    const replies = (await pipeline.exec()) ?? [];
    const found: JobRecord[] = [];
    const vanished: string[] = [];
    replies.forEach(([error, text], index) => {
      if (error !== null || typeof text !== 'string') {
        vanished.push(ids[index] as string);
        return;
      }
      const job = JSON.parse(text) as JobRecord;
      if (found.length < options.limit && (options.status === undefined || job.status === options.status)) found.push(job);
    });
    if (vanished.length > 0) await this.redis.zrem(recent, ...vanished);
    return found;
  }

  async claimIdempotencyKey(key: string, claim: IdempotencyClaim): Promise<IdempotencyClaim | undefined> {
    const redisKey = this.keys.idempotency(key);
    // As long as a job lives, and a little: a key outlives the job it names only as a tombstone would.
    const set = await this.redis.set(redisKey, JSON.stringify(claim), 'EX', this.options.ttlSeconds * 2 + 86_400, 'NX');
    if (set === 'OK') return undefined;
    const earlier = await this.redis.get(redisKey);
    if (earlier === null) return this.claimIdempotencyKey(key, claim);
    const parsed = JSON.parse(earlier) as IdempotencyClaim;
    if ((await this.redis.exists(this.keys.job(parsed.jobId))) === 0) {
      await this.redis.set(redisKey, JSON.stringify(claim), 'EX', this.options.ttlSeconds * 2 + 86_400);
      return undefined;
    }
    return parsed;
  }

  /** Records expire by themselves (EXPIRE); what is left to do is to stop counting their results. */
  async removeExpired(now: Date): Promise<number> {
    const cutoff = now.getTime() - this.options.ttlSeconds * 1_000;
    const expired = await this.redis.zrangebyscore(this.keys.finished, 0, cutoff);
    if (expired.length === 0) return 0;
    const bytes = expired.reduce((total, member) => total + Number(member.slice(member.lastIndexOf(':') + 1)), 0);
    // The tenants' lists drop expired ids as they meet them (`list`).
    await this.redis.multi().zrem(this.keys.finished, ...expired).decrby(this.keys.resultBytes, bytes).exec();
    return expired.length;
  }

  async wasExpired(id: string): Promise<boolean> {
    return (await this.redis.exists(this.keys.gone(id))) === 1;
  }

  /** Drops the oldest finished jobs while results exceed their budget or finished jobs their count. */
  async #enforceBounds(): Promise<void> {
    for (;;) {
      const [bytesText, count] = await Promise.all([this.redis.get(this.keys.resultBytes), this.redis.zcard(this.keys.finished)]);
      const bytes = Number(bytesText ?? 0);
      if (bytes <= this.options.maxResultBytes && count <= this.options.maxFinished) return;
      const popped = await this.redis.zpopmin(this.keys.finished);
      const member = popped[0];
      if (member === undefined) return;
      const [tenant = '', id = '', size = '0'] = member.split(':');
      await this.redis.multi().decrby(this.keys.resultBytes, Number(size)).del(this.keys.job(id)).zrem(this.keys.recent(tenant), id).exec();
    }
  }
}
