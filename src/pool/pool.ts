/**
 * The CPU worker pool: Piscina threads running src/pool/worker.ts, with a bounded queue,
 * cancellation by AbortSignal (a running task's thread is terminated and replaced, so
 * cancelled work really stops; tasks that drive a child process are cancelled
 * cooperatively first, see cancel.ts) and a typed `run(task, input)`.
 */
import { performance } from 'node:perf_hooks';
import type { TransferListItem } from 'node:worker_threads';
import { Piscina } from 'piscina';
import { ComputeInputError } from '../compute/errors.js';
import { ProblemError } from '../http/problems.js';
import { sandboxErrorFromData } from '../sandbox/errors.js';
import { COOPERATIVE_TASKS, cooperativeCancel } from './cancel.js';
import type { TaskEnvelope, TaskRequest } from './worker.js';
import type { TaskInput, TaskName, TaskOutput } from './tasks.js';

export interface PoolOptions {
  readonly threads: number;
  readonly maxQueue: number;
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
}

/** Under tsx (tests, `npm run dev`) this file is .ts and so is the worker; in dist both are .js. */
function workerFile(): string {
  const extension = import.meta.url.endsWith('.ts') ? 'ts' : 'js';
  return new URL(`./worker.${extension}`, import.meta.url).href;
}

const now = (): number => performance.timeOrigin + performance.now();

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
  readonly maxQueue: number;
  #piscina: Piscina<TaskRequest, TaskEnvelope>;
  #closed = false;
  #inFlight = 0;

  constructor(options: PoolOptions) {
    this.threads = options.threads;
    this.maxQueue = options.maxQueue;
    this.#piscina = new Piscina({
      filename: workerFile(),
      minThreads: options.threads,
      maxThreads: options.threads,
      maxQueue: options.maxQueue,
      // Threads stay up: starting one costs tens of milliseconds.
      idleTimeout: Number.POSITIVE_INFINITY,
    });
  }

  get closed(): boolean {
    return this.#closed;
  }

  /** Tasks waiting for a thread. Piscina's own count leaves out tasks that carry a signal. */
  get queueSize(): number {
    return Math.max(0, this.#inFlight - this.threads);
  }

  get utilization(): number {
    return this.#piscina.utilization;
  }

  /** Tasks submitted and not yet settled: running or waiting for a thread. */
  get inFlight(): number {
    return this.#inFlight;
  }

  get completed(): number {
    return this.#piscina.completed;
  }

  async run<K extends TaskName>(task: K, input: TaskInput<K>, options: RunOptions = {}): Promise<TaskResult<TaskOutput<K>>> {
    if (this.#closed) throw new ProblemError('shutting-down', 'The server is shutting down; retry on another instance.', { headers: { 'Retry-After': '1' } });
    // Piscina does not count tasks that carry an AbortSignal against `maxQueue` (they wait in
    // a separate queue), and every task here may carry one: so the bound is enforced here.
    if (this.#inFlight >= this.threads + this.maxQueue) throw this.#overloaded();
    if (options.signal?.aborted) throw options.signal.reason;
    const submittedAt = now();
    const cooperative = options.signal !== undefined && COOPERATIVE_TASKS.has(task) ? cooperativeCancel(options.signal) : undefined;
    const signal = cooperative?.signal ?? options.signal;
    let envelope: TaskEnvelope;
    this.#inFlight += 1;
    const settled = this.#piscina
      .run(
        { task, input, ...(cooperative === undefined ? {} : { cancel: cooperative.flag }) },
        {
          ...(signal === undefined ? {} : { signal }),
          ...(options.transferList === undefined ? {} : { transferList: options.transferList as TransferListItem[] }),
        },
      )
      .finally(() => {
        // Counted until the thread is really done, even when the caller stopped waiting.
        this.#inFlight -= 1;
        cooperative?.dispose();
      });
    try {
      // A cancelled cooperative task is answered at once; it stops on its thread in the background.
      envelope = await (cooperative === undefined ? settled : untilAborted(settled, options.signal!));
    } catch (error) {
      throw this.#translate(error, options.signal);
    }
    // A cooperative task that stopped because it was cancelled answers like an aborted one.
    if (cooperative !== undefined && options.signal?.aborted) throw options.signal.reason;
    const queueMs = Math.max(0, envelope.startedAt - submittedAt);
    const computeMs = envelope.finishedAt - envelope.startedAt;
    if (!envelope.ok) {
      const { error } = envelope;
      if (error.kind === 'input') throw new ComputeInputError(error.message, error.pointer);
      if (error.kind === 'sandbox') throw sandboxErrorFromData(error.sandbox);
      throw new Error(`pool task ${task} failed: ${error.message}`);
    }
    return { value: envelope.value as TaskOutput<K>, queueMs, computeMs };
  }

  #translate(error: unknown, signal: AbortSignal | undefined): unknown {
    if (signal?.aborted) return signal.reason ?? error;
    if (error instanceof Error && error.message === 'Task queue is at limit') return this.#overloaded();
    return error;
  }

  #overloaded(): ProblemError {
    return new ProblemError(
      'overloaded',
      `All ${this.threads} worker threads are busy and ${this.maxQueue} tasks are already waiting; retry after the indicated delay.`,
      { headers: { 'Retry-After': '1' } },
    );
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.#piscina.close();
  }
}
