/**
 * The dispatcher: every compute request states what its work costs (an estimate in
 * microseconds) and how to run it on each route; the dispatcher picks the route.
 *
 * - inline: on the event loop in one go. Only for work under the inline budget, where
 *   posting to a thread would cost more than the work itself.
 * - sliced: on the event loop in slices that yield (`setImmediate`) between them, for work
 *   that is cheap per item but long in total. Other requests run between slices.
 * - pool: on the worker threads, sharded where the work splits.
 *
 * Every run gets a deadline and honours the caller's AbortSignal (client gone, job
 * cancelled): pool tasks are aborted, which terminates their threads' work.
 */
import { performance } from 'node:perf_hooks';
import type { Route } from '../config.js';
import { ProblemError } from '../http/problems.js';
import type { RunOptions, TaskResult, WorkerPool } from '../pool/pool.js';
import type { TaskInput, TaskName, TaskOutput } from '../pool/tasks.js';

/** Runs one pool task within a dispatch, accounting its queue and compute time. */
export type PoolRunner = <K extends TaskName>(
  task: K,
  input: TaskInput<K>,
  options?: Omit<RunOptions, 'signal'>,
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
}

export interface DispatchOptions {
  readonly signal?: AbortSignal;
  /** Overrides the cost-based choice (tests, benchmarks, jobs that must not block the loop). */
  readonly route?: Route;
  readonly deadlineMs?: number;
  /** Jobs pass one to publish progress; sync requests leave it out. */
  readonly progress?: Progress;
}

export interface Outcome<T> {
  readonly value: T;
  readonly route: Route;
  readonly queueMs: number;
  readonly computeMs: number;
  readonly totalMs: number;
  readonly tasks: number;
}

export interface DispatcherOptions {
  readonly pool: WorkerPool;
  readonly inlineBudgetMicros: number;
  readonly slicedBudgetMicros: number;
  readonly deadlineMs: number;
}

export interface DispatchListener {
  (operation: string, route: Route, totalMs: number): void;
}

export class Dispatcher {
  readonly pool: WorkerPool;
  readonly #options: DispatcherOptions;
  readonly #listeners: DispatchListener[] = [];

  constructor(options: DispatcherOptions) {
    this.pool = options.pool;
    this.#options = options;
  }

  onDispatch(listener: DispatchListener): void {
    this.#listeners.push(listener);
  }

  chooseRoute(work: Pick<Work<unknown>, 'costMicros' | 'sliced' | 'sliceMicros'>): Route {
    const { inlineBudgetMicros, slicedBudgetMicros } = this.#options;
    if (work.costMicros <= inlineBudgetMicros) return 'inline';
    const sliceable = work.sliced !== undefined && (work.sliceMicros ?? Number.POSITIVE_INFINITY) <= inlineBudgetMicros;
    if (sliceable && work.costMicros <= slicedBudgetMicros) return 'sliced';
    return 'pool';
  }

  async run<T>(work: Work<T>, options: DispatchOptions = {}): Promise<Outcome<T>> {
    const route = options.route === 'sliced' && work.sliced === undefined ? 'inline' : (options.route ?? this.chooseRoute(work));
    if (route === 'inline') return this.#runInline(work);
    const deadlineMs = options.deadlineMs ?? this.#options.deadlineMs;
    const deadline = AbortSignal.timeout(deadlineMs);
    const signal = options.signal === undefined ? deadline : AbortSignal.any([options.signal, deadline]);
    const progress = options.progress ?? ignoreProgress;
    const startedAt = performance.now();
    let queueMs = 0;
    let computeMs = 0;
    let tasks = 0;
    try {
      signal.throwIfAborted();
      let value: T;
      if (route === 'sliced' && work.sliced !== undefined) {
        const yieldNow = Object.assign(
          async () => {
            await new Promise<void>((resolve) => setImmediate(resolve));
            signal.throwIfAborted();
          },
          { signal },
        );
        value = await work.sliced(yieldNow, progress);
        computeMs = performance.now() - startedAt;
      } else {
        const runner: PoolRunner = async (task, input, runOptions = {}) => {
          const result: TaskResult<TaskOutput<typeof task>> = await this.pool.run(task, input, { ...runOptions, signal });
          tasks += 1;
          queueMs = Math.max(queueMs, result.queueMs);
          computeMs += result.computeMs;
          return result.value;
        };
        value = await work.pool(runner, signal, progress);
      }
      return this.#finish(work, { value, route, queueMs, computeMs, totalMs: performance.now() - startedAt, tasks });
    } catch (error) {
      if (deadline.aborted && !(options.signal?.aborted ?? false)) {
        throw new ProblemError(
          'deadline-exceeded',
          `The computation${work.describe === undefined ? '' : ` (${work.describe})`} did not finish within ${deadlineMs} ms. ` +
            'Submit it as a job with the header `Prefer: respond-async` to let it run longer, or make the request smaller.',
          { extensions: { deadlineMs }, cause: error },
        );
      }
      throw error;
    }
  }

  /**
   * Inline work runs to completion before anything else can happen, so it needs no signal,
   * deadline or timer: skipping them is a good part of what makes a cheap request cheap.
   */
  #runInline<T>(work: Work<T>): Outcome<T> {
    const startedAt = performance.now();
    const value = work.inline();
    const computeMs = performance.now() - startedAt;
    return this.#finish(work, { value, route: 'inline', queueMs: 0, computeMs, totalMs: computeMs, tasks: 0 });
  }

  #finish<T>(work: Work<T>, outcome: Outcome<T>): Outcome<T> {
    for (const listener of this.#listeners) listener(work.operation, outcome.route, outcome.totalMs);
    return outcome;
  }
}

function ignoreProgress(): void {}

/** The shard count that keeps every thread busy with some slack for uneven shards. */
export function shardCount(threads: number, items: number, minItemsPerShard: number): number {
  return Math.max(1, Math.min(threads * 2, Math.ceil(items / Math.max(1, minItemsPerShard))));
}

/** Splits [0, length) into `count` contiguous, nearly equal [start, end) ranges. */
export function splitEvenly(length: number, count: number): Array<readonly [number, number]> {
  const ranges: Array<readonly [number, number]> = [];
  const parts = Math.max(1, Math.min(count, length));
  for (let index = 0; index < parts; index += 1) {
    const start = Math.floor((length * index) / parts);
    const end = Math.floor((length * (index + 1)) / parts);
    if (end > start) ranges.push([start, end]);
  }
  return ranges;
}
