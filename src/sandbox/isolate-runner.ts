/**
 * Runs one compile, map or reduce request in a fresh isolated-vm isolate, inside the sandbox
 * host process (never in the API process or a pool thread). A new isolate per run costs
 * about 2 ms and gives every run its own heap, built-ins and globals: nothing one run or
 * tenant does is visible to the next.
 *
 * Limits enforced here: the isolate's heap (`memoryMb`, isolated-vm's memoryLimit, which
 * hostile code can overshoot 2-3x: the host process's own cap is the backstop), CPU time
 * (`cpuMs`, isolate.cpuTime polled every few ms; the isolate is disposed on breach, which
 * stops it mid-instruction), output and result bytes. Stack depth is the thread's stack,
 * set by the host's spawner (RLIMIT_STACK). Only strings cross into the isolate; no
 * Reference, callback or host object is ever handed to user code.
 */
import { createHash } from 'node:crypto';
import ivm from 'isolated-vm';
import {
  RunCancelledError,
  SandboxError,
  SandboxInputError,
  SandboxLimitError,
  SandboxSyntaxError,
  SandboxUserError,
  SandboxValueError,
  type SandboxLimitName,
  type SandboxLocation,
} from './errors.js';
import { HARNESS_SCRIPT } from './harness.js';
import { checkSourceSizes, evaluableSource, functionsDigest, sourcesOf, syntaxErrorOf } from './source.js';
import type {
  SandboxCompileOutput,
  SandboxCompileRequest,
  SandboxFunctionName,
  SandboxFunctions,
  SandboxKey,
  SandboxLimits,
  SandboxMapOutput,
  SandboxMapRequest,
  SandboxReduceOutput,
  SandboxReduceRequest,
  SandboxResult,
  JsonValue,
} from './types.js';

const CPU_POLL_MS = 5;
/** Wall-clock allowance for reading a thrown value: only a hostile Proxy takes longer. */
const DESCRIBE_TIMEOUT_MS = 250;
const MAX_PREPARED = 256;
/** Bound of the prepared-source cache, in UTF-16 code units (about 16 MB). */
const MAX_PREPARED_CHARS = 8 << 20;

type Dispatch = ivm.Reference<(...args: unknown[]) => unknown>;

interface Run {
  readonly isolate: ivm.Isolate;
  stopped: 'cpu' | 'cancel' | undefined;
}

/** What the engine reports instead of an answer (see harness.ts). */
interface FailureRecord {
  ok: false;
  kind: 'thrown' | 'value' | 'limit' | 'input' | 'definition';
  message?: string;
  phase?: string;
  fn?: SandboxFunctionName;
  line?: number;
  column?: number;
  document?: number;
  key?: SandboxKey;
  limit?: SandboxLimitName;
  maximum?: number;
  unit?: string;
}

interface Description {
  thrown: string;
  message: string;
  frame?: { fn: SandboxFunctionName; line: number; column: number };
}

const textDecoder = new TextDecoder('utf-8');

/** The engine's dispatch function in one run's context. */
class Engine {
  readonly #dispatch: Dispatch;
  readonly #run: Run;

  get isolate(): ivm.Isolate {
    return this.#run.isolate;
  }

  constructor(dispatch: Dispatch, run: Run) {
    this.#dispatch = dispatch;
    this.#run = run;
  }

  /**
   * Calls the engine. isolated-vm fails a call whose microtasks left a Promise rejected with
   * no handler (an `import()`, a stray `Promise.reject`), with a copy of the reason: that is
   * the user's doing, blamed on `blame`.
   */
  async call(args: unknown[], blame: SandboxFunctionName, timeout?: number): Promise<unknown> {
    try {
      return await this.#dispatch.apply(undefined, args, {
        arguments: { copy: true },
        result: { copy: true },
        ...(timeout === undefined ? {} : { timeout }),
      });
    } catch (error) {
      if (this.#run.stopped !== undefined || this.#run.isolate.isDisposed) throw error;
      throw unhandledRejection(error, blame);
    }
  }
}

function unhandledRejection(error: unknown, blame: SandboxFunctionName): SandboxUserError {
  const isError = error instanceof Error;
  const thrown = isError ? error.name : typeof error;
  const message = isError ? error.message : String(error);
  const frame = isError && typeof error.stack === 'string' ? USER_FRAME.exec(error.stack) : null;
  const location: SandboxLocation = frame === null ? { function: blame } : { function: frame[1] as SandboxFunctionName, line: Number(frame[2]), column: Number(frame[3]) };
  const what =
    isError && thrown === 'Error' && message === 'Not supported'
      ? 'import() is not available in the sandbox (there are no modules, no require and no I/O)'
      : `a Promise was rejected with no handler (${thrown}: ${message})`;
  return new SandboxUserError(`${blame}: ${what}${where(location)}`, location, thrown);
}

const USER_FRAME = /\n\s+at [^\n]*?\b(map|combine|reduce)\.js:(\d+):(\d+)/;

function utf8Bytes(text: string): number {
  return Buffer.byteLength(text, 'utf8');
}

export class IsolateRunner {
  /** Evaluable source per function and source text, once checked by V8. */
  readonly #prepared = new Map<string, string>();
  #preparedChars = 0;
  #harnessCache: ivm.ExternalCopy<ArrayBuffer> | undefined;
  #current: Run | undefined;

  /** Stops the run in progress, if any; it then fails with RunCancelledError. */
  cancel(): void {
    const run = this.#current;
    if (run === undefined || run.isolate.isDisposed) return;
    run.stopped = 'cancel';
    run.isolate.dispose();
  }

  async compile(request: SandboxCompileRequest): Promise<SandboxCompileOutput> {
    const started = process.cpuUsage();
    const names = sourcesOf(request.functions).map(([name]) => name);
    await this.#withIsolate(request.limits, async (engine) => {
      await this.#load(engine, request.functions, names, request.limits);
    });
    return { digest: functionsDigest(request.functions), cpuMs: cpuSince(started), hostPid: process.pid };
  }

  async map(request: SandboxMapRequest): Promise<SandboxMapOutput> {
    const started = process.cpuUsage();
    const { limits } = request;
    const names: SandboxFunctionName[] = request.functions.combine === undefined ? ['map'] : ['map', 'combine'];
    const partitions = Math.max(1, Math.floor(request.partitions));
    const input = documentsText(request);
    const answer = await this.#withIsolate(limits, async (engine) => {
      await this.#load(engine, request.functions, names, limits);
      const call = ['map', input.text, input.format, request.firstDocument ?? 0, partitions, limits.maxEmits, limits.maxEmitBytes];
      return await this.#answer(engine, call, limits);
    });
    const header = JSON.parse(answer[0]!) as { documents: number; emitted: number };
    const parts = answer.slice(1);
    if (parts.length !== partitions) throw new SandboxValueError('the map output was malformed; do not modify built-in prototypes', { function: 'map' });
    let bytes = 0;
    for (const part of parts) bytes += utf8Bytes(part);
    if (bytes > limits.maxEmitBytes) {
      throw new SandboxLimitError(`the output of map (after combine) is ${bytes} bytes of JSON; at most ${limits.maxEmitBytes} are allowed`, 'output', limits.maxEmitBytes, 'bytes', {
        function: 'map',
      });
    }
    return { partitions: parts, documents: header.documents, emitted: header.emitted, bytes, cpuMs: cpuSince(started), hostPid: process.pid };
  }

  async reduce(request: SandboxReduceRequest): Promise<SandboxReduceOutput> {
    const started = process.cpuUsage();
    const { limits } = request;
    const answer = await this.#withIsolate(limits, async (engine) => {
      await this.#load(engine, request.functions, ['reduce'], limits);
      return await this.#answer(engine, ['reduce', [...request.parts], limits.maxResultBytes], limits);
    });
    const text = answer[1] ?? '';
    const bytes = utf8Bytes(text);
    if (bytes > limits.maxResultBytes) {
      throw new SandboxLimitError(`the reduce results are ${bytes} bytes of JSON; at most ${limits.maxResultBytes} are allowed`, 'result', limits.maxResultBytes, 'bytes', {
        function: 'reduce',
      });
    }
    return { results: parseResults(text), bytes, cpuMs: cpuSince(started), hostPid: process.pid };
  }

  async #withIsolate<T>(limits: SandboxLimits, body: (engine: Engine) => Promise<T>): Promise<T> {
    const isolate = new ivm.Isolate({ memoryLimit: limits.memoryMb });
    const run: Run = { isolate, stopped: undefined };
    this.#current = run;
    const budget = BigInt(limits.cpuMs) * 1_000_000n;
    const watchdog = setInterval(() => {
      if (!isolate.isDisposed && isolate.cpuTime > budget) {
        run.stopped = 'cpu';
        isolate.dispose();
      }
    }, CPU_POLL_MS);
    try {
      const context = await isolate.createContext();
      const dispatch = (await (await this.#harness(isolate)).run(context, { reference: true })) as Dispatch;
      return await body(new Engine(dispatch, run));
    } catch (error) {
      throw translate(error, run, limits);
    } finally {
      clearInterval(watchdog);
      this.#current = undefined;
      if (!isolate.isDisposed) isolate.dispose();
    }
  }

  async #harness(isolate: ivm.Isolate): Promise<ivm.Script> {
    if (this.#harnessCache !== undefined) {
      return await isolate.compileScript(HARNESS_SCRIPT, { filename: 'harness.js', cachedData: this.#harnessCache });
    }
    const script = await isolate.compileScript(HARNESS_SCRIPT, { filename: 'harness.js', produceCachedData: true });
    // isolated-vm sets cachedData on the script (CachedDataResult); its typings leave it out.
    this.#harnessCache = (script as ivm.Script & ivm.CachedDataResult).cachedData;
    return script;
  }

  /** Loads each function's source into the engine, in order; throws the first failure. */
  async #load(engine: Engine, functions: SandboxFunctions, names: readonly SandboxFunctionName[], limits: SandboxLimits): Promise<void> {
    checkSourceSizes(functions, limits.maxSourceBytes);
    for (const name of names) {
      const source = name === 'map' ? functions.map : name === 'reduce' ? functions.reduce : functions.combine;
      if (source === undefined) continue;
      const code = await this.#prepare(engine.isolate, name, source);
      const outcome = JSON.parse((await engine.call(['load', name, code], name)) as string) as { ok: true } | FailureRecord;
      if (!outcome.ok) throw await failureError(engine, outcome, limits);
    }
  }

  /**
   * Checks the syntax once per source with V8 itself (which names line and column), in the
   * run's isolate so its memory and CPU limits apply, and marks throws.
   */
  async #prepare(isolate: ivm.Isolate, name: SandboxFunctionName, source: string): Promise<string> {
    const cacheKey = createHash('sha256').update(name).update('\0').update(source).digest('base64');
    const known = this.#prepared.get(cacheKey);
    if (known !== undefined) return known;
    try {
      (await isolate.compileScript(source, { filename: `${name}.js` })).release();
    } catch (error) {
      if (error instanceof Error && error.name === 'SyntaxError') throw syntaxErrorOf(name, error.message);
      if (error instanceof RangeError && /call stack/.test(error.message)) {
        throw new SandboxSyntaxError(`the ${name} source nests too deeply to compile`, { function: name });
      }
      throw error;
    }
    const code = evaluableSource(name, source);
    while (this.#prepared.size >= MAX_PREPARED || (this.#prepared.size > 0 && this.#preparedChars + code.length > MAX_PREPARED_CHARS)) {
      const [oldest, evicted] = this.#prepared.entries().next().value!;
      this.#prepared.delete(oldest);
      this.#preparedChars -= evicted.length;
    }
    this.#prepared.set(cacheKey, code);
    this.#preparedChars += code.length;
    return code;
  }

  async #answer(engine: Engine, call: unknown[], limits: SandboxLimits): Promise<string[]> {
    const answer = await engine.call(call, call[0] === 'reduce' ? 'reduce' : 'map');
    if (!Array.isArray(answer) || answer.length === 0 || !answer.every((part) => typeof part === 'string')) {
      throw new SandboxValueError('the engine answer was malformed; do not modify built-in prototypes');
    }
    const header = JSON.parse(answer[0] as string) as { ok: true } | FailureRecord;
    if (!header.ok) throw await failureError(engine, header, limits);
    return answer as string[];
  }
}

function cpuSince(started: NodeJS.CpuUsage): number {
  const used = process.cpuUsage(started);
  return (used.user + used.system) / 1000;
}

function documentsText(request: SandboxMapRequest): { text: string; format: 'values' | 'lines' | 'ndjson' } {
  const { documents } = request;
  if (documents.format === 'values') {
    let text: string | undefined;
    try {
      text = JSON.stringify(documents.documents);
    } catch (error) {
      throw new SandboxInputError(`the documents are not JSON: ${error instanceof Error ? error.message : String(error)}`);
    }
    return { text: text ?? '[]', format: 'values' };
  }
  const text = typeof documents.text === 'string' ? documents.text : textDecoder.decode(documents.text);
  return { text, format: documents.format };
}

function parseResults(text: string): SandboxResult[] {
  const entries = JSON.parse(text) as unknown;
  const malformed = (): SandboxValueError => new SandboxValueError('the reduce results were malformed; do not modify built-in prototypes', { function: 'reduce' });
  if (!Array.isArray(entries)) throw malformed();
  const results: SandboxResult[] = [];
  for (const entry of entries as unknown[]) {
    if (!Array.isArray(entry) || entry.length !== 2) throw malformed();
    const [key, value] = entry as [unknown, JsonValue];
    if (typeof key !== 'string' && (typeof key !== 'number' || !Number.isFinite(key))) throw malformed();
    results.push({ key, value });
  }
  return results;
}

function locationOf(record: FailureRecord): SandboxLocation {
  return {
    ...(record.fn === undefined ? {} : { function: record.fn }),
    ...(record.line === undefined ? {} : { line: record.line }),
    ...(record.column === undefined ? {} : { column: record.column }),
    ...(record.document === undefined ? {} : { document: record.document }),
    ...(record.key === undefined ? {} : { key: record.key }),
  };
}

/** " at map.js line 3, column 9, on document 17" */
function where(location: SandboxLocation): string {
  let text = '';
  if (location.line !== undefined) text += ` at ${location.function ?? 'map'}.js line ${location.line}, column ${location.column ?? 1}`;
  if (location.document !== undefined) text += `${text === '' ? '' : ','} on document ${location.document}`;
  if (location.key !== undefined) text += `${text === '' ? '' : ','} for key ${JSON.stringify(location.key)}`;
  return text;
}

const MEMORY_MESSAGES = /^(Array buffer allocation failed|Invalid string length|Invalid typed array length: \d+|Out of memory)/;

async function failureError(engine: Engine, record: FailureRecord, limits: SandboxLimits): Promise<SandboxError> {
  const location = locationOf(record);
  const message = record.message ?? '';
  switch (record.kind) {
    case 'definition':
      return new SandboxSyntaxError(message, location);
    case 'input':
      return new SandboxInputError(message, location);
    case 'value':
      return new SandboxValueError(`${message}${where(location)}`, location);
    case 'limit':
      return new SandboxLimitError(`${message}${where(location)}`, record.limit ?? 'output', record.maximum ?? 0, record.unit ?? '', location);
    case 'thrown':
      return await thrownError(engine, record, location, limits);
  }
}

async function thrownError(engine: Engine, record: FailureRecord, marked: SandboxLocation, limits: SandboxLimits): Promise<SandboxError> {
  const fn = marked.function ?? record.fn ?? 'map';
  let description: Description | undefined;
  try {
    const text = (await engine.call(['describe'], fn, DESCRIBE_TIMEOUT_MS)) as string;
    description = JSON.parse(text) as Description;
  } catch {
    // A Proxy whose traps never return, or the run's CPU ran out meanwhile: no description.
  }
  let location: SandboxLocation = marked;
  if (marked.line === undefined && description?.frame !== undefined) {
    location = { ...marked, function: description.frame.fn, line: description.frame.line, column: description.frame.column };
  }
  if (description === undefined) {
    return new SandboxUserError(`${fn} threw a value that could not be read${where(location)}`, location, 'unknown');
  }
  const { thrown, message } = description;
  const isEngineError = marked.line === undefined;
  if (isEngineError && thrown === 'RangeError' && message === 'Maximum call stack size exceeded') {
    return new SandboxLimitError(`${fn} went deeper than the ${limits.stackKb} KB stack allows (runaway recursion?)${where(location)}`, 'stack', limits.stackKb, 'KB', location);
  }
  if (isEngineError && thrown === 'RangeError' && MEMORY_MESSAGES.test(message)) {
    return new SandboxLimitError(`${fn} ran out of memory (${message}); runs get ${limits.memoryMb} MB${where(location)}`, 'memory', limits.memoryMb, 'MB', location);
  }
  if (isEngineError && record.phase === 'serialize') {
    return new SandboxValueError(`a value emitted or returned is not JSON-serialisable: ${message}`, location);
  }
  if (record.phase === 'shuffle') {
    return new SandboxValueError(`the map outputs given to reduce are not valid: ${message}`, location);
  }
  const text = `${fn} threw ${describeThrown(thrown, message)}`;
  return new SandboxUserError(`${text}${where(location)}`, location, thrown);
}

/** "a string: \"oops\"", "the number 42", "null", "TypeError: x is not a function", "an object". */
function describeThrown(thrown: string, message: string): string {
  switch (thrown) {
    case 'string':
      return `a string: ${JSON.stringify(message)}`;
    case 'number':
    case 'bigint':
    case 'boolean':
      return `the ${thrown} ${message}`;
    case 'null':
    case 'undefined':
    case 'symbol':
      return message;
    case 'object':
    case 'function':
      return `${thrown === 'object' ? 'an object' : 'a function'}${message === '' ? '' : `: ${message}`}`;
    default:
      return message === '' ? thrown : `${thrown}: ${message}`;
  }
}

function translate(error: unknown, run: Run, limits: SandboxLimits): unknown {
  if (run.stopped === 'cancel') return new RunCancelledError('the run was cancelled');
  // Before the CPU check: user code that threw and then spun in a Proxy trap still gets its exception.
  if (error instanceof SandboxError) return error;
  if (run.stopped === 'cpu') {
    return new SandboxLimitError(`the run used more than ${limits.cpuMs} ms of CPU (an endless loop?)`, 'cpu', limits.cpuMs, 'ms');
  }
  const message = error instanceof Error ? error.message : String(error);
  if (run.isolate.isDisposed || /memory limit/i.test(message)) {
    return new SandboxLimitError(`the run used more than its ${limits.memoryMb} MB of memory`, 'memory', limits.memoryMb, 'MB');
  }
  return error;
}
