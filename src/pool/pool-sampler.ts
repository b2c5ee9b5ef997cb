/**
 * The pool's recent load. Every `intervalMs` it records the utilization over the interval
 * (from the growth of the pool's busy thread time), the deepest the queue got and the tasks in
 * flight, in a ring of `history` samples where the newest overwrites the oldest: a bounded
 * picture of the last minutes for the jobs page, and a current utilization for the metrics
 * gauge and /readyz instead of Piscina's average since start.
 */
import type { WorkerPool } from './pool.js';

export interface PoolSample {
  /** Epoch milliseconds at the end of the interval. */
  readonly at: number;
  /** Share of the threads' time spent on tasks during the interval, 0 to 1. */
  readonly utilization: number;
  /** The most tasks waiting for a thread at once during the interval. */
  readonly maxQueued: number;
  /** Tasks running or waiting at the end of the interval. */
  readonly inFlight: number;
}

export interface PoolLoad {
  /** Share of the threads' time spent on tasks over the last interval or so, 0 to 1. */
  readonly utilization: number;
  readonly queued: number;
  readonly inFlight: number;
}

export interface PoolSamplerOptions {
  readonly intervalMs: number;
  /** Samples kept. */
  readonly history: number;
}

interface Mark {
  readonly monotonicMs: number;
  readonly busyThreadMs: number;
}

export class PoolSampler {
  readonly intervalMs: number;
  readonly history: number;
  readonly #pool: WorkerPool;
  readonly #ring: PoolSample[] = [];
  /** Where the next sample goes once the ring is full. */
  #next = 0;
  #last: Mark;
  #beforeLast: Mark | undefined;
  readonly #timer: NodeJS.Timeout;

  constructor(pool: WorkerPool, options: PoolSamplerOptions) {
    this.#pool = pool;
    this.intervalMs = options.intervalMs;
    this.history = options.history;
    this.#last = this.#mark();
    this.#timer = setInterval(() => this.sample(), options.intervalMs);
    this.#timer.unref();
  }

  /** Records a sample now: the timer calls it, and tests may. */
  sample(): PoolSample {
    const mark = this.#mark();
    const sample: PoolSample = {
      at: Date.now(),
      utilization: this.#utilizationBetween(this.#last, mark),
      maxQueued: this.#pool.takePeakQueueSize(),
      inFlight: this.#pool.inFlight,
    };
    if (this.#ring.length < this.history) this.#ring.push(sample);
    else {
      this.#ring[this.#next] = sample;
      this.#next = (this.#next + 1) % this.history;
    }
    this.#beforeLast = this.#last;
    this.#last = mark;
    return sample;
  }

  /** The samples kept, oldest first. */
  samples(): PoolSample[] {
    return [...this.#ring.slice(this.#next), ...this.#ring.slice(0, this.#next)];
  }

  /** Utilization since the last sample, or since the one before when the last is too recent to say much. */
  current(): PoolLoad {
    const mark = this.#mark();
    const recent = mark.monotonicMs - this.#last.monotonicMs < this.intervalMs / 2;
    const since = recent && this.#beforeLast !== undefined ? this.#beforeLast : this.#last;
    return { utilization: this.#utilizationBetween(since, mark), queued: this.#pool.queueSize, inFlight: this.#pool.inFlight };
  }

  close(): void {
    clearInterval(this.#timer);
  }

  #mark(): Mark {
    return { monotonicMs: performance.now(), busyThreadMs: this.#pool.busyThreadMs };
  }

  #utilizationBetween(from: Mark, to: Mark): number {
    const capacity = (to.monotonicMs - from.monotonicMs) * this.#pool.threads;
    if (capacity <= 0) return 0;
    return Math.min(1, Math.max(0, (to.busyThreadMs - from.busyThreadMs) / capacity));
  }
}
