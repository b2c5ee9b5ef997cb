/**
 * The real crunch process (src/server.ts under tsx) on a port the OS picks, for tests that
 * need a server a browser or another process can reach. Configured through its environment,
 * exactly as a deployment is.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';

export interface ServerProcess {
  /** `http://127.0.0.1:<port>` */
  readonly url: string;
  readonly port: number;
  /** The server's log lines so far (JSON), for diagnostics. */
  readonly log: readonly string[];
  /** SIGTERM, then the exit code (0 after a graceful shutdown). */
  stop(): Promise<number | null>;
}

const maxLogLines = 1_000;
const startTimeoutMs = 20_000;

export async function startServerProcess(environment: Record<string, string> = {}): Promise<ServerProcess> {
  const child: ChildProcess = spawn(process.execPath, ['--import', 'tsx', 'src/server.ts'], {
    // At info, because the port is read from the `listening` line.
    env: { ...process.env, PORT: '0', HOST: '127.0.0.1', POOL_THREADS: '2', ...environment, LOG_LEVEL: 'info' },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  // If the test process dies without stopping it, the server goes too rather than linger.
  const killOnExit = (): void => void child.kill('SIGKILL');
  process.once('exit', killOnExit);
  child.once('exit', () => process.off('exit', killOnExit));
  const log: string[] = [];
  const lines = createInterface({ input: child.stdout! });
  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`the server did not listen within ${startTimeoutMs} ms:\n${log.join('\n')}`));
    }, startTimeoutMs);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`the server exited with ${code} before listening:\n${log.join('\n')}`));
    });
    lines.on('line', (line) => {
      if (log.length < maxLogLines) log.push(line);
      const record = JSON.parse(line) as { msg?: string; port?: number };
      if (record.msg === 'listening' && record.port !== undefined) {
        clearTimeout(timer);
        resolve(record.port);
      }
    });
  });
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    log,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return child.exitCode;
      const exited = once(child, 'exit') as Promise<[number | null]>;
      child.kill('SIGTERM');
      const [code] = await exited;
      return code;
    },
  };
}

export interface WorkerProcess {
  readonly log: readonly string[];
  /** Sends a signal; resolves with the exit code or signal once the process is gone. */
  kill(signal: NodeJS.Signals): Promise<number | string | null>;
}

/** A worker of the distributed mode (src/worker.ts under tsx), started once it says so. */
export async function startWorkerProcess(environment: Record<string, string>): Promise<WorkerProcess> {
  const child: ChildProcess = spawn(process.execPath, ['--import', 'tsx', 'src/worker.ts'], {
    env: { ...process.env, POOL_THREADS: '1', ...environment, LOG_LEVEL: 'info' },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const killOnExit = (): void => void child.kill('SIGKILL');
  process.once('exit', killOnExit);
  child.once('exit', () => process.off('exit', killOnExit));
  const log: string[] = [];
  const lines = createInterface({ input: child.stdout! });
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`the worker did not start within ${startTimeoutMs} ms:\n${log.join('\n')}`));
    }, startTimeoutMs);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`the worker exited with ${code} before starting:\n${log.join('\n')}`));
    });
    lines.on('line', (line) => {
      if (log.length < maxLogLines) log.push(line);
      if (line.includes('"worker started"')) {
        clearTimeout(timer);
        resolve();
      }
    });
  });
  return {
    log,
    async kill(signal) {
      if (child.exitCode !== null || child.signalCode !== null) return child.exitCode ?? child.signalCode;
      const exited = once(child, 'exit') as Promise<[number | null, string | null]>;
      child.kill(signal);
      const [code, killedBy] = await exited;
      return code ?? killedBy;
    },
  };
}

/** Runs a process to its end (for entries expected to refuse to start); resolves with its exit code and output. */
export async function runToExit(entry: string, environment: Record<string, string>): Promise<{ code: number | null; output: string }> {
  const child = spawn(process.execPath, ['--import', 'tsx', entry], {
    env: { ...process.env, PORT: '0', HOST: '127.0.0.1', ...environment },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const timer = setTimeout(() => child.kill('SIGKILL'), startTimeoutMs);
  const [code] = (await once(child, 'exit')) as [number | null];
  clearTimeout(timer);
  return { code, output };
}
