/**
 * The pool thread's side of the sandbox: it owns at most one sandbox host process (spawned
 * on first use, replaced when it dies or when the process limits change) and sends it one
 * request at a time.
 *
 * The host runs under hard limits that hold whatever user code does:
 * - RLIMIT_DATA = processMemoryMb, set by `ulimit -d` in the shell that execs node: the
 *   kernel refuses the allocation that would pass it, so V8 aborts the process there (an
 *   isolate's own memoryLimit is only a guideline hostile code can overshoot 2-3x, and a
 *   large Map or array can abort the whole process long before it);
 * - an RSS watchdog (every 10 ms while a request runs) that SIGKILLs the host past
 *   processMemoryMb, for memory the data limit does not count;
 * - a CPU watchdog on the host's own /proc CPU time (2 x cpuMs + 1 s), should the isolate's
 *   CPU limit ever fail to stop it;
 * - RLIMIT_STACK = stackKb, which becomes the stack of isolated-vm's threads and so the
 *   depth user code can reach.
 * A host that dies or is killed fails only its own request; the next request gets a fresh one.
 *
 * Cancellation: a cooperative pool task passes the flag the main thread sets on abort
 * (src/pool/cancel.ts); the watchdog sees it, asks the host to stop the run and kills it if
 * it has not within CANCEL_KILL_MS. When Piscina terminates the thread instead, the IPC
 * channel closes and the host kills itself.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { RunCancelledError, SandboxCrashError, SandboxLimitError, sandboxErrorFromData } from './errors.js';
import type { HostOperation, HostOperations, HostReady, HostRequest, HostResponse } from './protocol.js';
import type { SandboxLimits } from './types.js';

const WATCH_MS = 10;
const CANCEL_KILL_MS = 250;
const START_TIMEOUT_MS = 30_000;
const STDERR_TAIL = 4096;
/** Linux USER_HZ: the unit of utime and stime in /proc/<pid>/stat. */
const CLOCK_TICKS_PER_SECOND = 100;
const OUT_OF_MEMORY = /out of memory|bad_alloc|allocation failed|is_heap_oom|Cannot allocate memory/i;

interface Pending {
  readonly id: number;
  readonly resolve: (value: unknown) => void;
  readonly reject: (error: unknown) => void;
}

interface ProcessSample {
  readonly rssKb: number;
  readonly dataKb: number;
  readonly cpuMs: number;
}

/** RSS, data size and CPU time of a process from /proc; undefined off Linux or once it is gone. */
function sampleProcess(pid: number): ProcessSample | undefined {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'latin1');
    const rssKb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0);
    const dataKb = Number(/VmData:\s+(\d+)/.exec(status)?.[1] ?? 0);
    // Fields after the parenthesised command name: state is 3rd, utime 14th, stime 15th.
    const stat = readFileSync(`/proc/${pid}/stat`, 'latin1');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const ticks = Number(fields[11]) + Number(fields[12]);
    return { rssKb, dataKb, cpuMs: (ticks * 1000) / CLOCK_TICKS_PER_SECOND };
  } catch {
    return undefined;
  }
}

function hostCommand(limits: SandboxLimits): { file: string; args: string[] } {
  const typescript = import.meta.url.endsWith('.ts');
  const host = fileURLToPath(new URL(`./host.${typescript ? 'ts' : 'js'}`, import.meta.url));
  const nodeArgs = [
    '--no-node-snapshot',
    // V8's limit for the host's own main thread, kept inside the smaller stack it gets.
    `--stack-size=${Math.max(64, Math.min(984, limits.stackKb - 96))}`,
    // Under tsx (tests, `npm run dev`) the host is TypeScript too; import.meta.resolve is not there in tsx's CJS mode.
    ...(typescript ? ['--import', pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href] : []),
    host,
  ];
  const shell = `ulimit -d ${limits.processMemoryMb * 1024} && ulimit -s ${limits.stackKb} && exec "$@"`;
  return { file: '/bin/sh', args: ['-c', shell, 'crunch-sandbox', process.execPath, ...nodeArgs] };
}

export class SandboxHost {
  readonly limits: SandboxLimits;
  #child: ChildProcess;
  #pid = 0;
  #alive = true;
  #stderr = '';
  #pending: Pending | undefined;
  #nextId = 1;
  #killedFor: 'memory' | 'cpu' | 'cancel' | undefined;
  /** Highest RSS and data size seen during the current request (a dying process reads as 0). */
  #peak = { rssKb: 0, dataKb: 0 };

  private constructor(limits: SandboxLimits) {
    this.limits = limits;
    const { file, args } = hostCommand(limits);
    this.#child = spawn(file, args, { stdio: ['ignore', 'ignore', 'pipe', 'ipc'], serialization: 'advanced', env: {} });
    this.#child.stderr!.setEncoding('utf8');
    this.#child.stderr!.on('data', (chunk: string) => {
      this.#stderr = (this.#stderr + chunk).slice(-STDERR_TAIL);
    });
    // `close`, not `exit`: it comes once stderr is drained, and the last words on stderr (V8's
    // out-of-memory report) are what tell a memory death from a crash. On a loaded machine
    // `exit` can come first.
    this.#child.on('close', (code, signal) => this.#onExit(code, signal));
    this.#child.on('message', (message: HostResponse | HostReady) => {
      if ('id' in message) this.#onResponse(message);
    });
    this.#child.on('error', () => {
      // Spawning failed (start() reports it) or a signal could not be sent to a dying child.
    });
  }

  static async start(limits: SandboxLimits): Promise<SandboxHost> {
    const host = new SandboxHost(limits);
    await host.#ready();
    return host;
  }

  get alive(): boolean {
    return this.#alive;
  }

  get pid(): number {
    return this.#pid;
  }

  #ready(): Promise<void> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.kill();
        reject(new Error(`the sandbox host did not start within ${START_TIMEOUT_MS} ms`));
      }, START_TIMEOUT_MS);
      const onMessage = (message: HostReady): void => {
        if (message.ready !== true) return;
        this.#pid = message.pid;
        cleanup();
        resolve();
      };
      const onExit = (code: number | null, signal: string | null): void => {
        cleanup();
        const stderr = this.#stderr.trim();
        reject(new Error(`the sandbox host exited before it was ready (${signal ?? `exit code ${code}`})${stderr === '' ? '' : `: ${stderr}`}`));
      };
      const onError = (error: Error): void => {
        cleanup();
        this.#alive = false;
        reject(new Error(`the sandbox host could not be started: ${error.message}`));
      };
      const cleanup = (): void => {
        clearTimeout(timer);
        this.#child.off('message', onMessage);
        this.#child.off('exit', onExit);
        this.#child.off('error', onError);
      };
      this.#child.on('message', onMessage);
      this.#child.once('exit', onExit);
      this.#child.once('error', onError);
    });
  }

  kill(reason?: 'memory' | 'cpu' | 'cancel'): void {
    if (!this.#alive) return;
    this.#killedFor ??= reason;
    this.#child.kill('SIGKILL');
  }

  /** Runs one operation; rejects with a SandboxError, RunCancelledError, or an internal Error. */
  request<K extends HostOperation>(op: K, request: HostOperations[K][0], cancel?: Int32Array): Promise<HostOperations[K][1]> {
    if (!this.#alive) return Promise.reject(new Error('the sandbox host is gone'));
    if (this.#pending !== undefined) return Promise.reject(new Error('the sandbox host is busy'));
    // Cancelled while it waited in the pool's queue: nothing to start.
    if (cancel !== undefined && Atomics.load(cancel, 0) !== 0) return Promise.reject(new RunCancelledError('the run was cancelled'));
    const id = this.#nextId++;
    const limits = (request as { limits: SandboxLimits }).limits;
    return new Promise<HostOperations[K][1]>((resolve, reject) => {
      const startSample = sampleProcess(this.#pid);
      this.#peak = { rssKb: 0, dataKb: 0 };
      let cancelSentAt = 0;
      const watchdog = setInterval(() => {
        const sample = sampleProcess(this.#pid);
        if (sample !== undefined) {
          this.#peak = { rssKb: Math.max(this.#peak.rssKb, sample.rssKb), dataKb: Math.max(this.#peak.dataKb, sample.dataKb) };
          if (sample.rssKb > this.limits.processMemoryMb * 1024) this.kill('memory');
          else if (startSample !== undefined && sample.cpuMs - startSample.cpuMs > 2 * limits.cpuMs + 1000) this.kill('cpu');
        }
        if (cancel !== undefined && Atomics.load(cancel, 0) !== 0) {
          if (cancelSentAt === 0) {
            cancelSentAt = Date.now();
            this.#send({ id, op: 'cancel' });
          } else if (Date.now() - cancelSentAt > CANCEL_KILL_MS) {
            this.kill('cancel');
          }
        }
      }, WATCH_MS);
      this.#pending = {
        id,
        resolve: (value) => {
          clearInterval(watchdog);
          resolve(value as HostOperations[K][1]);
        },
        reject: (error) => {
          clearInterval(watchdog);
          reject(error);
        },
      };
      this.#send({ id, op, request } as HostRequest);
    });
  }

  #send(message: HostRequest): void {
    if (this.#alive && this.#child.connected) this.#child.send(message);
  }

  #onResponse(response: HostResponse): void {
    const pending = this.#pending;
    if (pending === undefined || pending.id !== response.id) return;
    this.#pending = undefined;
    if (response.ok) pending.resolve(response.value);
    else if ('error' in response) pending.reject(sandboxErrorFromData(response.error));
    else if ('cancelled' in response) pending.reject(new RunCancelledError('the run was cancelled'));
    else pending.reject(new Error(`sandbox host: ${response.internal}`));
  }

  #onExit(code: number | null, signal: NodeJS.Signals | null): void {
    this.#alive = false;
    const pending = this.#pending;
    this.#pending = undefined;
    if (pending !== undefined) pending.reject(this.#deathError(code, signal));
  }

  #deathError(code: number | null, signal: NodeJS.Signals | null): Error {
    const { processMemoryMb, cpuMs } = this.limits;
    const capKb = processMemoryMb * 1024;
    if (this.#killedFor === 'cancel') return new RunCancelledError('the run was cancelled');
    if (this.#killedFor === 'cpu') {
      return new SandboxLimitError(`the run used more than ${cpuMs} ms of CPU (an endless loop?)`, 'cpu', cpuMs, 'ms');
    }
    // The data limit makes malloc fail, and V8 then aborts or dereferences null: a SIGSEGV
    // with nothing on stderr. A process seen near its cap died of memory.
    const nearCap = this.#peak.rssKb > 0.8 * capKb || this.#peak.dataKb > 0.9 * capKb;
    const outOfMemory = OUT_OF_MEMORY.test(this.#stderr);
    if (this.#killedFor === 'memory' || nearCap || outOfMemory || signal === 'SIGKILL') {
      // SIGKILL from anyone but us is the kernel's OOM killer.
      const how =
        this.#killedFor === 'memory' ? 'its RSS passed the cap' : signal === 'SIGKILL' ? 'the system killed it' : outOfMemory ? 'V8 ran out of memory' : 'the kernel refused memory past the cap';
      return new SandboxLimitError(
        `the run used more memory than the sandbox process may (${processMemoryMb} MB in all, ${this.limits.memoryMb} MB of heap; ${how})`,
        'memory',
        this.limits.memoryMb,
        'MB',
      );
    }
    return new SandboxCrashError(`the sandbox process stopped unexpectedly (${signal ?? `exit code ${code}`}) while running your functions; it has been replaced`);
  }
}

let current: SandboxHost | undefined;
let starting: Promise<SandboxHost> | undefined;

function sameProcessLimits(a: SandboxLimits, b: SandboxLimits): boolean {
  return a.processMemoryMb === b.processMemoryMb && a.stackKb === b.stackKb;
}

/** This thread's host, started (or restarted, after a death or for other process limits) as needed. */
export async function sandboxHost(limits: SandboxLimits): Promise<SandboxHost> {
  if (current !== undefined && current.alive && sameProcessLimits(current.limits, limits)) return current;
  if (starting !== undefined) {
    const host = await starting;
    if (host.alive && sameProcessLimits(host.limits, limits)) return host;
  }
  current?.kill();
  current = undefined;
  starting = SandboxHost.start(limits);
  try {
    current = await starting;
    return current;
  } finally {
    starting = undefined;
  }
}

/** Runs one operation on this thread's host. */
export async function runInSandbox<K extends HostOperation>(op: K, request: HostOperations[K][0], cancel?: Int32Array): Promise<HostOperations[K][1]> {
  const host = await sandboxHost(request.limits);
  return await host.request(op, request, cancel);
}
