/**
 * Pool tasks for user functions. The thread itself runs no user code: it hands each
 * request to its own sandbox host process (src/sandbox/host-client.ts), so placement,
 * sharding, admission and the pool's queue work as for the built-in kernels. They are
 * cooperative tasks (src/pool/cancel.ts): a cancel stops the run in the host, and the
 * thread stays.
 */
import { RunCancelledError } from '../../sandbox/errors.js';
import { runInSandbox } from '../../sandbox/host-client.js';
import { mergeSandboxResults } from '../../sandbox/results.js';
import type {
  SandboxCompileOutput,
  SandboxCompileRequest,
  SandboxMapOutput,
  SandboxMapRequest,
  SandboxReduceOutput,
  SandboxReduceRequest,
  SandboxResult,
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

/**
 * A reduce run whose results come back as their JSON text (`[{"key":…,"value":…},…]`, in key
 * order). A string crosses to another thread as one copy; 250 000 result objects cost the
 * receiving thread about 200 ms of structured clone, on the API's event loop.
 */
export interface SandboxReduceJsonOutput {
  readonly json: string;
  readonly count: number;
  /** UTF-8 bytes of the results as JSON, as the host measured them (for the result limit). */
  readonly bytes: number;
  readonly cpuMs: number;
  readonly hostPid: number;
}

export async function sandboxReduceJson(input: SandboxReduceRequest, context: TaskContext = {}): Promise<SandboxReduceJsonOutput> {
  const output = await sandboxReduce(input, context);
  // Cancelled: nobody reads the answer.
  if (output === undefined) return output;
  const { results, bytes, cpuMs, hostPid } = output;
  return { json: JSON.stringify(results), count: results.length, bytes, cpuMs, hostPid };
}

export interface SandboxMergeJsonInput {
  /** One reduce answer per partition (sandboxReduceJson). */
  readonly parts: readonly Pick<SandboxReduceJsonOutput, 'json' | 'bytes'>[];
  readonly maxResultBytes: number;
}

/** The partitions' results merged into one list in key order, as JSON text (mergeSandboxResults, off the event loop). */
export function sandboxMergeJson(input: SandboxMergeJsonInput): Pick<SandboxReduceJsonOutput, 'json' | 'count'> {
  const outputs = input.parts.map((part) => ({ results: JSON.parse(part.json) as SandboxResult[], bytes: part.bytes, cpuMs: 0, hostPid: 0 }));
  const merged = mergeSandboxResults(outputs, input.maxResultBytes);
  return { json: JSON.stringify(merged), count: merged.length };
}
