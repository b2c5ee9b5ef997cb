/**
 * Cooperative cancellation for pool tasks that wait on another process (the sandbox
 * tasks). Piscina cancels a running task by terminating its thread; for a task whose
 * thread owns a child process that would orphan the child as a zombie (libuv reaps a child
 * only from the loop that spawned it, and that loop is gone), one per cancelled task, until
 * the server runs out of process ids. So for these tasks the main thread sets a shared
 * flag instead, and the caller's promise rejects at once; the task sees the flag within
 * milliseconds (or before it starts, if it was still queued), stops its child's work and
 * returns, and counts as in flight until then. Only if it has not settled after
 * CANCEL_GRACE_MS does the pool fall back to Piscina's abort (the child then kills itself
 * when its IPC channel closes).
 */

import type { TaskName } from './tasks.js';

/** What a pool task receives besides its input. */
export interface TaskContext {
  /** Element 0 becomes non-zero when the caller cancels (cooperative tasks only). */
  readonly cancel?: Int32Array;
}

export const COOPERATIVE_TASKS: ReadonlySet<TaskName> = new Set<TaskName>(['sandboxCompile', 'sandboxMap', 'sandboxReduce', 'sandboxReduceJson']);

export const CANCEL_GRACE_MS = 1_000;

export interface CooperativeCancel {
  readonly flag: Int32Array;
  /** Aborted CANCEL_GRACE_MS after the caller's signal, for Piscina's hard abort. */
  readonly signal: AbortSignal;
  dispose(): void;
}

export function cooperativeCancel(signal: AbortSignal): CooperativeCancel {
  const flag = new Int32Array(new SharedArrayBuffer(4));
  const hard = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  const onAbort = (): void => {
    Atomics.store(flag, 0, 1);
    timer = setTimeout(() => hard.abort(signal.reason), CANCEL_GRACE_MS);
  };
  if (signal.aborted) onAbort();
  else signal.addEventListener('abort', onAbort, { once: true });
  return {
    flag,
    signal: hard.signal,
    dispose() {
      signal.removeEventListener('abort', onAbort);
      if (timer !== undefined) clearTimeout(timer);
    },
  };
}
