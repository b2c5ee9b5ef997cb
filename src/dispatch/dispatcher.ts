/**
 * The dispatcher: every computation states what its work costs (an estimate in
 * microseconds of one thread) and how to run it at each placement; the dispatcher picks the
 * placement (src/dispatch/placement.ts) and runs it.
 *
 * - inline: on the event loop in one go. Only for work under the inline budget, where
 *   posting to a thread would cost more than the work itself.
 * - sliced: on the event loop in slices that yield (`setImmediate`) between them, for work
 *   that is cheap per item but long in total. Other requests run between slices.
 * - pool: on the worker threads, sharded where the work splits.
 *
 * A pool run is one unit: it is admitted whole before any shard is queued (synchronous work
 * through `Admission`; jobs are bounded by the job runner), and when one shard fails, the
 * caller goes away or the deadline passes, every sibling shard is stopped at once — queued
 * ones are dropped, running ones have their threads terminated.
 */
import { performance } from 'node:perf_hooks';
import type { RunOptions, TaskResult } from '../pool/pool.js';
import type { TaskInput, TaskName, TaskOutput } from '../pool/tasks.js';
import type { Admission, AdmissionTicket } from './admission.js';
import { DeadlineExceededError, QuotaExceededError, TooCostlyError } from './errors.js';
import type { Placement } from './placement.js';

/**
 * Where pool tasks run: this process's worker threads (src/pool/pool.ts), or, on a worker of
 * the distributed mode, child jobs spread over every worker process (src/distributed/).
 * `threads` is how many run at once, which is what sharding aims to fill.
 */
export interface TaskRunner {
  readonly threads: number;
  run<K extends TaskName>(task: K, input: TaskInput<K>, options?: RunOptions): Promise<TaskResult<TaskOutput<K>>>;
  /** Tasks waiting in one lane, where the runner queues them itself. */
  queuedIn?(lane: string): number;
}

/** Runs one pool task within a dispatch, accounting its queue and compute time. */
export type PoolRunner = <K extends TaskName>(
  task: K,
  input: TaskInput<K>,
  options?: Pick<RunOptions, 'transferList'>,
) => Promise<TaskOutput<K>>;

export interface Yielder {
  /** Yields to the event loop, then throws if the work was cancelled meanwhile. */
  (): Promise<void>;
  readonly signal: AbortSignal;
}

/** Reports how far a computation is, in units the work chose (shards, chunks, numbers). */
export interface ProgressUpdate {
  readonly phase: string;
  readonly done: number;
  readonly total: number;
}
export type Progress = (update: ProgressUpdate) => void;

export interface Work<T> {
  /** Metric label, e.g. `primes.check`. */
  readonly operation: string;
  readonly costMicros: number;
  readonly inline: () => T;
  /** Present when the work can run on the loop in yielding slices. */
  readonly sliced?: (yieldNow: Yielder, progress: Progress) => Promise<T>;
  /** Estimated cost of the longest slice; slicing is used only when it fits the inline budget. */
  readonly sliceMicros?: number;
  readonly pool: (run: PoolRunner, signal: AbortSignal, progress: Progress) => Promise<T>;
  /** Shown to the client when the deadline passes, e.g. which item was unfinished. */
  readonly describe?: string;
  /** Must never run on the event loop, whatever its cost or an override says (user code, untrusted time). */
  readonly poolOnly?: boolean;
}

export interface DispatchOptions {
  readonly signal?: AbortSignal;
  /** Overrides the cost-based choice (tests, benchmarks). */
  readonly placement?: Placement;
  readonly deadlineMs?: number;
  /** Jobs pass one to publish progress; sync requests leave it out. */
  readonly progress?: Progress;
  /** The pool lane the tasks wait in: whose turn they take (a tenant; jobs have their own). */
  readonly lane?: string;
  /** Whose work it is, for the tenant's share of admission and of the pool's queue. */
  readonly tenant?: string;
  /**
   * `refuse` (synchronous requests): pool work is admitted against the backlog budget or
   * refused at once. `bounded` (jobs): already bounded by the job runner's concurrency.
   */
  readonly admission?: 'refuse' | 'bounded';
}

export interface Outcome<T> {
  readonly value: T;
  readonly placement: Placement;
  readonly queueMs: number;
  readonly computeMs: number;
  readonly totalMs: number;
  readonly tasks: number;
}

export interface DispatcherOptions {
  readonly pool: TaskRunner;
  readonly admission: Admission;
  readonly inlineBudgetMicros: number;
  readonly slicedBudgetMicros: number;
  readonly deadlineMs: number;
  /** Tasks one lane may have waiting in the pool before its synchronous requests get 429. */
  readonly maxQueuedTasksPerLane?: number;
}

export interface DispatchListener {
  (operation: string, placement: Placement, totalMs: number): void;
}

/** Tasks one run keeps queued or running at once: enough to fill every thread, few enough not to flood the queue. */
const tasksInFlightPerThread = 2;

export class Dispatcher {
  readonly pool: TaskRunner;
  readonly admission: Admission;
  readonly #options: DispatcherOptions;
  readonly #listeners: DispatchListener[] = [];

  constructor(options: DispatcherOptions) {
    this.pool = options.pool;
    this.admission = options.admission;
    this.#options = options;
  }

  onDispatch(listener: DispatchListener): void {
    this.#listeners.push(listener);
  }

  choosePlacement(work: Pick<Work<unknown>, 'costMicros' | 'sliced' | 'sliceMicros' | 'poolOnly'>): Placement {
    if (work.poolOnly === true) return 'pool';
    const { inlineBudgetMicros, slicedBudgetMicros } = this.#options;
    if (work.costMicros <= inlineBudgetMicros) return 'inline';
    const sliceable = work.sliced !== undefined && (work.sliceMicros ?? Number.POSITIVE_INFINITY) <= inlineBudgetMicros;
    if (sliceable && work.costMicros <= slicedBudgetMicros) return 'sliced';
    return 'pool';
  }

  /** The placement a run will use: the override where the work allows it, else the cost-based choice. */
  placementFor(work: Work<unknown>, requested: Placement | undefined): Placement {
    if (work.poolOnly === true) return 'pool';
    if (requested === 'sliced' && work.sliced === undefined) return 'inline';
    return requested ?? this.choosePlacement(work);
  }

  /**
   * Runs the work now if it belongs on the loop (as `run` would), else answers undefined:
   * the caller then builds the options of a run that leaves the loop (signal, lane, tenant)
   * only when they are needed, and an inline request awaits nothing.
   */
  runIfInline<T>(work: Work<T>, requested: Placement | undefined): Outcome<T> | undefined {
    return this.placementFor(work, requested) === 'inline' ? this.#runInline(work) : undefined;
  }

  async run<T>(work: Work<T>, options: DispatchOptions = {}): Promise<Outcome<T>> {
    const placement = this.placementFor(work, options.placement);
    if (placement === 'inline') return this.#runInline(work);
    const deadlineMs = options.deadlineMs ?? this.#options.deadlineMs;
    if (placement === 'pool') this.refuseBeyondDeadline(work, deadlineMs);
    options.signal?.throwIfAborted();
    const refusing = placement === 'pool' && (options.admission ?? 'refuse') === 'refuse';
    if (refusing) this.#refuseOverQueuedTasks(options.lane);
    const ticket: AdmissionTicket | undefined = refusing ? this.admission.admit(work.costMicros, options.tenant ?? '') : undefined;
    // One controller for the whole run: whatever stops one shard stops its siblings.
    const controller = new AbortController();
    const deadline = setTimeout(() => controller.abort(new DeadlineExceededError(deadlineMs, work.describe)), deadlineMs);
    const onCallerAbort = (): void => controller.abort(options.signal?.reason);
    options.signal?.addEventListener('abort', onCallerAbort, { once: true });
    const { signal } = controller;
    const progress = options.progress ?? ignoreProgress;
    const startedAt = performance.now();
    const accounting = { queueMs: 0, computeMs: 0, tasks: 0 };
    try {
      let value: T;
      if (placement === 'sliced' && work.sliced !== undefined) {
        const yieldNow = Object.assign(
          async () => {
            await new Promise<void>((resolve) => setImmediate(resolve));
            signal.throwIfAborted();
          },
          { signal },
        );
        value = await work.sliced(yieldNow, progress);
        accounting.computeMs = performance.now() - startedAt;
      } else {
        value = await work.pool(this.#runner(controller, options.lane, accounting), signal, progress);
      }
      return this.#finish(work, { value, placement, ...accounting, totalMs: performance.now() - startedAt });
    } catch (error) {
      // The reason the run stopped (deadline, caller, first failed shard) explains it better
      // than the abort errors of the siblings that stopped with it.
      const reason: unknown = signal.aborted ? signal.reason : error;
      if (!signal.aborted) controller.abort(error);
      if (reason instanceof DeadlineExceededError && work.describe !== undefined && reason.what !== work.describe) {
        // `describe` may be a getter that names what is still unfinished now.
        throw new DeadlineExceededError(deadlineMs, work.describe, reason.extensions, { cause: error });
      }
      throw reason;
    } finally {
      clearTimeout(deadline);
      options.signal?.removeEventListener('abort', onCallerAbort);
      ticket?.release();
    }
  }

  #refuseOverQueuedTasks(lane: string | undefined): void {
    const max = this.#options.maxQueuedTasksPerLane;
    const queued = lane === undefined || max === undefined ? 0 : (this.pool.queuedIn?.(lane) ?? 0);
    if (max === undefined || queued < max) return;
    throw new QuotaExceededError(
      `${queued} of your pool tasks are already waiting for a thread, the most one tenant may (TENANT_MAX_QUEUED_TASKS); ` +
        'retry after the indicated delay.',
      1,
      { quota: 'queued-tasks', queuedTasks: queued },
    );
  }

  /**
   * Work that cannot finish within its deadline even with every thread is refused before it
   * starts (jobs are checked this way when submitted, synchronous work when run).
   */
  refuseBeyondDeadline(work: Work<unknown>, deadlineMs: number): void {
    const threads = Math.max(1, this.pool.threads);
    const spreadMs = work.costMicros / threads / 1_000;
    if (spreadMs <= deadlineMs) return;
    throw new TooCostlyError(
      `The computation${work.describe === undefined ? '' : ` (${work.describe})`} is estimated at ${formatMs(work.costMicros / 1_000)} ` +
        `of thread time, ${formatMs(spreadMs)} on ${threads} threads, beyond its deadline of ${formatMs(deadlineMs)}. ` +
        'Split it into smaller requests.',
      { estimatedMs: Math.round(work.costMicros / 1_000), threads, deadlineMs },
    );
  }

  /**
   * The pool runner of one run: its tasks wait in the caller's lane, at most a few per thread
   * are handed to the pool at once (the rest wait here, so one big request cannot fill the
   * pool's queue), and the first failure aborts the run's controller.
   */
  #runner(controller: AbortController, lane: string | undefined, accounting: { queueMs: number; computeMs: number; tasks: number }): PoolRunner {
    const { signal } = controller;
    const limit = Math.max(1, this.pool.threads * tasksInFlightPerThread);
    let active = 0;
    const waiting: Array<() => void> = [];
    const acquire = async (): Promise<void> => {
      while (active >= limit) {
        await new Promise<void>((resolve) => waiting.push(resolve));
        signal.throwIfAborted();
      }
      active += 1;
    };
    const releaseSlot = (): void => {
      active -= 1;
      waiting.shift()?.();
    };
    signal.addEventListener('abort', () => {
      for (const wake of waiting.splice(0)) wake();
    }, { once: true });
    return async (task, input, runOptions = {}) => {
      signal.throwIfAborted();
      await acquire();
      try {
        const result: TaskResult<TaskOutput<typeof task>> = await this.pool.run(task, input, {
          ...runOptions,
          signal,
          ...(lane === undefined ? {} : { lane }),
        });
        accounting.tasks += 1;
        accounting.queueMs = Math.max(accounting.queueMs, result.queueMs);
        accounting.computeMs += result.computeMs;
        return result.value;
      } catch (error) {
        if (!signal.aborted) controller.abort(error);
        throw error;
      } finally {
        releaseSlot();
      }
    };
  }

  /**
   * Inline work runs to completion before anything else can happen, so it needs no signal,
   * deadline or timer: skipping them is a good part of what makes a cheap request cheap.
   */
  #runInline<T>(work: Work<T>): Outcome<T> {
    const startedAt = performance.now();
    const value = work.inline();
    const computeMs = performance.now() - startedAt;
    return this.#finish(work, { value, placement: 'inline', queueMs: 0, computeMs, totalMs: computeMs, tasks: 0 });
  }

  #finish<T>(work: Work<T>, outcome: Outcome<T>): Outcome<T> {
    for (const listener of this.#listeners) listener(work.operation, outcome.placement, outcome.totalMs);
    return outcome;
  }
}

function ignoreProgress(): void {}

function formatMs(ms: number): string {
  return ms >= 10_000 ? `${Math.round(ms / 1_000)} s` : ms >= 1_000 ? `${(ms / 1_000).toFixed(1)} s` : `${Math.round(ms)} ms`;
}
