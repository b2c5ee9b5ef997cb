/**
 * The only reader of the environment. Every setting is parsed and checked here, once,
 * so a typo in a deployment fails at start with a message naming the variable instead
 * of surfacing as odd behaviour under load.
 */
import { availableParallelism } from 'node:os';
import { z } from 'zod';
import type { SandboxLimits } from './sandbox/types.js';

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
  SANDBOX_MEMORY_MB: integer(8, 16_384).default(128),
  SANDBOX_PROCESS_MEMORY_MB: integer(128, 65_536).default(512),
  SANDBOX_CPU_MS: integer(10, 24 * 3_600_000).default(10_000),
  SANDBOX_STACK_KB: integer(256, 8_192).default(1_024),
  SANDBOX_MAX_SOURCE_BYTES: integer(256, 16 * 1024 * 1024).default(64 * 1024),
  SANDBOX_MAX_EMITS: integer(1, 1_000_000_000).default(5_000_000),
  SANDBOX_MAX_EMIT_BYTES: integer(1_024, 2 ** 30).default(64 * 1024 * 1024),
  SANDBOX_MAX_RESULT_BYTES: integer(1_024, 2 ** 30).default(16 * 1024 * 1024),
});

/**
 * Room the sandbox host process needs beyond one isolate's heap: Node itself and input copies,
 * plus the stacks of its threads (about 12), which the data limit counts whole.
 */
const sandboxProcessOverheadMb = (stackKb: number): number => 128 + Math.ceil((12 * stackKb) / 1024);

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
  /** Bounds of every run of user functions (src/sandbox). */
  readonly sandbox: SandboxLimits;
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
  const sandboxOverheadMb = sandboxProcessOverheadMb(env.SANDBOX_STACK_KB);
  if (env.SANDBOX_PROCESS_MEMORY_MB < env.SANDBOX_MEMORY_MB + sandboxOverheadMb) {
    throw new ConfigError(
      `invalid configuration:\n  SANDBOX_PROCESS_MEMORY_MB: must be at least SANDBOX_MEMORY_MB + 128 + 12 x SANDBOX_STACK_KB / 1024 ` +
        `(${env.SANDBOX_MEMORY_MB + sandboxOverheadMb}); 3-4 times SANDBOX_MEMORY_MB leaves room for isolates that overshoot their limit`,
    );
  }
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
    sandbox: {
      memoryMb: env.SANDBOX_MEMORY_MB,
      processMemoryMb: env.SANDBOX_PROCESS_MEMORY_MB,
      cpuMs: env.SANDBOX_CPU_MS,
      stackKb: env.SANDBOX_STACK_KB,
      maxSourceBytes: env.SANDBOX_MAX_SOURCE_BYTES,
      maxEmits: env.SANDBOX_MAX_EMITS,
      maxEmitBytes: env.SANDBOX_MAX_EMIT_BYTES,
      maxResultBytes: env.SANDBOX_MAX_RESULT_BYTES,
    },
  };
}

/** The configuration with every default, as documented in the README and the contract. */
export function defaultConfig(overrides: Record<string, string> = {}): Config {
  return loadConfig({ ...overrides });
}
