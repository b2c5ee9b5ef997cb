/**
 * Reduction throughput: sum over 10^6 and 10^7 doubles (and int64), in this process
 * (kernels against a plain `for` loop over the same Float64Array) and end to end over HTTP
 * (JSON vs binary body, inline vs pool via X-Crunch-Route), beside a tiny node:http server
 * in this process that only drains the same request body: the cost of moving the bytes.
 *
 * Run: npm run build && node --import tsx bench/reduce.ts
 */
import { once } from 'node:events';
import { createServer, request } from 'node:http';
import type { AddressInfo } from 'node:net';
import { performance } from 'node:perf_hooks';
import { exactSum } from '../src/compute/reduce/exact-sum.js';
import { reduceAll } from '../src/compute/reduce/reduce.js';
import { printTable } from './lib/table.js';
import { startServer } from './lib/server.js';

const sizes = [1_000_000, 10_000_000];
const megabytes = (bytes: number) => bytes / 1e6;

function randomFloats(n: number): Float64Array {
  let state = 0x9e3779b9;
  const values = new Float64Array(n);
  for (let i = 0; i < n; i += 1) {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    values[i] = state / 2 ** 31 - 1;
  }
  return values;
}

function bestOf(reps: number, run: () => void): number {
  let best = Number.POSITIVE_INFINITY;
  for (let rep = 0; rep < reps; rep += 1) {
    const start = performance.now();
    run();
    best = Math.min(best, performance.now() - start);
  }
  return best;
}

async function bestOfAsync(reps: number, run: () => Promise<void>): Promise<number> {
  let best = Number.POSITIVE_INFINITY;
  for (let rep = 0; rep < reps; rep += 1) {
    const start = performance.now();
    await run();
    best = Math.min(best, performance.now() - start);
  }
  return best;
}

function naiveSum(values: Float64Array): number {
  let sum = 0;
  for (let i = 0; i < values.length; i += 1) sum += values[i]!;
  return sum;
}

let sink = 0;

/** A server that reads the whole body and answers 204: the floor for receiving the bytes. */
async function startDrainServer(): Promise<{ url: string; close: () => Promise<void> }> {
  const server = createServer((request, response) => {
    let bytes = 0;
    request.on('data', (chunk: Buffer) => (bytes += chunk.length));
    request.on('end', () => {
      sink += bytes;
      response.writeHead(204).end();
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

/** One POST on a fresh connection (no keep-alive races between runs); resolves with the parsed body. */
function post(url: string, body: Uint8Array, headers: Record<string, string>): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method: 'POST', agent: false, headers: { ...headers, 'content-length': String(body.length) } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        if ((res.statusCode ?? 500) >= 300) reject(new Error(`${url}: HTTP ${res.statusCode} ${text}`));
        else resolve(res.statusCode === 204 ? undefined : JSON.parse(text));
      });
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(body);
  });
}

const kernelRows: Array<Record<string, string | number>> = [];
const httpRows: Array<Record<string, string | number>> = [];

const drain = await startDrainServer();
const server = await startServer({
  ALLOW_ROUTE_OVERRIDE: 'true',
  MAX_BODY_BYTES: String(2 ** 31),
  REQUEST_TIMEOUT_MS: '600000',
});

try {
  for (const n of sizes) {
    const values = randomFloats(n);
    const bytes = n * 8;
    const reps = n > 1e6 ? 5 : 15;
    const naiveMs = bestOf(reps, () => {
      sink += naiveSum(values);
    });
    const exactMs = bestOf(reps, () => {
      sink += exactSum(values);
    });
    const ints = new BigInt64Array(n);
    for (let i = 0; i < n; i += 1) ints[i] = BigInt(Math.round(values[i]! * 2 ** 40));
    const intMs = bestOf(reps, () => {
      sink += Number(reduceAll('sum', 'int', ints) as bigint);
    });
    const kernel = (name: string, ms: number) => ({
      n,
      kernel: name,
      ms,
      'values/s': n / (ms / 1000),
      'MB/s': megabytes(bytes) / (ms / 1000),
      'x naive loop': ms / naiveMs,
    });
    kernelRows.push(kernel('naive for-loop sum (inexact, baseline)', naiveMs));
    kernelRows.push(kernel('exact float64 sum', exactMs));
    kernelRows.push(kernel('int sum over BigInt64Array', intMs));

    const binary = new Uint8Array(values.buffer);
    const httpReps = n > 1e6 ? 3 : 7;
    const drainMs = await bestOfAsync(httpReps, async () => {
      await post(drain.url, binary, { 'content-type': 'application/octet-stream' });
    });
    const expected = exactSum(values);
    const row = (name: string, ms: number, bodyBytes: number) => ({
      n,
      request: name,
      ms,
      'values/s': n / (ms / 1000),
      'body MB/s': megabytes(bodyBytes) / (ms / 1000),
      'x drain': ms / drainMs,
      'x naive loop': ms / naiveMs,
    });
    httpRows.push(row('drain the binary body (node:http, baseline)', drainMs, bytes));
    for (const route of ['inline', 'pool']) {
      const ms = await bestOfAsync(httpReps, async () => {
        const body = (await post(`${server.url}/v1/reduce?op=sum&type=float64`, binary, {
          'content-type': 'application/octet-stream',
          'x-crunch-route': route,
        })) as { result: number };
        if (body.result !== expected) throw new Error(`binary ${route}: ${body.result} != ${expected}`);
      });
      httpRows.push(row(`binary body, ${route}`, ms, bytes));
    }
    const json = Buffer.from(JSON.stringify({ op: 'sum', type: 'float64', values: Array.from(values) }));
    for (const route of ['inline', 'pool']) {
      const ms = await bestOfAsync(n > 1e6 ? 1 : 3, async () => {
        const body = (await post(`${server.url}/v1/reduce`, json, { 'content-type': 'application/json', 'x-crunch-route': route })) as {
          result: number;
        };
        if (body.result !== expected) throw new Error(`json ${route}: ${body.result} != ${expected}`);
      });
      httpRows.push(row(`JSON body (${megabytes(json.length).toFixed(0)} MB), ${route}`, ms, json.length));
    }
  }
} finally {
  await server.stop();
  await drain.close();
}

printTable('reduce kernels, one thread (best of 5-15)', kernelRows);
printTable('POST /v1/reduce sum, end to end (best of 3-7; JSON 10^7: one run)', httpRows);
if (sink === 0.5) console.log('');
