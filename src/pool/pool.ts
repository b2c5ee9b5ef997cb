/**
 * The CPU worker pool: Piscina threads running src/pool/worker.ts, with a bounded queue,
 * cancellation by AbortSignal (a running task's thread is terminated and replaced, so
 * cancelled work really stops) and a typed `run(task, input)`.
 */
import { performance } from 'node:perf_hooks';
import type { TransferListItem } from 'node:worker_threads';
import { Piscina } from 'piscina';
import { ComputeInputError } from '../compute/errors.js';
import { ProblemError } from '../http/problems.js';
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

export class WorkerPool {
  readonly threads: number;
  readonly maxQueue: number;
  #piscina: Piscina<TaskRequest, TaskEnvelope>;
  #closed = false;
  #inFlight = 0;
  #busyThreadMs = 0;
  #accountedAt = performance.now();
  #peakQueueSize = 0;

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

  /**
   * Thread-milliseconds spent on tasks since start: the integral of busy threads over time, a
   * task counting from submission whenever a thread is free for it. Its growth over a window is
   * the pool's utilization then (src/pool/pool-sampler.ts); Piscina's own `utilization` averages
   * over the pool's whole life and sees a task only once it has finished.
   */
  get busyThreadMs(): number {
    this.#account();
    return this.#busyThreadMs;
  }

  /** The most tasks that waited for a thread at once since the last call (at least the current count). */
  takePeakQueueSize(): number {
    const peak = Math.max(this.#peakQueueSize, this.queueSize);
    this.#peakQueueSize = this.queueSize;
    return peak;
  }

  /** Books the busy time since the last change of the in-flight count; called before each change. */
  #account(): void {
    const at = performance.now();
    this.#busyThreadMs += Math.min(this.#inFlight, this.threads) * (at - this.#accountedAt);
    this.#accountedAt = at;
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
    const submittedAt = now();
    let envelope: TaskEnvelope;
    this.#account();
    this.#inFlight += 1;
    this.#peakQueueSize = Math.max(this.#peakQueueSize, this.queueSize);
    try {
      envelope = await this.#piscina.run(
        { task, input },
        {
          ...(options.signal === undefined ? {} : { signal: options.signal }),
          ...(options.transferList === undefined ? {} : { transferList: options.transferList as TransferListItem[] }),
        },
      );
    } catch (error) {
      throw this.#translate(error, options.signal);
    } finally {
      this.#account();
      this.#inFlight -= 1;
    }
    const queueMs = Math.max(0, envelope.startedAt - submittedAt);
    const computeMs = envelope.finishedAt - envelope.startedAt;
    if (!envelope.ok) {
      if (envelope.error.kind === 'input') throw new ComputeInputError(envelope.error.message, envelope.error.pointer);
      throw new Error(`pool task ${task} failed: ${envelope.error.message}`);
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
