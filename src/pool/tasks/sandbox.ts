/**
 * Pool tasks for user functions. The thread itself runs no user code: it hands each
 * request to its own sandbox host process (src/sandbox/host-client.ts), so placement,
 * sharding, admission and the pool's queue work as for the built-in kernels. They are
 * cooperative tasks (src/pool/cancel.ts): a cancel stops the run in the host, and the
 * thread stays.
 */
import { RunCancelledError } from '../../sandbox/errors.js';
import { runInSandbox } from '../../sandbox/host-client.js';
import type {
  SandboxCompileOutput,
  SandboxCompileRequest,
  SandboxMapOutput,
  SandboxMapRequest,
  SandboxReduceOutput,
  SandboxReduceRequest,
} from '../../sandbox/types.js';
import type { TaskContext } from '../cancel.js';

/** Cancelled runs end the task with no value; the pool answers with the caller's abort reason. */
async function settle<T>(run: Promise<T>): Promise<T> {
  try {
    return await run;
  } catch (error) {
    if (error instanceof RunCancelledError) return undefined as T;
    throw error;
  }
}

/** Validates and loads a function set once (syntax, definitions, top-level code): for deploy-once. */
export function sandboxCompile(input: SandboxCompileRequest, context: TaskContext = {}): Promise<SandboxCompileOutput> {
  return settle(runInSandbox('compile', input, context.cancel));
}

export function sandboxMap(input: SandboxMapRequest, context: TaskContext = {}): Promise<SandboxMapOutput> {
  return settle(runInSandbox('map', input, context.cancel));
}

export function sandboxReduce(input: SandboxReduceRequest, context: TaskContext = {}): Promise<SandboxReduceOutput> {
  return settle(runInSandbox('reduce', input, context.cancel));
}
