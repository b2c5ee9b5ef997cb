/**
 * The shapes that cross the sandbox's boundaries: user functions, limits, the documents a
 * map run reads, and what map and reduce runs return. All plain data (strings, numbers,
 * arrays, Uint8Array), so they survive structured clone between threads and processes.
 */

/** Any JSON value: what documents, emitted values and reduce results are. */
export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };

/** A key emitted by map: a string or a finite number (-0 reads as 0). */
export type SandboxKey = string | number;

export type SandboxFunctionName = 'map' | 'combine' | 'reduce';

/**
 * User sources. Each is a classic script that defines a function of its name
 * (`function map(document, emit) { … }`, helpers allowed) or is one function expression
 * (`(document, emit) => { … }`). combine has reduce's shape.
 */
export interface SandboxFunctions {
  readonly map: string;
  readonly reduce: string;
  readonly combine?: string;
}

/** Per-run bounds, from config.sandbox (src/config.ts documents each one). */
export interface SandboxLimits {
  /** V8 heap of the isolate running one map or reduce run. */
  readonly memoryMb: number;
  /** Hard cap on the sandbox host process (address-space data limit and RSS watchdog). */
  readonly processMemoryMb: number;
  /** CPU time of one run (compile, map over a batch, or reduce of a partition). */
  readonly cpuMs: number;
  /** Stack of the thread running user code; deeper recursion is the `stack` limit. */
  readonly stackKb: number;
  /** UTF-8 bytes of each function's source. */
  readonly maxSourceBytes: number;
  /** emit() calls in one map run. */
  readonly maxEmits: number;
  /** UTF-8 bytes of one map run's output (after combine), as JSON. */
  readonly maxEmitBytes: number;
  /** UTF-8 bytes of reduce results, as JSON: of one partition's run, and of a whole job's merge. */
  readonly maxResultBytes: number;
}

/**
 * The documents of one map run.
 * - `values`: JSON values, in order.
 * - `lines`: UTF-8 text; each line (without `\n` or `\r\n`) is one string document, an
 *   empty line included, except after the final newline.
 * - `ndjson`: UTF-8 text; each line that is not blank is one JSON document.
 */
export type SandboxDocuments =
  | { readonly format: 'values'; readonly documents: readonly unknown[] }
  | { readonly format: 'lines'; readonly text: Uint8Array | string }
  | { readonly format: 'ndjson'; readonly text: Uint8Array | string };

export interface SandboxMapRequest {
  readonly functions: SandboxFunctions;
  readonly documents: SandboxDocuments;
  /** Index, within the whole job, of this batch's first document (its line number - 1 for text), for error messages. */
  readonly firstDocument?: number;
  /** Partitions of the shuffle; keys go to partition stableKeyHash(key) % partitions. */
  readonly partitions: number;
  readonly limits: SandboxLimits;
}

export interface SandboxMapOutput {
  /**
   * One JSON text per partition: `[[key, [value, …]], …]` in first-emit order, the values
   * in emit order, or `[[key, [combined]], …]` when a combine was given. Opaque to the
   * caller: hand `partitions[p]` of every map output, in batch order, to reduce run p.
   */
  readonly partitions: string[];
  readonly documents: number;
  readonly emitted: number;
  /** UTF-8 bytes of all partitions. */
  readonly bytes: number;
  /** CPU time of the sandbox process for this run (isolate, compile, copies). */
  readonly cpuMs: number;
  /** The sandbox process that ran it (diagnostics and tests). */
  readonly hostPid: number;
}

export interface SandboxReduceRequest {
  readonly functions: SandboxFunctions;
  /** `partitions[p]` of every map output, in batch (document) order, for one partition p. */
  readonly parts: readonly string[];
  readonly limits: SandboxLimits;
}

export interface SandboxResult {
  readonly key: SandboxKey;
  readonly value: JsonValue;
}

export interface SandboxReduceOutput {
  /** In key order (see compareKeys): numbers ascending, then strings by code point. */
  readonly results: SandboxResult[];
  /** UTF-8 bytes of the results as JSON. */
  readonly bytes: number;
  readonly cpuMs: number;
  readonly hostPid: number;
}

export interface SandboxCompileRequest {
  readonly functions: SandboxFunctions;
  readonly limits: SandboxLimits;
}

export interface SandboxCompileOutput {
  /** sha-256 of the sources, hex: a stable id for a stored function set. */
  readonly digest: string;
  readonly cpuMs: number;
  readonly hostPid: number;
}
