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

/**
 * Spawns an entry of crunch under tsx with its log on a pipe, and resolves once a log line
 * says it is up (`ready` returns what that line tells, or undefined to keep reading). The
 * child is killed if the test process dies first, or if it is not up within the timeout.
 */
async function spawnUntilReady<T>(
  entry: string,
  env: Record<string, string | undefined>,
  what: string,
  ready: (line: string) => T | undefined,
): Promise<{ child: ChildProcess; log: string[]; value: T }> {
  const child: ChildProcess = spawn(process.execPath, ['--import', 'tsx', entry], { env, stdio: ['ignore', 'pipe', 'inherit'] });
  // If the test process dies without stopping it, the child goes too rather than linger.
  const killOnExit = (): void => void child.kill('SIGKILL');
  process.once('exit', killOnExit);
  child.once('exit', () => process.off('exit', killOnExit));
  const log: string[] = [];
  const lines = createInterface({ input: child.stdout! });
  const value = await new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`the ${what} did not start within ${startTimeoutMs} ms:\n${log.join('\n')}`));
    }, startTimeoutMs);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`the ${what} exited with ${code} before starting:\n${log.join('\n')}`));
    });
    lines.on('line', (line) => {
      if (log.length < maxLogLines) log.push(line);
      const found = ready(line);
      if (found !== undefined) {
        clearTimeout(timer);
        resolve(found);
      }
    });
  });
  return { child, log, value };
}

export async function startServerProcess(environment: Record<string, string> = {}): Promise<ServerProcess> {
  const { child, log, value: port } = await spawnUntilReady(
    'src/server.ts',
    // At info, because the port is read from the `listening` line.
    { ...process.env, PORT: '0', HOST: '127.0.0.1', POOL_THREADS: '2', ...environment, LOG_LEVEL: 'info' },
    'server',
    (line) => {
      const record = JSON.parse(line) as { msg?: string; port?: number };
      return record.msg === 'listening' ? record.port : undefined;
    },
  );
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
  const { child, log } = await spawnUntilReady(
    'src/worker.ts',
    { ...process.env, POOL_THREADS: '1', ...environment, LOG_LEVEL: 'info' },
    'worker',
    (line) => (line.includes('"worker started"') ? true : undefined),
  );
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
