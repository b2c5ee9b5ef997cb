/**
 * The CPU worker pool: Piscina threads running src/pool/worker.ts, with a typed
 * `run(task, input)`, cancellation by AbortSignal, and a queue of its own in front of
 * Piscina's.
 *
 * Why a queue of its own: Piscina serves tasks first come, first served, so one client with
 * many tasks queued delays everyone behind it. Here every task names a lane (the tenant, or
 * the anonymous lane), lanes take turns (round robin) and tasks within a lane keep their
 * order. A task is handed to Piscina only when a thread is free, so Piscina never queues
 * and a queued task can be dropped without touching any thread; a running task that is
 * aborted has its thread terminated and replaced (Piscina does that), so cancelled work
 * really stops.
 *
 * How much work may wait is decided before a request's tasks are queued, by admission
 * (src/dispatch/admission.ts), in estimated thread time; the queue here only bounds the
 * task count as a backstop against a bug elsewhere.
 *
 * Tasks that drive a child process (the sandbox tasks) are cancelled cooperatively first
 * (src/pool/cancel.ts): terminating their thread would orphan the child.
 */
import { performance } from 'node:perf_hooks';
import type { TransferListItem } from 'node:worker_threads';
import { Piscina } from 'piscina';
import { OverloadedError, ShuttingDownError } from '../dispatch/errors.js';
import { reviveTaskError } from './task-errors.js';
import { sandboxErrorFromData } from '../sandbox/errors.js';
import { COOPERATIVE_TASKS, cooperativeCancel } from './cancel.js';
import type { TaskInput, TaskName, TaskOutput } from './tasks.js';
import type { TaskEnvelope, TaskRequest } from './worker.js';

export interface PoolOptions {
  readonly threads: number;
  /** Tasks allowed to wait for a thread, over all lanes: a backstop, admission is the real bound. */
  readonly maxQueuedTasks: number;
}

export interface TaskResult<T> {
  readonly value: T;
  /** Milliseconds between submission and the thread starting the task. */
  readonly queueMs: number;
  /** Milliseconds the thread spent on the task. */
  readonly computeMs: number;
}

export interface RunOptions {
  readonly signal?: AbortSignal;
  readonly transferList?: readonly TransferListItem[];
  /** Whose turn the task waits for: tasks of one lane run in order, lanes take turns. */
  readonly lane?: string;
}

/** The lane of work that names no tenant. */
export const defaultLane = '';

/**
 * The lane a tenant's tasks wait in: its synchronous requests in one, its jobs in another,
 * so tenants take turns and, within a tenant, jobs and requests do too. Without fair share
 * (POOL_FAIR_SHARE=false, for comparison) everyone shares the two lanes.
 */
export function laneFor(tenant: string, kind: 'requests' | 'jobs', fairShare: boolean): string {
  const who = fairShare ? tenant : defaultLane;
  return kind === 'jobs' ? `${who}#jobs` : who;
}

/** Under tsx (tests, `npm run dev`) this file is .ts and so is the worker; in dist both are .js. */
function workerFile(): string {
  const extension = import.meta.url.endsWith('.ts') ? 'ts' : 'js';
  return new URL(`./worker.${extension}`, import.meta.url).href;
}

const now = (): number => performance.timeOrigin + performance.now();

interface QueuedTask {
  readonly request: TaskRequest;
  readonly options: RunOptions;
  readonly start: () => void;
  readonly fail: (error: unknown) => void;
}

/** Settles like `promise`, or rejects with the signal's reason as soon as it aborts. */
function untilAborted<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  promise.catch(() => {}); // its rejection may come after nobody waits for it any more
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void => reject(signal.reason);
    if (signal.aborted) onAbort();
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(error);
      },
    );
  });
}

export class WorkerPool {
  readonly threads: number;
  readonly maxQueuedTasks: number;
  readonly #piscina: Piscina<TaskRequest, TaskEnvelope>;
  /** Waiting tasks per lane; a Map keeps insertion order, which is the turn order. */
  readonly #lanes = new Map<string, QueuedTask[]>();
  #queued = 0;
  #running = 0;
  #closed = false;
  /** The lane that was last given a thread: it goes to the back when others are waiting. */
  #lastLane: string | undefined;
  /** Tasks on threads per lane. */
  readonly #runningIn = new Map<string, number>();
  #busyThreadMs = 0;
  #accountedAt = performance.now();
  #peakQueueSize = 0;

  constructor(options: PoolOptions) {
    this.threads = options.threads;
    this.maxQueuedTasks = options.maxQueuedTasks;
    this.#piscina = new Piscina({
      filename: workerFile(),
      minThreads: options.threads,
      maxThreads: options.threads,
      // Tasks reach Piscina only when a thread is free; a replaced thread (after an abort)
      // may make one wait there briefly, which must never be refused.
      maxQueue: Number.POSITIVE_INFINITY,
      // Threads stay up: starting one costs tens of milliseconds.
      idleTimeout: Number.POSITIVE_INFINITY,
    });
  }

  get closed(): boolean {
    return this.#closed;
  }

  /** Tasks waiting for a thread, over all lanes. */
  get queueSize(): number {
    return this.#queued;
  }

  /** Tasks waiting in one lane. */
  queuedIn(lane: string): number {
    return this.#lanes.get(lane)?.length ?? 0;
  }

  /** Tasks on a thread now. */
  get running(): number {
    return this.#running;
  }

  /**
   * Thread-milliseconds spent on tasks since start: the integral of busy threads over time.
   * Its growth over a window is the pool's utilization then (src/pool/pool-sampler.ts);
   * Piscina's own `utilization` averages over the pool's whole life and sees a task only once
   * it has finished.
   */
  get busyThreadMs(): number {
    this.#account();
    return this.#busyThreadMs;
  }

  /** The most tasks that waited for a thread at once since the last call (at least the current count). */
  takePeakQueueSize(): number {
    const peak = Math.max(this.#peakQueueSize, this.#queued);
    this.#peakQueueSize = this.#queued;
    return peak;
  }

  /** Books the busy time since the last change of the running count; called before each change. */
  #account(): void {
    const at = performance.now();
    this.#busyThreadMs += Math.min(this.#running, this.threads) * (at - this.#accountedAt);
    this.#accountedAt = at;
  }

  /** Tasks submitted and not yet settled: running or waiting for a thread. */
  get inFlight(): number {
    return this.#running + this.#queued;
  }

  get completed(): number {
    return this.#piscina.completed;
  }

  async run<K extends TaskName>(task: K, input: TaskInput<K>, options: RunOptions = {}): Promise<TaskResult<TaskOutput<K>>> {
    if (this.#closed) throw new ShuttingDownError();
    options.signal?.throwIfAborted();
    const submittedAt = now();
    const cooperative = options.signal !== undefined && COOPERATIVE_TASKS.has(task) ? cooperativeCancel(options.signal) : undefined;
    const request: TaskRequest = { task, input, ...(cooperative === undefined ? {} : { cancel: cooperative.flag }) };
    const lane = options.lane ?? defaultLane;
    // A waiting task is handed its thread by #startNext, which counts it as running.
    try {
      if (this.#running >= this.threads || this.#queued > 0) await this.#wait(request, options);
      else {
        this.#account();
        this.#running += 1;
        this.#lastLane = options.lane ?? defaultLane;
      }
    } catch (error) {
      cooperative?.dispose();
      throw error;
    }
    const signal = cooperative?.signal ?? options.signal;
    const settled = this.#piscina
      .run(request, {
        ...(signal === undefined ? {} : { signal }),
        ...(options.transferList === undefined ? {} : { transferList: options.transferList as TransferListItem[] }),
      })
      .finally(() => {
        // The thread is taken until the task is really done, even when the caller stopped waiting.
        this.#release(lane);
        this.#startNext();
        cooperative?.dispose();
      });
    let envelope: TaskEnvelope;
    try {
      // A cancelled cooperative task is answered at once; it stops on its thread in the background.
      envelope = await (cooperative === undefined ? settled : untilAborted(settled, options.signal as AbortSignal));
    } catch (error) {
      throw options.signal?.aborted === true ? (options.signal.reason ?? error) : error;
    }
    // A cooperative task that stopped because it was cancelled answers like an aborted one.
    if (cooperative !== undefined && options.signal?.aborted) throw options.signal.reason;
    const queueMs = Math.max(0, envelope.startedAt - submittedAt);
    const computeMs = envelope.finishedAt - envelope.startedAt;
    if (!envelope.ok) throw reviveTaskError(task, envelope.error);
    return { value: envelope.value as TaskOutput<K>, queueMs, computeMs };
  }

  /** Resolves when it is this task's turn and a thread is free; rejects if aborted first. */
  #wait(request: TaskRequest, options: RunOptions): Promise<void> {
    if (this.#queued >= this.maxQueuedTasks) {
      throw new OverloadedError(
        `All ${this.threads} worker threads are busy and ${this.#queued} tasks are already waiting; retry after the indicated delay.`,
        1,
      );
    }
    const lane = options.lane ?? defaultLane;
    return new Promise<void>((resolve, reject) => {
      const { signal } = options;
      const onAbort = (): void => {
        const waiting = this.#lanes.get(lane);
        const index = waiting?.indexOf(entry) ?? -1;
        if (waiting === undefined || index < 0) return;
        waiting.splice(index, 1);
        if (waiting.length === 0) this.#lanes.delete(lane);
        this.#queued -= 1;
        reject(signal?.reason);
      };
      const entry: QueuedTask = {
        request,
        options,
        start: () => {
          signal?.removeEventListener('abort', onAbort);
          resolve();
        },
        fail: (error) => {
          signal?.removeEventListener('abort', onAbort);
          reject(error);
        },
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      const waiting = this.#lanes.get(lane);
      if (waiting === undefined) this.#lanes.set(lane, [entry]);
      else waiting.push(entry);
      this.#queued += 1;
      this.#peakQueueSize = Math.max(this.#peakQueueSize, this.#queued);
    });
  }

  /**
   * Hands the free thread to the waiting lane that has the fewest tasks on threads now, the
   * lane that ran last going to the back of the turn order first; then that lane goes to the
   * back. A tenant that arrives while another holds every thread is served at the next free
   * thread, whatever the other has queued.
   */
  #startNext(): void {
    if (this.#running >= this.threads || this.#lanes.size === 0) return;
    const last = this.#lastLane === undefined ? undefined : this.#lanes.get(this.#lastLane);
    if (last !== undefined && this.#lanes.size > 1) {
      this.#lanes.delete(this.#lastLane as string);
      this.#lanes.set(this.#lastLane as string, last);
    }
    let chosen: string | undefined;
    let fewest = Number.POSITIVE_INFINITY;
    for (const lane of this.#lanes.keys()) {
      const running = this.#runningIn.get(lane) ?? 0;
      if (running < fewest) {
        chosen = lane;
        fewest = running;
      }
    }
    if (chosen === undefined) return;
    const waiting = this.#lanes.get(chosen) as QueuedTask[];
    const next = waiting.shift() as QueuedTask;
    this.#lanes.delete(chosen);
    if (waiting.length > 0) this.#lanes.set(chosen, waiting);
    this.#queued -= 1;
    // Claimed here, not when `next` resumes: a task finishing in between must not hand out the
    // same thread again.
    this.#claim(chosen);
    next.start();
  }

  /** Counts a task of `lane` as on a thread. */
  #claim(lane: string): void {
    this.#account();
    this.#running += 1;
    this.#runningIn.set(lane, (this.#runningIn.get(lane) ?? 0) + 1);
    this.#lastLane = lane;
  }

  #release(lane: string): void {
    this.#account();
    this.#running -= 1;
    const running = (this.#runningIn.get(lane) ?? 1) - 1;
    if (running > 0) this.#runningIn.set(lane, running);
    else this.#runningIn.delete(lane);
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    for (const waiting of this.#lanes.values()) for (const entry of waiting) entry.fail(new ShuttingDownError());
    this.#lanes.clear();
    this.#queued = 0;
    await this.#piscina.close();
  }
}
