/**
 * Connection limits on real sockets, with small caps and timeouts: a socket flood does not
 * lock clients out, idle keep-alive sockets beyond the cap are closed oldest first, slow
 * headers and slow bodies are cut at their timeouts with a 408 problem and a clean close,
 * and the caps are validated against the open-file limit.
 */
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { type AddressInfo, type Socket, connect } from 'node:net';
import { afterEach, describe, test } from 'node:test';
import { ConfigError, loadConfig } from '../../src/config.js';
import { type TestApp, startTestApp } from '../helpers/app.js';

/** Every client socket a test opens, destroyed after it whatever happened (open ones would keep the file running). */
const opened = new Set<Socket>();
afterEach(() => {
  for (const socket of opened) socket.destroy();
  opened.clear();
});

async function listening(overrides: Record<string, string>): Promise<{ app: TestApp; port: number }> {
  const app = startTestApp(overrides);
  app.server.listen(0, '127.0.0.1');
  await once(app.server, 'listening');
  return { app, port: (app.server.address() as AddressInfo).port };
}

async function waitFor(condition: () => boolean, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (!condition()) {
    if (performance.now() > deadline) assert.fail(`timed out waiting for ${what}`);
    await sleep(10);
  }
}

interface Client {
  readonly socket: Socket;
  /** Everything the server sent. */
  received(): string;
  /** Resolves when the server's side ends: `reset` if it came as an error instead of a FIN. */
  readonly ended: Promise<{ atMs: number; reset: boolean }>;
}

function client(port: number): Promise<Client> {
  const socket = connect({ port, host: '127.0.0.1' });
  opened.add(socket);
  const startedAt = performance.now();
  let received = '';
  let reset = false;
  socket.on('data', (chunk: Buffer) => (received += chunk.toString('utf8')));
  socket.on('error', () => (reset = true));
  const ended = new Promise<{ atMs: number; reset: boolean }>((resolve) => {
    socket.on('end', () => resolve({ atMs: performance.now() - startedAt, reset }));
    socket.on('close', () => resolve({ atMs: performance.now() - startedAt, reset }));
  });
  return new Promise((resolve, reject) => {
    socket.once('connect', () => resolve({ socket, received: () => received, ended }));
    socket.once('error', reject);
  });
}

/** Sends one request on `socket` and waits for one whole (Content-Length framed) response. */
function exchange(socket: Socket, request: string): Promise<{ status: number; headers: string; body: string }> {
  return new Promise((resolve, reject) => {
    let text = '';
    const onData = (chunk: Buffer): void => {
      text += chunk.toString('utf8');
      const end = text.indexOf('\r\n\r\n');
      if (end < 0) return;
      const headers = text.slice(0, end);
      const length = Number(/content-length: (\d+)/i.exec(headers)?.[1] ?? 0);
      if (Buffer.byteLength(text) - end - 4 < length) return;
      socket.off('data', onData);
      resolve({ status: Number(headers.slice(9, 12)), headers, body: text.slice(end + 4) });
    };
    socket.on('data', onData);
    socket.once('close', () => reject(new Error(`closed before a response: ${JSON.stringify(text)}`)));
    socket.write(request);
  });
}

const get = (path: string): string => `GET ${path} HTTP/1.1\r\nhost: localhost\r\n\r\n`;
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

function problemIn(response: string): { status: number; type: string; detail: string; timeoutMs?: number } {
  assert.match(response, /^HTTP\/1\.1 \d{3} /);
  assert.match(response, /content-type: application\/problem\+json/i);
  assert.match(response, /connection: close/i);
  return JSON.parse(response.slice(response.indexOf('\r\n\r\n') + 4)) as ReturnType<typeof problemIn>;
}

describe('connection caps', () => {
  test('a flood of idle sockets above the caps does not stop a new client, nor a request in flight', async () => {
    const { app, port } = await listening({ MAX_CONNECTIONS: '40', MAX_IDLE_CONNECTIONS: '10', HEADERS_TIMEOUT_MS: '60000' });
    try {
      // A request busy on the pool throughout the flood (about a second of BPSW on two threads).
      const busy = await client(port);
      const body = JSON.stringify({ numbers: Array.from({ length: 4 }, () => (2n ** 3217n - 1n).toString()) });
      const inFlight = exchange(busy.socket, `POST /v1/primes/check HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\ncontent-length: ${body.length}\r\n\r\n${body}`);
      await sleep(100);

      let peakOpen = 0;
      let accepted = 0;
      app.server.on('connection', () => {
        accepted += 1;
        queueMicrotask(() => (peakOpen = Math.max(peakOpen, app.connections.counts.open)));
      });
      let closedByServer = 0;
      const flood = await Promise.all(Array.from({ length: 200 }, () => client(port)));
      for (const socket of flood) void socket.ended.then(() => (closedByServer += 1));
      // The kernel completes handshakes before the server accepts: wait for the server's view.
      await waitFor(() => accepted >= 200, 'the server to accept the flood');
      await waitFor(() => closedByServer >= 190, `the server to close 190 of 200 idle sockets (closed ${closedByServer})`);
      assert.ok(peakOpen <= 41, `${peakOpen} sockets were open at once`);
      assert.ok(app.connections.counts.idle <= 10);

      const newcomer = await client(port);
      const health = await exchange(newcomer.socket, get('/healthz'));
      assert.equal(health.status, 200);
      assert.equal((await inFlight).status, 200, 'the busy request was cut by the flood');
      assert.ok(app.connections.counts.shed['idle-cap'] >= 190);
    } finally {
      await app.close();
    }
  });

  test('when every connection is busy, a new one gets a 503 problem, and is served again once one frees', async () => {
    const { app, port } = await listening({ MAX_CONNECTIONS: '3', MAX_IDLE_CONNECTIONS: '3', REQUEST_TIMEOUT_MS: '60000' });
    try {
      // Three requests whose bodies are still coming: busy, not idle.
      const holders = await Promise.all(Array.from({ length: 3 }, () => client(port)));
      for (const holder of holders) holder.socket.write('POST /v1/reduce HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\ncontent-length: 100\r\n\r\n{"op":');
      await waitFor(() => app.connections.counts.open === 3 && app.connections.counts.idle === 0, 'three busy connections');
      const refused = await client(port);
      refused.socket.write(get('/healthz'));
      const ending = await refused.ended;
      assert.equal(ending.reset, false, 'the refusal came as a reset, not an answer');
      assert.match(refused.received(), /^HTTP\/1\.1 503 /);
      assert.match(refused.received(), /retry-after: 1/i);
      const problem = problemIn(refused.received());
      assert.equal(problem.type, 'https://crunch.dev/problems/overloaded');
      assert.match(problem.detail, /All 3 connections are busy/);
      assert.equal(app.connections.counts.shed.refused, 1);

      holders[0]!.socket.destroy();
      await waitFor(() => app.connections.counts.open === 2, 'the freed connection to close');
      const next = await client(port);
      assert.equal((await exchange(next.socket, get('/healthz'))).status, 200);
    } finally {
      await app.close();
    }
  });

  test('idle keep-alive sockets beyond the cap are closed, the longest idle first', async () => {
    const { app, port } = await listening({ MAX_IDLE_CONNECTIONS: '3', KEEP_ALIVE_TIMEOUT_MS: '60000' });
    try {
      const sockets: Client[] = [];
      for (let index = 0; index < 6; index += 1) {
        const socket = await client(port);
        assert.equal((await exchange(socket.socket, get('/healthz'))).status, 200);
        sockets.push(socket);
        await sleep(20);
      }
      const closed = sockets.map(() => false);
      sockets.forEach((socket, index) => void socket.ended.then(() => (closed[index] = true)));
      await waitFor(() => closed.filter(Boolean).length >= 3, 'three idle sockets to be closed');
      await sleep(100);
      assert.deepEqual(closed, [true, true, true, false, false, false]);
      assert.equal(app.connections.counts.idle, 3);
      // The ones kept still serve.
      assert.equal((await exchange(sockets[5]!.socket, get('/readyz'))).status, 200);
    } finally {
      await app.close();
    }
  });
});

describe('request timeouts', () => {
  test('a slow body is cut at REQUEST_TIMEOUT_MS with a 408 problem and a clean close', async () => {
    const { app, port } = await listening({ REQUEST_TIMEOUT_MS: '1000', HEADERS_TIMEOUT_MS: '500' });
    try {
      const slow = await client(port);
      slow.socket.write('POST /v1/reduce HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\ncontent-length: 10000\r\n\r\n');
      const dribble = setInterval(() => slow.socket.writable && slow.socket.write('[1,'), 100);
      const ending = await Promise.race([slow.ended, sleep(10_000).then(() => undefined)]);
      clearInterval(dribble);
      assert.ok(ending !== undefined, 'the slow body was still open after 10 s');
      // The timeout, checked every 125 ms, plus the linger that lets the client read the answer.
      assert.ok(ending.atMs >= 1000 && ending.atMs < 1000 + 125 + 1000 + 500, `closed after ${ending.atMs} ms`);
      assert.equal(ending.reset, false);
      const problem = problemIn(slow.received());
      assert.equal(problem.status, 408);
      assert.equal(problem.type, 'https://crunch.dev/problems/request-timeout');
      assert.match(problem.detail, /body did not arrive within 1000 ms/);
      assert.equal(problem.timeoutMs, 1000);
      // A prompt request on the same server is unaffected.
      const prompt = await client(port);
      assert.equal((await exchange(prompt.socket, get('/healthz'))).status, 200);
    } finally {
      await app.close();
    }
  });

  test('headers that never complete, or never start, are cut at HEADERS_TIMEOUT_MS with a 408 problem', async () => {
    const { app, port } = await listening({ HEADERS_TIMEOUT_MS: '500', REQUEST_TIMEOUT_MS: '5000' });
    try {
      const silent = await client(port);
      const slow = await client(port);
      slow.socket.write('GET /healthz HTTP/1.1\r\nhost: x\r\nx-slow: ');
      const dribble = setInterval(() => slow.socket.writable && slow.socket.write('a'), 50);
      const cap = sleep(10_000).then(() => undefined);
      const [silentEnd, slowEnd] = await Promise.all([Promise.race([silent.ended, cap]), Promise.race([slow.ended, cap])]);
      clearInterval(dribble);
      for (const [socket, ending] of [
        [silent, silentEnd],
        [slow, slowEnd],
      ] as const) {
        assert.ok(ending !== undefined, 'a socket was still open after 10 s');
        assert.ok(ending.atMs >= 500 && ending.atMs < 500 + 125 + 1000 + 500, `closed after ${ending.atMs} ms`);
        const problem = problemIn(socket.received());
        assert.equal(problem.status, 408);
        assert.match(problem.detail, /headers did not arrive within 500 ms/);
      }
    } finally {
      await app.close();
    }
  });

  test('headers over the size limit get a 431 problem', async () => {
    const { app, port } = await listening({});
    try {
      const socket = await client(port);
      socket.socket.write(`GET /healthz HTTP/1.1\r\nhost: x\r\nx-big: ${'a'.repeat(20_000)}\r\n\r\n`);
      await Promise.race([socket.ended, sleep(10_000)]);
      const problem = problemIn(socket.received());
      assert.equal(problem.status, 431);
      assert.equal(problem.type, 'https://crunch.dev/problems/headers-too-large');
    } finally {
      await app.close();
    }
  });
});

describe('connection settings', () => {
  const fileLimit = Number(/^Max open files\s+(\d+)/m.exec(readFileSync('/proc/self/limits', 'latin1'))?.[1]);

  test('the defaults stay below the open-file limit', () => {
    const { connections } = loadConfig({});
    assert.ok(connections.maxConnections <= Math.min(10_000, fileLimit - Math.min(256, Math.floor(fileLimit / 4))));
    assert.ok(connections.maxIdleConnections <= connections.maxConnections);
    assert.equal(connections.requestTimeoutMs, 30_000);
    assert.equal(connections.headersTimeoutMs, 10_000);
    assert.equal(connections.keepAliveTimeoutMs, 5_000);
  });

  test('caps that cannot hold are refused at start, naming the variable', () => {
    assert.throws(() => loadConfig({ MAX_CONNECTIONS: String(fileLimit) }), (error: unknown) => error instanceof ConfigError && /MAX_CONNECTIONS: .*open-file limit/.test(error.message));
    assert.throws(() => loadConfig({ MAX_CONNECTIONS: '10', MAX_IDLE_CONNECTIONS: '11' }), (error: unknown) => error instanceof ConfigError && /MAX_IDLE_CONNECTIONS/.test(error.message));
    assert.throws(() => loadConfig({ HEADERS_TIMEOUT_MS: '0' }), /HEADERS_TIMEOUT_MS/);
    assert.throws(() => loadConfig({ KEEP_ALIVE_TIMEOUT_MS: 'soon' }), /KEEP_ALIVE_TIMEOUT_MS/);
  });

  test('the headers timeout is never longer than the request timeout', () => {
    assert.equal(loadConfig({ REQUEST_TIMEOUT_MS: '400' }).connections.headersTimeoutMs, 400);
  });
});
