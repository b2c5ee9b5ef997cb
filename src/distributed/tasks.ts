/**
 * Fan-out on BullMQ: the pool tasks of one job become child jobs of the `tasks` queue, run by
 * whichever worker process takes them on its own threads, and combined by the parent as if
 * they had run on local threads (the dispatcher cannot tell: this is its `TaskRunner`).
 *
 * A child's id is `<parent>.<n>.<hash of its input>`: when a parent runs again after its
 * worker died, the children it had already started are found by id instead of added again,
 * and a finished one is not computed twice. Inputs and outputs travel through the codec,
 * bulk bytes as ranges of blobs (src/distributed/codec.ts).
 */
import { createHash } from 'node:crypto';
import { type Queue, type QueueEvents } from 'bullmq';
import type { TaskRunner } from '../dispatch/dispatcher.js';
import type { RunOptions, TaskResult } from '../pool/pool.js';
import { reviveTaskError, type TaskErrorData } from '../pool/task-errors.js';
import type { TaskInput, TaskName, TaskOutput } from '../pool/tasks.js';
import type { Json } from './codec.js';
import type { DistributedState } from './jobs.js';

/**
 * Why a worker stopped a job or task it ran: the worker itself is stopping (SIGTERM past
 * SHUTDOWN_TIMEOUT_MS), so the work goes back to its queue for another worker, unfailed.
 */
export class WorkerStoppingError extends Error {
  override readonly name = 'WorkerStoppingError';
  constructor() {
    super('the worker running this is stopping; it is handed back to the queue');
  }
}

export interface QueuedTaskData {
  readonly task: TaskName;
  readonly input: Json;
  /** The job the task is a shard of: its blobs hold the task's bulk data, its cancellation stops the task. */
  readonly parent: string;
  readonly lane?: string;
}

export interface TaskReturn {
  readonly output: Json;
  readonly computeMs: number;
}

/** Finished children are kept this long, so a parent that runs again finds them. */
const keepChildrenSeconds = 3_600;

export interface TaskQueue {
  readonly queue: Queue<QueuedTaskData, TaskReturn>;
  readonly events: QueueEvents;
  readonly state: DistributedState;
}

export class ClusterTasks implements TaskRunner {
  #next = 0;
  #cancelsSent = false;

  constructor(
    private readonly tasks: TaskQueue,
    private readonly parent: string,
    readonly threads: number,
  ) {}

  async run<K extends TaskName>(task: K, input: TaskInput<K>, options: RunOptions = {}): Promise<TaskResult<TaskOutput<K>>> {
    const { signal } = options;
    signal?.throwIfAborted();
    const codec = this.tasks.state.codecFor(this.parent);
    const encoded = await codec.encode(input);
    const hash = createHash('sha1').update(JSON.stringify(encoded)).digest('base64url').slice(0, 12);
    const submittedAt = performance.now();
    const child = await this.tasks.queue.add(
      task,
      { task, input: encoded, parent: this.parent, ...(options.lane === undefined ? {} : { lane: options.lane }) },
      {
        jobId: `${this.parent}.${this.#next++}.${hash}`,
        attempts: 1,
        removeOnComplete: { age: keepChildrenSeconds },
        removeOnFail: { age: keepChildrenSeconds },
      },
    );
    let onAbort: (() => void) | undefined;
    const aborted = new Promise<never>((_, reject) => {
      onAbort = () => {
        // A parent handed back by its stopping worker runs again elsewhere and finds its
        // children by id: they are still wanted, so they are neither dropped nor cancelled.
        if (!(signal?.reason instanceof WorkerStoppingError)) {
          // Not yet taken: drop it. Taken: its worker hears the cancellation and stops it.
          void child.remove().catch(() => undefined);
          this.#cancelSiblings();
        }
        reject(signal?.reason);
      };
      // The signal may have fired while the child was being added (a cancel landing as the
      // shards go out): a listener added now would never hear it, and the job would run on.
      if (signal?.aborted === true) onAbort();
      else signal?.addEventListener('abort', onAbort, { once: true });
    });
    aborted.catch(() => undefined);
    try {
      const returned = (await Promise.race([child.waitUntilFinished(this.tasks.events), aborted])) as TaskReturn;
      const value = (await codec.decode(returned.output)) as TaskOutput<K>;
      const totalMs = performance.now() - submittedAt;
      return { value, computeMs: returned.computeMs, queueMs: Math.max(0, totalMs - returned.computeMs) };
    } catch (error) {
      if (signal?.aborted === true) throw signal.reason;
      throw reviveChildError(task, error);
    } finally {
      if (onAbort !== undefined) signal?.removeEventListener('abort', onAbort);
    }
  }

  /** Running siblings are on other workers: every worker hears this and stops the parent's tasks it holds. */
  #cancelSiblings(): void {
    if (this.#cancelsSent) return;
    this.#cancelsSent = true;
    const { redis, keys } = this.tasks.state;
    void redis.publish(keys.cancels, `tasks ${this.parent}`).catch(() => undefined);
  }
}

/** A child's failure reason is its task error as JSON (see the task processor); anything else is internal. */
function reviveChildError(task: string, error: unknown): Error {
  const message = error instanceof Error ? error.message : String(error);
  try {
    const data = JSON.parse(message) as TaskErrorData;
    if (typeof data.kind === 'string' && typeof data.message === 'string') return reviveTaskError(task, data);
  } catch {
    // not one of ours: a lost worker, a closed queue
  }
  return new Error(`pool task ${task} failed on a worker: ${message}`);
}
