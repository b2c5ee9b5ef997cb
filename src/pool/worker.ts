/**
 * The entry of every pool thread. It runs one named task from the task table and wraps
 * the answer with the thread's own clock readings, so the main thread can tell queue wait
 * from compute time. Errors come back as data: a kernel's input error and a sandbox error
 * stay client errors, and nothing a task throws can take the thread down with it.
 */
import { performance } from 'node:perf_hooks';
import { ComputeInputError } from '../compute/errors.js';
import { SandboxError, sandboxErrorToData, type SandboxErrorData } from '../sandbox/errors.js';
import type { TaskContext } from './cancel.js';
import { tasks, type TaskName } from './tasks.js';

export interface TaskRequest {
  readonly task: TaskName;
  readonly input: unknown;
  /** Cooperative tasks only (see cancel.ts). */
  readonly cancel?: Int32Array;
}

export type TaskEnvelope =
  | { readonly ok: true; readonly value: unknown; readonly startedAt: number; readonly finishedAt: number }
  | {
      readonly ok: false;
      readonly error:
        | { readonly kind: 'input' | 'internal'; readonly message: string; readonly pointer?: string }
        | { readonly kind: 'sandbox'; readonly message: string; readonly sandbox: SandboxErrorData };
      readonly startedAt: number;
      readonly finishedAt: number;
    };

const now = (): number => performance.timeOrigin + performance.now();

export default async function runTask(request: TaskRequest): Promise<TaskEnvelope> {
  const startedAt = now();
  try {
    const run = tasks[request.task] as (input: unknown, context: TaskContext) => unknown;
    const value = await run(request.input, request.cancel === undefined ? {} : { cancel: request.cancel });
    return { ok: true, value, startedAt, finishedAt: now() };
  } catch (error) {
    const finishedAt = now();
    if (error instanceof ComputeInputError) {
      return {
        ok: false,
        error: { kind: 'input', message: error.message, ...(error.pointer === undefined ? {} : { pointer: error.pointer }) },
        startedAt,
        finishedAt,
      };
    }
    if (error instanceof SandboxError) {
      return { ok: false, error: { kind: 'sandbox', message: error.message, sandbox: sandboxErrorToData(error) }, startedAt, finishedAt };
    }
    const message = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
    return { ok: false, error: { kind: 'internal', message }, startedAt, finishedAt };
  }
}
