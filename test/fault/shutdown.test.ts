/**
 * SIGTERM with requests in flight: the process stops accepting, finishes every request it
 * already has, and exits 0.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { request } from 'node:http';
import { createInterface } from 'node:readline';
import { test } from 'node:test';

function post(url: string, body: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method: 'POST', headers: { 'content-type': 'application/json', connection: 'close' } }, (res) => {
      let text = '';
      res.on('data', (chunk: Buffer) => (text += chunk.toString('utf8')));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

test('SIGTERM loses none of the requests in flight and exits 0', async () => {
  const server = spawn(process.execPath, ['--import', 'tsx', 'src/server.ts'], {
    env: { ...process.env, PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'info', POOL_THREADS: '2', SHUTDOWN_TIMEOUT_MS: '30000' },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const lines = createInterface({ input: server.stdout! });
  const logs: string[] = [];
  const url = await new Promise<string>((resolve, reject) => {
    server.once('exit', (code) => reject(new Error(`server exited with ${code}`)));
    lines.on('line', (line) => {
      logs.push(line);
      const record = JSON.parse(line) as { msg?: string; port?: number };
      if (record.msg === 'listening') resolve(`http://127.0.0.1:${record.port}`);
    });
  });

  // Each request takes ~0.6 s of pool work; six of them on two threads take ~2 s.
  const numbers = Array.from({ length: 2 }, () => (2n ** 3217n - 1n).toString());
  const inFlight = Array.from({ length: 6 }, () => post(`${url}/v1/primes/check`, JSON.stringify({ numbers })));
  await new Promise((resolve) => setTimeout(resolve, 300));
  const exited = once(server, 'exit');
  server.kill('SIGTERM');

  const results = await Promise.all(inFlight);
  for (const result of results) {
    assert.equal(result.status, 200, result.body);
    assert.equal((JSON.parse(result.body) as { count: number }).count, numbers.length);
  }
  const [code] = (await exited) as [number | null];
  assert.equal(code, 0);
  assert.ok(logs.some((line) => line.includes('shutting down')));
  assert.ok(logs.some((line) => line.includes('"stopped"')));
});

test('SIGTERM lets a running job finish: its event stream ends with the result, and the process exits 0 before the deadline', async () => {
  const server = spawn(process.execPath, ['--import', 'tsx', 'src/server.ts'], {
    env: { ...process.env, PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'info', POOL_THREADS: '2', SHUTDOWN_TIMEOUT_MS: '20000' },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const lines = createInterface({ input: server.stdout! });
  const url = await new Promise<string>((resolve, reject) => {
    server.once('exit', (code) => reject(new Error(`server exited with ${code}`)));
    lines.on('line', (line) => {
      const record = JSON.parse(line) as { msg?: string; port?: number };
      if (record.msg === 'listening') resolve(`http://127.0.0.1:${record.port}`);
    });
  });
  // ~1 s of BPSW on one thread.
  const numbers = Array.from({ length: 4 }, () => (2n ** 3217n - 1n).toString());
  const accepted = await fetch(`${url}/v1/primes/check`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', prefer: 'respond-async' },
    body: JSON.stringify({ numbers }),
  });
  assert.equal(accepted.status, 202);
  const events = await fetch(`${url}${accepted.headers.get('location')}/events`);
  const text = events.text();
  await new Promise((resolve) => setTimeout(resolve, 100));
  const startedAt = performance.now();
  const exited = once(server, 'exit');
  server.kill('SIGTERM');
  const stream = await text;
  const last = stream.trim().split('\n\n').at(-1) ?? '';
  assert.match(last, /"status":"succeeded"/);
  const [code] = (await exited) as [number | null];
  assert.equal(code, 0);
  // Well under keep-alive's 5 s: idle connections must not hold the shutdown up.
  assert.ok(performance.now() - startedAt < 5_000, 'the server waited for idle connections or the shutdown deadline');
});
