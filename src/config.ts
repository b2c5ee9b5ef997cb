/**
 * The only reader of the environment. Every setting is parsed and checked here, once,
 * so a typo in a deployment fails at start with a message naming the variable instead
 * of surfacing as odd behaviour under load.
 */
import { readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { z } from 'zod';

const integer = (min: number, max: number) => z.coerce.number().int().min(min).max(max);

const environmentSchema = z.object({
  PORT: integer(0, 65535).default(3000),
  HOST: z.string().min(1).default('0.0.0.0'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  POOL_THREADS: integer(1, 256).default(availableParallelism()),
  POOL_MAX_QUEUE: integer(0, 1_000_000).optional(),
  INLINE_BUDGET_US: integer(0, 10_000_000).default(1_000),
  SLICED_BUDGET_US: integer(0, 10_000_000).default(10_000),
  ALLOW_ROUTE_OVERRIDE: z.enum(['true', 'false']).default('false'),
  REQUEST_TIMEOUT_MS: integer(1, 3_600_000).default(30_000),
  HEADERS_TIMEOUT_MS: integer(1, 3_600_000).default(10_000),
  KEEP_ALIVE_TIMEOUT_MS: integer(1, 3_600_000).default(5_000),
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
});

export type Route = 'inline' | 'sliced' | 'pool';

export interface Config {
  readonly port: number;
  readonly host: string;
  readonly logLevel: z.infer<typeof environmentSchema>['LOG_LEVEL'];
  readonly pool: {
    readonly threads: number;
    /** Tasks allowed to wait for a thread; beyond it requests get 503 + Retry-After. */
    readonly maxQueue: number;
  };
  readonly dispatch: {
    /** Estimated cost up to which work runs on the event loop in one go. */
    readonly inlineBudgetMicros: number;
    /** Estimated cost up to which sliceable work runs on the event loop in yielding slices. */
    readonly slicedBudgetMicros: number;
    /** Lets a request pick its route with `X-Crunch-Route` (tests and benchmarks only). */
    readonly allowRouteOverride: boolean;
  };
  readonly requestTimeoutMs: number;
  readonly shutdownTimeoutMs: number;
  readonly connections: ConnectionLimits;
  readonly limits: Limits;
  readonly jobs: {
    readonly ttlSeconds: number;
    readonly maxQueued: number;
    readonly timeoutMs: number;
    /** Jobs running at once; the rest wait in the job queue, not in the pool's. */
    readonly concurrency: number;
    /** Finished jobs kept; beyond it the oldest expire before their TTL. */
    readonly maxRetained: number;
  };
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
  const connections = connectionLimits(env);
  return {
    port: env.PORT,
    host: env.HOST,
    logLevel: env.LOG_LEVEL,
    pool: { threads: env.POOL_THREADS, maxQueue: env.POOL_MAX_QUEUE ?? env.POOL_THREADS * 64 },
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
    },
    jobs: {
      ttlSeconds: env.JOB_TTL_SECONDS,
      maxQueued: env.JOB_MAX_QUEUED,
      timeoutMs: env.JOB_TIMEOUT_MS,
      concurrency: env.JOB_CONCURRENCY ?? env.POOL_THREADS * 2,
      maxRetained: env.JOB_MAX_RETAINED,
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
  };
}

/** The configuration with every default, as documented in the README and the contract. */
export function defaultConfig(overrides: Record<string, string> = {}): Config {
  return loadConfig({ ...overrides });
}
