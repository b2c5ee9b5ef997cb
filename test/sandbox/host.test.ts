/**
 * The sandbox host process under fire: memory past the process cap (the kernel's data limit
 * and the RSS watchdog), a crash, cancellation, and the death of the thread that owns it.
 * Real processes; RSS is sampled from /proc by the test itself, independently of the host's
 * own watchdog.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { Worker } from 'node:worker_threads';
import { CANCEL_GRACE_MS } from '../../src/pool/cancel.js';
import { WorkerPool } from '../../src/pool/pool.js';
import { SandboxHost, sandboxHost } from '../../src/sandbox/host-client.js';
import { SandboxCrashError, SandboxLimitError, type SandboxMapRequest, type SandboxLimits } from '../../src/sandbox/index.js';
import { testLimits } from '../helpers/sandbox.js';

function processState(pid: number): 'running' | 'zombie' | 'gone' {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'latin1');
    return stat[stat.lastIndexOf(')') + 2] === 'Z' ? 'zombie' : 'running';
  } catch {
    return 'gone';
  }
}

function rssMb(pid: number): number {
  try {
    return Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'latin1'))?.[1] ?? 0) / 1024;
  } catch {
    return 0;
  }
}

async function until(condition: () => boolean, ms: number): Promise<boolean> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (condition()) return true;
    await sleep(10);
  }
  return condition();
}

function mapRequest(map: string, limits: SandboxLimits): SandboxMapRequest {
  return { functions: { map, reduce: 'function reduce(k, v) { return v.length; }' }, documents: { format: 'values', documents: ['x'] }, partitions: 1, limits };
}

/** Runs a request while sampling the host's RSS every 2 ms; returns its outcome and the peak. */
async function withPeakRss(host: SandboxHost, request: SandboxMapRequest): Promise<{ error: unknown; peakMb: number }> {
  let peakMb = 0;
  const sampler = setInterval(() => {
    peakMb = Math.max(peakMb, rssMb(host.pid));
  }, 2);
  try {
    await host.request('map', request);
    return { error: undefined, peakMb };
  } catch (error) {
    return { error, peakMb };
  } finally {
    clearInterval(sampler);
  }
}

const ok = (limits: SandboxLimits) => mapRequest('function map(d, emit) { emit(d, 1); }', limits);

describe('the process cap holds when the isolate limit does not', () => {
  // The isolate may use 2 GB, the process only 256 MB: whatever stops the bomb is the process cap.
  const limits = testLimits({ memoryMb: 2048, processMemoryMb: 256, cpuMs: 30_000 });
  const slackMb = 48; // the node binary's resident pages, which the data limit does not count

  test('a heap bomb: the allocation past the data limit aborts V8, the host dies, the next request gets a new host', async () => {
    const host = await SandboxHost.start(limits);
    const { error, peakMb } = await withPeakRss(host, mapRequest('function map(d, emit) { const a = []; for (;;) a.push({ n: a.length, list: [1, 2, 3] }); }', limits));
    assert.ok(error instanceof SandboxLimitError && error.limit === 'memory', String(error));
    assert.ok(peakMb < limits.processMemoryMb + slackMb, `peak RSS ${peakMb.toFixed(0)} MB`);
    assert.equal(host.alive, false);
    const fresh = await sandboxHost(limits);
    assert.notEqual(fresh.pid, host.pid);
    assert.deepEqual((await fresh.request('map', ok(limits))).partitions, ['[["x",[1]]]']);
  });

  test('typed arrays past the data limit: the allocation fails inside the run and the host lives on', async () => {
    const host = await SandboxHost.start(limits);
    const bomb = 'function map(d, emit) { const keep = []; for (;;) keep.push(new Uint8Array(32 << 20).fill(1)); }';
    const { error, peakMb } = await withPeakRss(host, mapRequest(bomb, limits));
    assert.ok(error instanceof SandboxLimitError && error.limit === 'memory', String(error));
    assert.ok(peakMb < limits.processMemoryMb + slackMb, `peak RSS ${peakMb.toFixed(0)} MB`);
    // Usually the allocation fails inside the run and the host lives on; on a loaded machine V8
    // may abort the host instead (still a memory limit). Either way the next run is served.
    const next = host.alive ? host : await SandboxHost.start(limits);
    assert.deepEqual((await next.request('map', ok(limits))).partitions, ['[["x",[1]]]']);
    next.kill();
    host.kill();
  });
});

describe('the host process', () => {
  test('a crash that is not about memory is a SandboxCrashError', async () => {
    const limits = testLimits({ cpuMs: 30_000 });
    const host = await SandboxHost.start(limits);
    const running = host.request('map', mapRequest('function map() { for (;;) {} }', limits));
    await sleep(100);
    process.kill(host.pid, 'SIGSEGV');
    await assert.rejects(running, (error: unknown) => error instanceof SandboxCrashError && /SIGSEGV/.test(error.message));
    assert.equal(host.alive, false);
  });

  test('other process limits get another host', async () => {
    const first = await sandboxHost(testLimits({ stackKb: 512 }));
    const again = await sandboxHost(testLimits({ stackKb: 512, cpuMs: 77 }));
    assert.equal(again, first);
    const other = await sandboxHost(testLimits({ stackKb: 768 }));
    assert.notEqual(other.pid, first.pid);
    assert.ok(await until(() => processState(first.pid) !== 'running', 2_000));
    other.kill();
  });

  test('dies with the thread that owns it, even in the middle of a run', async () => {
    // Node 20 does not apply the parent's `--import tsx` to a worker's modules: register tsx first.
    const client = JSON.stringify(new URL('../../src/sandbox/host-client.ts', import.meta.url).href);
    const limits = JSON.stringify(testLimits({ cpuMs: 60_000 }));
    const worker = new Worker(
      `const { parentPort } = require('node:worker_threads');
       import('tsx/esm/api').then((tsx) => { tsx.register(); return import(${client}); }).then(async ({ sandboxHost }) => {
         const limits = ${limits};
         const host = await sandboxHost(limits);
         parentPort.postMessage(host.pid);
         await host.request('map', { functions: { map: 'function map() { for (;;) {} }', reduce: 'function reduce() {}' }, documents: { format: 'values', documents: [1] }, partitions: 1, limits });
       });`,
      { eval: true },
    );
    const pid = await new Promise<number>((resolve, reject) => {
      worker.once('message', resolve);
      worker.once('error', reject);
    });
    await sleep(200);
    assert.equal(processState(pid), 'running');
    await worker.terminate();
    assert.ok(await until(() => processState(pid) !== 'running', 2_000), 'the host outlived its thread');
  });
});

describe('cancelling a sandbox task on the pool', () => {
  let pool: WorkerPool;
  before(() => {
    pool = new WorkerPool({ threads: 1, maxQueuedTasks: 2 });
  });
  after(() => pool.close());

  test('stops the run within milliseconds and keeps the thread and its host', async () => {
    const limits = testLimits({ cpuMs: 60_000 });
    const warm = await pool.run('sandboxMap', ok(limits));
    const controller = new AbortController();
    const started = Date.now();
    const running = pool.run('sandboxMap', mapRequest('function map() { for (;;) {} }', limits), { signal: controller.signal });
    setTimeout(() => controller.abort(new Error('the client went away')), 150);
    await assert.rejects(running, /the client went away/);
    assert.ok(Date.now() - started < 150 + CANCEL_GRACE_MS, 'fell back to terminating the thread');
    const next = await pool.run('sandboxMap', ok(limits));
    assert.equal(next.value.hostPid, warm.value.hostPid);
    assert.equal(processState(warm.value.hostPid), 'running');
  });

  test('a task cancelled while it waits in the queue never runs, and the running one is not disturbed', async () => {
    const limits = testLimits({ cpuMs: 60_000 });
    const warm = await pool.run('sandboxMap', ok(limits));
    const first = new AbortController();
    const second = new AbortController();
    const running = pool.run('sandboxMap', mapRequest('function map() { for (;;) {} }', limits), { signal: first.signal });
    const queued = pool.run('sandboxMap', mapRequest('function map(d, emit) { emit("ran", 1); }', limits), { signal: second.signal });
    const started = Date.now();
    second.abort(new Error('no longer wanted'));
    await assert.rejects(queued, /no longer wanted/);
    assert.ok(Date.now() - started < CANCEL_GRACE_MS / 2, 'the caller waited for the queue');
    first.abort(new Error('done waiting'));
    await assert.rejects(running, /done waiting/);
    assert.equal((await pool.run('sandboxMap', ok(limits))).value.hostPid, warm.value.hostPid);
    assert.equal(pool.inFlight, 0);
  });

  test('a signal aborted before submission fails at once', async () => {
    const controller = new AbortController();
    controller.abort(new Error('too late'));
    await assert.rejects(pool.run('sandboxMap', ok(testLimits()), { signal: controller.signal }), /too late/);
  });
});
