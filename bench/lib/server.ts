/**
 * Starts the compiled server (`dist/server.js`, built by `npm run bench`), or another entry,
 * in its own process, so the load generator and the server do not share an event loop.
 * Resolves once the server answers /healthz, with its base URL.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { freePort } from '../../test/helpers/ports.js';

export interface BenchServer {
  readonly url: string;
  readonly process: ChildProcess;
  /** The end of what the server printed, when started with `captureOutput`. */
  output(): string;
  stop(): Promise<void>;
}

export interface StartOptions {
  /** Keep the server's stdout and stderr (the last 64 KiB) instead of passing them through. */
  readonly captureOutput?: boolean;
  /** Send the server's stdout (its log) to /dev/null: a server logging at info writes a line per request. */
  readonly discardStdout?: boolean;
}


export async function startServer(
  env: Record<string, string> = {},
  entry: readonly string[] = ['dist/server.js'],
  options: StartOptions = {},
): Promise<BenchServer> {
  const port = await freePort();
  const child = spawn(process.execPath, entry, {
    // The access log would cost the server more than some of the work measured: warnings only.
    env: { ...process.env, PORT: String(port), HOST: '127.0.0.1', LOG_LEVEL: 'warn', ...env },
    stdio: options.captureOutput === true ? ['ignore', 'pipe', 'pipe'] : ['ignore', options.discardStdout === true ? 'ignore' : 'inherit', 'inherit'],
  });
  let output = '';
  const keep = (chunk: Buffer): void => {
    output = (output + chunk.toString('utf8')).slice(-65_536);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  let exited = false;
  child.once('exit', () => (exited = true));
  const url = `http://127.0.0.1:${port}`;
  for (let attempt = 0; ; attempt += 1) {
    if (exited) throw new Error(`${entry.join(' ')} exited before answering`);
    if (attempt > 300) throw new Error(`${entry.join(' ')} did not answer within 30 s`);
    try {
      if ((await fetch(`${url}/healthz`)).status < 500) break;
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return {
    url,
    process: child,
    output: () => output,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      await once(child, 'exit');
    },
  };
}
