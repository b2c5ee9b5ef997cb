/**
 * Redis for the distributed mode: connections, the checks made at start, and the names of
 * every key. BullMQ keeps the queues (`<prefix>:jobs`, `<prefix>:tasks` under BullMQ's own
 * key scheme); crunch keeps beside them what BullMQ has no notion of — job records with
 * their results, idempotency keys, byte counters, tombstones of expired jobs, blobs — under
 * the same prefix, so one Redis can serve several deployments.
 */
import type { RedisOptions as QueueConnectionOptions } from 'bullmq';
import { Redis, type RedisOptions } from 'ioredis';
import type { DistributedConfig } from '../config.js';

/** Command connections fail fast while Redis is unreachable (a 503 now beats a request hanging). */
export function commandConnection(config: DistributedConfig, name: string): Redis {
  return new Redis(config.redisUrl, {
    connectionName: `${config.prefix}:${name}`,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 1,
    retryStrategy: (attempt) => Math.min(2_000, 50 * 2 ** Math.min(attempt, 6)),
    lazyConnect: false,
  } satisfies RedisOptions);
}

/** BullMQ's workers and event readers block on Redis and must retry forever (its documented requirement). */
export function blockingConnectionOptions(config: DistributedConfig): QueueConnectionOptions {
  return {
    url: config.redisUrl,
    maxRetriesPerRequest: null,
    retryStrategy: (attempt) => Math.min(2_000, 50 * 2 ** Math.min(attempt, 6)),
  };
}

export class RedisSetupError extends Error {
  override readonly name = 'RedisSetupError';
}

/** Resolves once the connection is up (commands fail fast before: they are not queued). */
export function whenReady(redis: Redis, timeoutMs = 10_000): Promise<void> {
  if (redis.status === 'ready') return Promise.resolve();
  return new Promise((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new RedisSetupError(`Redis did not answer within ${timeoutMs / 1_000} s: check REDIS_URL and that Redis runs.`)),
      timeoutMs,
    );
    redis.once('ready', () => {
      clearTimeout(timer);
      resolve();
    });
  });
}

/**
 * BullMQ needs Redis 6.2 or later, and a Redis that may evict keys under memory pressure
 * would silently lose queued jobs: both are checked at start and said plainly.
 */
export async function checkRedis(redis: Redis): Promise<{ version: string; maxmemoryPolicy: string }> {
  const info = await redis.info();
  const field = (name: string): string | undefined => new RegExp(`^${name}:(.*)$`, 'm').exec(info)?.[1]?.trim();
  const version = field('valkey_version') ?? field('redis_version') ?? '0';
  const [major = 0, minor = 0] = version.split('.').map(Number);
  if (major < 6 || (major === 6 && minor < 2)) {
    throw new RedisSetupError(`Redis ${version} is too old: the distributed mode (BullMQ) needs Redis 6.2 or later (or Valkey).`);
  }
  const maxmemoryPolicy = field('maxmemory_policy') ?? 'noeviction';
  if (maxmemoryPolicy !== 'noeviction') {
    throw new RedisSetupError(
      `Redis evicts keys under memory pressure (maxmemory-policy ${maxmemoryPolicy}): queued jobs could vanish. ` +
        'Set `maxmemory-policy noeviction` (redis.conf, or CONFIG SET maxmemory-policy noeviction).',
    );
  }
  return { version, maxmemoryPolicy };
}

/** The names of crunch's own keys and channels. */
export function redisKeys(prefix: string) {
  return {
    jobsQueue: 'jobs',
    tasksQueue: 'tasks',
    /** Hash: `record` (JSON), `result` (JSON bytes), `cancel` (set when DELETE asked for it). */
    job: (id: string) => `${prefix}:job:${id}`,
    /** Remembers an expired job for 410 answers. */
    gone: (id: string) => `${prefix}:gone:${id}`,
    /** What a job's input holds of the inputs budget, until the job settles. */
    inputCharge: (id: string) => `${prefix}:input-charge:${id}`,
    /** Sorted set of a tenant's job ids by creation time (its list, newest first). */
    recent: (tenant: string) => `${prefix}:recent:${tenant}`,
    /** Sorted set of `tenant:id:bytes` of finished jobs (bytes of result, 0 for none), by finishing time: the results budget and count. */
    finished: `${prefix}:finished`,
    resultBytes: `${prefix}:result-bytes`,
    inputBytes: `${prefix}:input-bytes`,
    idempotency: (key: string) => `${prefix}:idempotency:${key}`,
    /** Claimed by the one worker that records a job BullMQ failed behind crunch's back. */
    lost: (id: string) => `${prefix}:lost:${id}`,
    blob: (id: string) => `${prefix}:blob:${id}`,
    /** A tenant's rate-limit bucket. */
    rateBucket: (tenant: string) => `${prefix}:rate:${tenant}`,
    /** Jobs queued or running per tenant, and which jobs are counted (so each is uncounted once). */
    activeJobs: (tenant: string) => `${prefix}:active-jobs:${tenant}`,
    activeCharge: (id: string) => `${prefix}:active-charge:${id}`,
    /** Hash: per `<operation>|<status>`, finished jobs `|count`, their run `|seconds` and `|b<bucket>` counts (src/jobs/stats.ts). */
    jobStats: `${prefix}:job-stats`,
    /** Sorted set of the live workers, `<id>:<threads>` by when their claim lapses (src/distributed/cluster.ts). */
    workers: `${prefix}:workers`,
    /** Pub/sub: `<id> <sequence> <type>` on every change of a job. */
    events: `${prefix}:events`,
    /** Pub/sub: the id of a job (or parent of tasks) whose work must stop. */
    cancels: `${prefix}:cancels`,
    /** Hash of a stored function: `json` (the record), `bytes` (what it counts against its tenant). */
    function: (tenant: string, id: string) => `${prefix}:function:${tenantKey(tenant)}:${id}`,
    /** Sorted set of a tenant's function ids, by when they were stored. */
    functions: (tenant: string) => `${prefix}:functions:${tenantKey(tenant)}`,
    /** Bytes of a tenant's stored functions. */
    functionBytes: (tenant: string) => `${prefix}:function-bytes:${tenantKey(tenant)}`,
    /** Orders stored functions (the sorted sets' scores). */
    functionSequence: `${prefix}:function-sequence`,
  } as const;
}

export type RedisKeys = ReturnType<typeof redisKeys>;

/** A tenant's name in a key: base64url, so no tenant can reach into another's keys with a `:`. */
function tenantKey(tenant: string): string {
  return `t${Buffer.from(tenant, 'utf8').toString('base64url')}`;
}
