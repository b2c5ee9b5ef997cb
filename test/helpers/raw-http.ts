/**
 * Byte-exact HTTP requests to a test app, for what supertest would rewrite (it re-serialises
 * a Buffer sent as JSON) or cannot do (hang up halfway through a body). A second Node server
 * hands its requests to the app's own request listener, so the same code answers.
 */
import { type Server, createServer, request } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { TestApp } from './app.js';

export interface RawResponse {
  readonly status: number;
  readonly headers: Record<string, string | string[] | undefined>;
  readonly text: string;
}

const mirrors = new WeakMap<TestApp, Promise<Server>>();

/** A listening server that forwards to the app; closed with `closeMirror`. */
export function mirrorOf(app: TestApp): Promise<Server> {
  let mirror = mirrors.get(app);
  if (mirror === undefined) {
    mirror = new Promise<Server>((resolve) => {
      const server = createServer((incoming, outgoing) => app.server.emit('request', incoming, outgoing));
      server.listen(0, '127.0.0.1', () => resolve(server));
    });
    mirrors.set(app, mirror);
  }
  return mirror;
}

export async function closeMirror(app: TestApp): Promise<void> {
  const mirror = mirrors.get(app);
  if (mirror === undefined) return;
  mirrors.delete(app);
  const server = await mirror;
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
}

export async function portOf(app: TestApp): Promise<number> {
  return ((await mirrorOf(app)).address() as AddressInfo).port;
}

export async function rawRequest(
  app: TestApp,
  options: { method?: string; path: string; headers?: Record<string, string>; body?: Uint8Array },
): Promise<RawResponse> {
  const port = await portOf(app);
  return new Promise((resolve, reject) => {
    const outgoing = request(
      { host: '127.0.0.1', port, method: options.method ?? 'POST', path: options.path, headers: options.headers ?? {} },
      (incoming) => {
        let text = '';
        incoming.setEncoding('utf8');
        incoming.on('data', (chunk: string) => (text += chunk));
        incoming.on('end', () => resolve({ status: incoming.statusCode ?? 0, headers: incoming.headers, text }));
      },
    );
    outgoing.on('error', reject);
    outgoing.end(options.body === undefined ? undefined : Buffer.from(options.body));
  });
}
