/**
 * Opens `count` TCP connections to the server and holds them without sending a byte, as a
 * socket flood does. Run as a child process (`fork`), several at once for large floods: each
 * process has its own file-descriptor limit, which 20 000 sockets would exhaust in one.
 *
 * Messages: it sends `{ type: 'opened', stats }` once every connection has been attempted,
 * and answers `{ type: 'stop' }` (also while still opening) with `{ type: 'stopped', stats }`
 * after closing them all.
 */
import { connect, type Socket } from 'node:net';

export interface FloodStats {
  /** Connections that completed the TCP handshake. */
  readonly connected: number;
  /** Of those, the ones the server has closed since. */
  readonly closedByServer: number;
  /** Connections that failed or did not connect within the connect timeout. */
  readonly failed: number;
  readonly firstError: string | undefined;
}

export type FloodMessage =
  | { readonly type: 'opened'; readonly stats: FloodStats }
  | { readonly type: 'stopped'; readonly stats: FloodStats };

export const floodFlag = '--socket-flood';

const connectTimeoutMs = 5_000;
const pendingAtOnce = 256;

if (process.argv.includes(floodFlag) && process.send !== undefined) {
  const [host, port, count] = process.argv.slice(process.argv.indexOf(floodFlag) + 1);
  void flood(host ?? '127.0.0.1', Number(port), Number(count));
}

async function flood(host: string, port: number, count: number): Promise<void> {
  const sockets = new Set<Socket>();
  let connected = 0;
  let closedByServer = 0;
  let failed = 0;
  let firstError: string | undefined;
  let stopping = false;
  const stats = (): FloodStats => ({ connected, closedByServer, failed, firstError });

  const open = (): Promise<void> =>
    new Promise((resolve) => {
      const socket = connect({ host, port });
      let isConnected = false;
      const timer = setTimeout(() => socket.destroy(new Error('connect timeout')), connectTimeoutMs);
      socket.once('connect', () => {
        clearTimeout(timer);
        isConnected = true;
        connected += 1;
        sockets.add(socket);
        resolve();
      });
      socket.on('error', (error: NodeJS.ErrnoException) => {
        firstError ??= error.code ?? error.message;
      });
      socket.on('close', () => {
        clearTimeout(timer);
        sockets.delete(socket);
        if (!isConnected) {
          failed += 1;
          resolve();
        } else if (!stopping) closedByServer += 1;
      });
      // Read and drop whatever the server sends (a 408 or 503 before it closes).
      socket.resume();
    });

  let next = 0;
  process.on('message', (message: { type: string }) => {
    if (message.type !== 'stop') return;
    stopping = true;
    next = count;
    for (const socket of sockets) socket.destroy();
    process.send!({ type: 'stopped', stats: stats() } satisfies FloodMessage, () => process.exit(0));
  });
  await Promise.all(
    Array.from({ length: Math.min(pendingAtOnce, count) }, async () => {
      while (next < count) {
        next += 1;
        await open();
      }
    }),
  );
  if (!stopping) process.send!({ type: 'opened', stats: stats() } satisfies FloodMessage);
}
