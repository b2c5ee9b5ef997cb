/**
 * The only reader of the environment. Every setting is parsed and checked here, once,
 * so a typo in a deployment fails at start with a message naming the variable instead
 * of surfacing as odd behaviour under load.
 */
import { readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { z } from 'zod';
import type { SandboxLimits } from './sandbox/types.js';
import { type ApiKey, parseApiKeys } from './tenants/keys.js';

const integer = (min: number, max: number) => z.coerce.number().int().min(min).max(max);
const MiB = 1024 * 1024;

/** `*`, or a comma-separated list of exact origins (`scheme://host[:port]`, as browsers send them). */
const corsOrigins = z
  .string()
  .default('')
  .transform((value, context): '*' | string[] => {
    if (value.trim() === '*') return '*';
    const origins = value
      .split(',')
      .map((origin) => origin.trim())
      .filter((origin) => origin.length > 0);
    for (const origin of origins) {
      let parsed: URL | undefined;
      try {
        parsed = new URL(origin);
      } catch {
        parsed = undefined;
      }
      if (parsed === undefined || (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') || parsed.origin !== origin) {
        context.addIssue({
          code: 'custom',
          message:
            `${JSON.stringify(origin)} is not an origin: write scheme://host[:port] in lower case with no path or trailing ` +
            'slash (e.g. http://localhost:8080), separate several with commas, or give * alone for any origin',
        });
        return z.NEVER;
      }
    }
    return origins;
  });

/** Every variable crunch reads; README "Configuration" has a row for each (test/config-docs.test.ts). */
export const environmentSchema = z.object({
  PORT: integer(0, 65535).default(3000),
  HOST: z.string().min(1).default('0.0.0.0'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  LOG_BUFFER_MAX_BYTES: integer(65_536, 1_073_741_824).default(16 * 1024 * 1024),
  POOL_THREADS: integer(1, 256).default(availableParallelism()),
  POOL_MAX_BACKLOG_MS: integer(0, 3_600_000).default(5_000),
  POOL_MAX_QUEUED_TASKS: integer(1, 10_000_000).default(100_000),
  POOL_SAMPLE_INTERVAL_MS: integer(100, 60_000).default(2_000),
  POOL_SAMPLE_HISTORY: integer(2, 100_000).default(150),
  INLINE_BUDGET_US: integer(0, 10_000_000).default(1_000),
  SLICED_BUDGET_US: integer(0, 10_000_000).default(10_000),
  ALLOW_ROUTE_OVERRIDE: z.enum(['true', 'false']).default('false'),
  REQUEST_TIMEOUT_MS: integer(1, 3_600_000).default(30_000),
  HEADERS_TIMEOUT_MS: integer(1, 3_600_000).default(10_000),
  KEEP_ALIVE_TIMEOUT_MS: integer(1, 3_600_000).default(5_000),
  REFUSAL_BACKOFF_MAX_MS: integer(0, 60_000).default(1_000),
  MAX_CONNECTIONS: integer(1, 10_000_000).optional(),
  MAX_IDLE_CONNECTIONS: integer(1, 10_000_000).optional(),
  SHUTDOWN_TIMEOUT_MS: integer(0, 600_000).default(10_000),
  MAX_BODY_BYTES: integer(1_024, 2 ** 31).default(16 * 1024 * 1024),
  MAX_BINARY_BODY_BYTES: integer(1_024, 2 ** 31).default(256 * 1024 * 1024),
  MAX_BATCH_ITEMS: integer(1, 10_000_000).default(100_000),
  MAX_INTEGER_BITS: integer(8, 1_000_000).default(4_096),
  MAX_FACTOR_BITS: integer(8, 4_096).default(128),
  MAX_LIST_PAGE: integer(1, 10_000_000).default(100_000),
  MAX_SIEVE_WIDTH: z.coerce.bigint().positive().default(10n ** 12n),
  MAX_REDUCE_VALUES: integer(1, 2 ** 28).default(2 ** 25),
  JOB_TTL_SECONDS: integer(1, 30 * 24 * 3600).default(3_600),
  JOB_MAX_QUEUED: integer(1, 1_000_000).default(1_000),
  JOB_TIMEOUT_MS: integer(1, 24 * 3_600_000).default(3_600_000),
  JOB_CONCURRENCY: integer(1, 10_000).optional(),
  JOB_MAX_RETAINED: integer(1, 10_000_000).default(10_000),
  REQUEST_BODIES_MAX_BYTES: integer(1_024, 2 ** 40).default(384 * MiB),
  JSON_INLINE_PARSE_BYTES: integer(0, 2 ** 31).default(256 * 1024),
  JOB_INPUTS_MAX_BYTES: integer(1_024, 2 ** 40).default(384 * MiB),
  JOB_RESULTS_MAX_BYTES: integer(1_024, 2 ** 40).default(256 * MiB),
  JOB_RESULT_MAX_BYTES: integer(1_024, 2 ** 40).default(64 * MiB),
  RESPONSES_MAX_BYTES: integer(1_024, 2 ** 40).default(128 * MiB),
  CORS_ORIGINS: corsOrigins,
  API_KEYS: z.string().optional(),
  API_KEYS_FILE: z.string().min(1).optional(),
  METRICS_OPEN: z.enum(['true', 'false']).default('false'),
  RATE_LIMIT_PER_MINUTE: integer(0, 10_000_000).default(0),
  RATE_LIMIT_BURST: integer(1, 10_000_000).optional(),
  TENANT_MAX_BACKLOG_MS: integer(0, 3_600_000).optional(),
  TENANT_MAX_QUEUED_TASKS: integer(1, 10_000_000).default(10_000),
  TENANT_MAX_ACTIVE_JOBS: integer(1, 1_000_000).optional(),
  POOL_FAIR_SHARE: z.enum(['true', 'false']).default('true'),
  REDIS_URL: z
    .string()
    .regex(/^rediss?:\/\/\S+$/, 'must be a redis:// or rediss:// URL, e.g. redis://127.0.0.1:6379')
    .optional(),
  REDIS_PREFIX: z.string().regex(/^[A-Za-z0-9_.-]{1,64}$/, 'letters, digits, _ . - only (1 to 64)').default('crunch'),
  WORKER_LOCK_DURATION_MS: integer(1_000, 600_000).default(10_000),
  WORKER_STALLED_INTERVAL_MS: integer(500, 600_000).default(5_000),
  WORKER_MAX_STALLED: integer(0, 100).default(3),
  DISTRIBUTED_FANOUT_MIN_MS: integer(0, 3_600_000).default(200),
  WORKER_HEALTH_FILE: z.string().min(1).optional(),
  SANDBOX_MEMORY_MB: integer(8, 16_384).default(128),
  SANDBOX_PROCESS_MEMORY_MB: integer(128, 65_536).default(512),
  SANDBOX_CPU_MS: integer(10, 24 * 3_600_000).default(10_000),
  SANDBOX_STACK_KB: integer(256, 8_192).default(1_024),
  SANDBOX_MAX_SOURCE_BYTES: integer(256, 16 * 1024 * 1024).default(64 * 1024),
  SANDBOX_MAX_EMITS: integer(1, 1_000_000_000).default(5_000_000),
  SANDBOX_MAX_EMIT_BYTES: integer(1_024, 2 ** 30).default(64 * 1024 * 1024),
  SANDBOX_MAX_RESULT_BYTES: integer(1_024, 2 ** 30).default(16 * 1024 * 1024),
  SANDBOX_BATCH_BYTES: integer(1, 2 ** 30).optional(),
  FUNCTIONS_MAX_PER_TENANT: integer(0, 10_000).default(100),
  FUNCTIONS_MAX_BYTES_PER_TENANT: integer(1_024, 2 ** 31).default(16 * MiB),
});

/**
 * Room the sandbox host process needs beyond one isolate's heap: Node itself and input copies,
 * plus the stacks of its threads (about 12), which the data limit counts whole.
 */
const sandboxProcessOverheadMb = (stackKb: number): number => 128 + Math.ceil((12 * stackKb) / 1024);

export interface Config {
  readonly port: number;
  readonly host: string;
  readonly logLevel: z.infer<typeof environmentSchema>['LOG_LEVEL'];
  /** Log lines waiting for stdout to take them; beyond it new lines are dropped rather than held. */
  readonly logBufferMaxBytes: number;
  readonly pool: {
    readonly threads: number;
    /**
     * Estimated milliseconds of admitted synchronous work per thread beyond which new
     * synchronous pool requests get 503 + Retry-After (admission, src/dispatch/admission.ts).
     */
    readonly maxBacklogMs: number;
    /** Tasks allowed to wait for a thread: a backstop behind admission. */
    readonly maxQueuedTasks: number;
    /** How often the pool's load is sampled (the utilization gauge's window). */
    readonly sampleIntervalMs: number;
    /** Samples of the pool's load kept for GET /v1/system/pool (about 100 bytes each). */
    readonly sampleHistory: number;
  };
  readonly dispatch: {
    /** Estimated cost up to which work runs on the event loop in one go. */
    readonly inlineBudgetMicros: number;
    /** Estimated cost up to which sliceable work runs on the event loop in yielding slices. */
    readonly slicedBudgetMicros: number;
    /** Lets a request pick its placement with `X-Crunch-Route` (tests and benchmarks only). */
    readonly allowRouteOverride: boolean;
  };
  readonly requestTimeoutMs: number;
  readonly shutdownTimeoutMs: number;
  readonly connections: ConnectionLimits;
  readonly limits: Limits;
  /** Memory the server may hold for clients, in bytes (src/budgets.ts). */
  readonly memory: {
    /** Request bodies being read or held by synchronous requests. */
    readonly requestBodies: number;
    /** Inputs (uploads, parsed bodies) of queued and running jobs. */
    readonly jobInputs: number;
    /** Results of finished jobs kept until they expire; the oldest go first. */
    readonly jobResults: number;
    /** One job's result; a larger one fails the job with `result-too-large`. */
    readonly jobResult: number;
    /** Large responses being written, slow readers included. */
    readonly responses: number;
  };
  /** JSON bodies larger than this are parsed and checked on a pool thread, not on the event loop. */
  readonly jsonInlineParseBytes: number;
  /** The distributed mode (BullMQ on Redis); absent in the embedded default. */
  readonly distributed: DistributedConfig | undefined;
  /** A file a worker touches after each heartbeat that reached Redis, for health checks (src/distributed/health.ts). */
  readonly workerHealthFile: string | undefined;
  readonly jobs: {
    readonly ttlSeconds: number;
    readonly maxQueued: number;
    readonly timeoutMs: number;
    /** Jobs running at once; the rest wait in the job queue, not in the pool's. */
    readonly concurrency: number;
    /** Finished jobs kept; beyond it the oldest expire before their TTL. */
    readonly maxRetained: number;
  };
  /** Origins whose pages may call the API (CORS): `*` for any, none (the default) turns CORS off. */
  readonly corsOrigins: '*' | readonly string[];
  /** Bounds of every run of user functions (src/sandbox); the same object as `limits.sandbox`. */
  readonly sandbox: SandboxLimits;
  readonly tenants: TenantConfig;
  /** Stored user functions (POST /v1/functions), bounded per tenant. */
  readonly functions: {
    readonly maxPerTenant: number;
    /** UTF-8 bytes of names and sources. */
    readonly maxBytesPerTenant: number;
  };
}

export interface TenantConfig {
  /** The API keys; none: the API is open (the embedded default) and every caller is the tenant ''. */
  readonly keys: readonly ApiKey[];
  /** /metrics without a key even when keys are configured (for a scraper that cannot send one). */
  readonly metricsOpen: boolean;
  /** Requests per minute per tenant (token bucket); 0: no limit. */
  readonly ratePerMinute: number;
  /** The bucket's size: how many requests a tenant may send at once after being quiet. */
  readonly rateBurst: number;
  /** Estimated milliseconds of admitted synchronous work per thread one tenant may hold (429 beyond); none: the whole budget. */
  readonly maxBacklogMs: number | undefined;
  /** Pool tasks one tenant may have waiting for a thread (429 beyond). */
  readonly maxQueuedTasks: number;
  /** Jobs queued or running per tenant (429 beyond). */
  readonly maxActiveJobs: number;
  /** Tenants take turns on the pool (false: one first-come first-served queue, for comparison). */
  readonly fairShare: boolean;
}

export interface DistributedConfig {
  readonly redisUrl: string;
  /** Prefix of every Redis key and BullMQ queue of this deployment. */
  readonly prefix: string;
  /** How long a worker's claim on a job lasts without renewal: a dead worker's job runs again after about this. */
  readonly lockDurationMs: number;
  /** How often workers look for jobs whose worker stopped renewing its claim. */
  readonly stalledIntervalMs: number;
  /** How many times a job may be picked up again after its worker died before it fails. */
  readonly maxStalled: number;
  /** Jobs estimated under this run on the worker's own threads; above, their shards fan out over every worker. */
  readonly fanOutMinMs: number;
}

export interface ConnectionLimits {
  /** Open sockets; beyond it the oldest idle one is closed, or the new one refused (503) when none is idle. */
  readonly maxConnections: number;
  /** Sockets without a request in flight (new, between keep-alive requests, or still sending headers). */
  readonly maxIdleConnections: number;
  /** From a connection's start (or a keep-alive request's first byte) to the end of its headers. */
  readonly headersTimeoutMs: number;
  /** From a request's first byte to the end of its body (the synchronous compute deadline is the same number). */
  readonly requestTimeoutMs: number;
  /** How long an idle keep-alive socket is kept. */
  readonly keepAliveTimeoutMs: number;
  /** Longest wait before a refusal on a connection refused again and again (src/http/refusal-backoff.ts); 0: none. */
  readonly refusalBackoffMaxMs: number;
}

export interface Limits {
  readonly maxBodyBytes: number;
  readonly maxBinaryBodyBytes: number;
  readonly maxBatchItems: number;
  readonly maxIntegerBits: number;
  readonly maxFactorBits: number;
  readonly maxListPage: number;
  readonly maxSieveWidth: bigint;
  /** Values in one reduction, JSON or binary (2^25 int64/float64 = 256 MiB). */
  readonly maxReduceValues: number;
  /** Bounds of user functions: request parsers check source sizes against them, plans pass them to every run. */
  readonly sandbox: SandboxLimits;
  /** Input bytes per sandbox map run; undefined: sandboxBatchBytes picks (two runs per thread, 1 to 8 MiB). */
  readonly sandboxBatchBytes: number | undefined;
}

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

export function loadConfig(environment: Record<string, string | undefined> = process.env): Config {
  const parsed = environmentSchema.safeParse(environment);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((issue) => `  ${issue.path.join('.')}: ${issue.message}`);
    throw new ConfigError(`invalid configuration:\n${lines.join('\n')}`);
  }
  const env = parsed.data;
  const largestBody = Math.max(env.MAX_BODY_BYTES, env.MAX_BINARY_BODY_BYTES);
  const tooSmall = [
    ['REQUEST_BODIES_MAX_BYTES', env.REQUEST_BODIES_MAX_BYTES],
    ['JOB_INPUTS_MAX_BYTES', env.JOB_INPUTS_MAX_BYTES],
  ].filter(([, bytes]) => (bytes as number) < largestBody);
  if (tooSmall.length > 0) {
    throw new ConfigError(
      `invalid configuration:\n${tooSmall.map(([name]) => `  ${name}: must be at least the largest body (MAX_BODY_BYTES, MAX_BINARY_BODY_BYTES: ${largestBody}), or no such body could ever be read`).join('\n')}`,
    );
  }
  if (env.JOB_RESULT_MAX_BYTES > env.JOB_RESULTS_MAX_BYTES) {
    throw new ConfigError('invalid configuration:\n  JOB_RESULT_MAX_BYTES: must be at most JOB_RESULTS_MAX_BYTES, the budget of all results');
  }
  const sandboxOverheadMb = sandboxProcessOverheadMb(env.SANDBOX_STACK_KB);
  if (env.SANDBOX_PROCESS_MEMORY_MB < env.SANDBOX_MEMORY_MB + sandboxOverheadMb) {
    throw new ConfigError(
      `invalid configuration:\n  SANDBOX_PROCESS_MEMORY_MB: must be at least SANDBOX_MEMORY_MB + 128 + 12 x SANDBOX_STACK_KB / 1024 ` +
        `(${env.SANDBOX_MEMORY_MB + sandboxOverheadMb}); 3-4 times SANDBOX_MEMORY_MB leaves room for isolates that overshoot their limit`,
    );
  }
  const connections = connectionLimits(env);
  const tenants = tenantConfig(env);
  const sandbox: SandboxLimits = {
    memoryMb: env.SANDBOX_MEMORY_MB,
    processMemoryMb: env.SANDBOX_PROCESS_MEMORY_MB,
    cpuMs: env.SANDBOX_CPU_MS,
    stackKb: env.SANDBOX_STACK_KB,
    maxSourceBytes: env.SANDBOX_MAX_SOURCE_BYTES,
    maxEmits: env.SANDBOX_MAX_EMITS,
    maxEmitBytes: env.SANDBOX_MAX_EMIT_BYTES,
    maxResultBytes: env.SANDBOX_MAX_RESULT_BYTES,
  };
  return {
    port: env.PORT,
    host: env.HOST,
    logLevel: env.LOG_LEVEL,
    logBufferMaxBytes: env.LOG_BUFFER_MAX_BYTES,
    pool: {
      threads: env.POOL_THREADS,
      maxBacklogMs: env.POOL_MAX_BACKLOG_MS,
      maxQueuedTasks: env.POOL_MAX_QUEUED_TASKS,
      sampleIntervalMs: env.POOL_SAMPLE_INTERVAL_MS,
      sampleHistory: env.POOL_SAMPLE_HISTORY,
    },
    dispatch: {
      inlineBudgetMicros: env.INLINE_BUDGET_US,
      slicedBudgetMicros: env.SLICED_BUDGET_US,
      allowRouteOverride: env.ALLOW_ROUTE_OVERRIDE === 'true',
    },
    requestTimeoutMs: env.REQUEST_TIMEOUT_MS,
    shutdownTimeoutMs: env.SHUTDOWN_TIMEOUT_MS,
    connections,
    limits: {
      maxBodyBytes: env.MAX_BODY_BYTES,
      maxBinaryBodyBytes: env.MAX_BINARY_BODY_BYTES,
      maxBatchItems: env.MAX_BATCH_ITEMS,
      maxIntegerBits: env.MAX_INTEGER_BITS,
      maxFactorBits: env.MAX_FACTOR_BITS,
      maxListPage: env.MAX_LIST_PAGE,
      maxSieveWidth: env.MAX_SIEVE_WIDTH,
      maxReduceValues: env.MAX_REDUCE_VALUES,
      sandbox,
      sandboxBatchBytes: env.SANDBOX_BATCH_BYTES,
    },
    memory: {
      requestBodies: env.REQUEST_BODIES_MAX_BYTES,
      jobInputs: env.JOB_INPUTS_MAX_BYTES,
      jobResults: env.JOB_RESULTS_MAX_BYTES,
      jobResult: env.JOB_RESULT_MAX_BYTES,
      responses: env.RESPONSES_MAX_BYTES,
    },
    jsonInlineParseBytes: env.JSON_INLINE_PARSE_BYTES,
    distributed:
      env.REDIS_URL === undefined
        ? undefined
        : {
            redisUrl: env.REDIS_URL,
            prefix: env.REDIS_PREFIX,
            lockDurationMs: env.WORKER_LOCK_DURATION_MS,
            stalledIntervalMs: env.WORKER_STALLED_INTERVAL_MS,
            maxStalled: env.WORKER_MAX_STALLED,
            fanOutMinMs: env.DISTRIBUTED_FANOUT_MIN_MS,
          },
    workerHealthFile: env.WORKER_HEALTH_FILE,
    jobs: {
      ttlSeconds: env.JOB_TTL_SECONDS,
      maxQueued: env.JOB_MAX_QUEUED,
      timeoutMs: env.JOB_TIMEOUT_MS,
      concurrency: env.JOB_CONCURRENCY ?? env.POOL_THREADS * 2,
      maxRetained: env.JOB_MAX_RETAINED,
    },
    corsOrigins: env.CORS_ORIGINS,
    tenants,
    sandbox,
    functions: {
      maxPerTenant: env.FUNCTIONS_MAX_PER_TENANT,
      maxBytesPerTenant: env.FUNCTIONS_MAX_BYTES_PER_TENANT,
    },
  };
}

/**
 * The process's soft limit on open files (each connection is one), from /proc/self/limits;
 * undefined where that is not readable or says unlimited.
 */
function openFileLimit(): number | undefined {
  try {
    const soft = /^Max open files\s+(\d+)/m.exec(readFileSync('/proc/self/limits', 'latin1'))?.[1];
    return soft === undefined ? undefined : Number(soft);
  } catch {
    return undefined;
  }
}

/**
 * Connection caps kept below the open-file limit, with room for what else the process opens
 * (worker threads, the listening socket, logs): reaching the limit would refuse every new
 * connection, /healthz included, instead of shedding idle ones.
 */
function connectionLimits(env: z.infer<typeof environmentSchema>): ConnectionLimits {
  const fileLimit = openFileLimit();
  const allowed = fileLimit === undefined ? Number.POSITIVE_INFINITY : fileLimit - Math.min(256, Math.floor(fileLimit / 4));
  const maxConnections = env.MAX_CONNECTIONS ?? Math.max(1, Math.min(10_000, allowed));
  if (maxConnections > allowed) {
    throw new ConfigError(
      `invalid configuration:\n  MAX_CONNECTIONS: ${maxConnections} does not fit the open-file limit of ${fileLimit} ` +
        `(at most ${allowed}, leaving room for the process's other files): lower it or raise the limit (ulimit -n)`,
    );
  }
  const maxIdleConnections = env.MAX_IDLE_CONNECTIONS ?? Math.max(1, Math.min(1_000, Math.floor(maxConnections / 4)));
  if (maxIdleConnections > maxConnections) {
    throw new ConfigError(
      `invalid configuration:\n  MAX_IDLE_CONNECTIONS: ${maxIdleConnections} is above MAX_CONNECTIONS (${maxConnections}): idle sockets are a part of the open ones`,
    );
  }
  return {
    maxConnections,
    maxIdleConnections,
    // Node refuses a headers timeout longer than the request timeout; the headers are a part of the request.
    headersTimeoutMs: Math.min(env.HEADERS_TIMEOUT_MS, env.REQUEST_TIMEOUT_MS),
    requestTimeoutMs: env.REQUEST_TIMEOUT_MS,
    keepAliveTimeoutMs: env.KEEP_ALIVE_TIMEOUT_MS,
    refusalBackoffMaxMs: env.REFUSAL_BACKOFF_MAX_MS,
  };
}

/** API keys from API_KEYS (comma-separated) and API_KEYS_FILE (one per line), and the per-tenant limits. */
function tenantConfig(env: z.infer<typeof environmentSchema>): TenantConfig {
  const problems: string[] = [];
  const entries: Array<{ entry: string; where: string }> = [];
  (env.API_KEYS ?? '').split(',').forEach((entry, index) => entries.push({ entry, where: `API_KEYS entry ${index + 1}` }));
  if (env.API_KEYS_FILE !== undefined) {
    let text = '';
    try {
      text = readFileSync(env.API_KEYS_FILE, 'utf8');
    } catch (error) {
      problems.push(`API_KEYS_FILE: cannot read ${env.API_KEYS_FILE} (${(error as NodeJS.ErrnoException).code ?? String(error)})`);
    }
    text.split('\n').forEach((entry, index) => entries.push({ entry, where: `API_KEYS_FILE line ${index + 1}` }));
  }
  const parsed = parseApiKeys(
    entries.map(({ entry }) => entry),
    (index) => entries[index]?.where ?? 'API_KEYS',
  );
  problems.push(...parsed.problems);
  if (problems.length > 0) throw new ConfigError(`invalid configuration:\n${problems.map((problem) => `  ${problem}`).join('\n')}`);
  const ratePerMinute = env.RATE_LIMIT_PER_MINUTE;
  // With one tenant (no keys) its share is everything; with several, half by default, so one
  // tenant's flood meets its own limit before it fills the pool or the queue for the others.
  const shared = parsed.keys.length > 0;
  return {
    keys: parsed.keys,
    metricsOpen: env.METRICS_OPEN === 'true',
    ratePerMinute,
    rateBurst: env.RATE_LIMIT_BURST ?? Math.max(1, ratePerMinute),
    maxBacklogMs: env.TENANT_MAX_BACKLOG_MS ?? (shared ? Math.ceil(env.POOL_MAX_BACKLOG_MS / 2) : undefined),
    maxQueuedTasks: env.TENANT_MAX_QUEUED_TASKS,
    maxActiveJobs:
      env.TENANT_MAX_ACTIVE_JOBS ?? (shared ? Math.max(1, Math.ceil(env.JOB_MAX_QUEUED / 2)) : Number.MAX_SAFE_INTEGER),
    fairShare: env.POOL_FAIR_SHARE === 'true',
  };
}

/** The configuration with every default, as documented in the README and the contract. */
export function defaultConfig(overrides: Record<string, string> = {}): Config {
  return loadConfig({ ...overrides });
}
