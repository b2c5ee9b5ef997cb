/**
 * The entry of every pool thread. It runs one named task from the task table and wraps
 * the answer with the thread's own clock readings, so the main thread can tell queue wait
 * from compute time. Errors come back as data: a kernel's input error stays a client
 * error, and nothing a task throws can take the thread down with it
 * (src/pool/task-errors.ts). Answers a task hands over are moved, not copied
 * (src/pool/transfer.ts).
 */
import { performance } from 'node:perf_hooks';
import type { TaskContext } from './cancel.js';
import { type TaskErrorData, taskErrorData } from './task-errors.js';
import { tasks, type TaskName } from './tasks.js';
import { handedOverBuffers, movingReply } from './transfer.js';

export interface TaskRequest {
  readonly task: TaskName;
  readonly input: unknown;
  /** Cooperative tasks only (see cancel.ts). */
  readonly cancel?: Int32Array;
}

export type TaskEnvelope =
  | { readonly ok: true; readonly value: unknown; readonly startedAt: number; readonly finishedAt: number }
  | { readonly ok: false; readonly error: TaskErrorData; readonly startedAt: number; readonly finishedAt: number };

const now = (): number => performance.timeOrigin + performance.now();

export default async function runTask(request: TaskRequest): Promise<TaskEnvelope> {
  const startedAt = now();
  try {
    const run = tasks[request.task] as (input: unknown, context: TaskContext) => unknown;
    const value = await run(request.input, request.cancel === undefined ? {} : { cancel: request.cancel });
    // What the task handed over moves to the caller: a large answer is not copied on the event loop.
    return movingReply({ ok: true, value, startedAt, finishedAt: now() }, handedOverBuffers(value));
  } catch (error) {
    return { ok: false, error: taskErrorData(error), startedAt, finishedAt: now() };
  }
}
