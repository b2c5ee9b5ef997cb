/**
 * Public face of the sandbox for the main thread (HTTP edge, operations, jobs): the shapes
 * of requests and outputs, the typed errors, and the pure helpers that need no sandbox
 * process. Running user code goes through the pool tasks `sandboxCompile`, `sandboxMap`
 * and `sandboxReduce` (src/pool/tasks/sandbox.ts); see README.md beside this file.
 */
export {
  SandboxCrashError,
  SandboxError,
  SandboxInputError,
  SandboxLimitError,
  SandboxSyntaxError,
  SandboxUserError,
  SandboxValueError,
  type SandboxErrorData,
  type SandboxLimitName,
  type SandboxLocation,
} from './errors.js';
export {
  MAX_BATCH_BYTES,
  MIN_BATCH_BYTES,
  runCustomJob,
  runCustomPhases,
  sandboxBatchBytes,
  textBatches,
  transferablesOf,
  valueBatches,
  type CustomJob,
  type CustomJobPhases,
  type CustomJobProgress,
  type CustomJobResult,
  type SandboxBatch,
  type SandboxRunner,
} from './job.js';
export { compareKeys, mergeSandboxResults } from './results.js';
export { checkSourceSizes, functionsDigest } from './source.js';
export * from './types.js';
