/**
 * Which layer stops each memory bomb, how far memory got and how long it took: the isolate's
 * own limit (the host lives on), an allocation that fails inside the run (the host lives
 * on), or the host process's cap (kernel data limit, RSS watchdog: the host dies and is
 * replaced). Peak RSS is sampled from /proc every 2 ms by this script, independently of the
 * host's own watchdog. Not a speed benchmark: the record behind src/sandbox/README.md.
 *
 *   node --import tsx bench/sandbox-limits.ts
 */
import { readFileSync } from 'node:fs';
import { defaultConfig } from '../src/config.js';
import { SandboxHost } from '../src/sandbox/host-client.js';
import { SandboxError, type SandboxLimits } from '../src/sandbox/index.js';
import { printTable } from './lib/table.js';

const BOMBS: Array<[string, string]> = [
  ['array of objects', 'const a = []; for (;;) a.push({ n: a.length, list: [1, 2, 3] });'],
  ['real strings', 'const a = []; for (let i = 0; ; i++) a.push("y".repeat(1 << 20) + i);'],
  ['rope string', 'let s = "x"; const keep = []; for (;;) { s = s + s; keep.push(s + "!"); }'],
  ['typed arrays, 16 MiB each', 'const a = []; for (;;) { const t = new Uint8Array(16 << 20); t.fill(1); a.push(t); }'],
  ['one 2 GiB typed array', 'const t = new Float64Array(2 ** 28); t.fill(1);'],
  ['Map', 'const m = new Map(); for (let i = 0; ; i++) m.set(i, "v" + i);'],
  ['join of a big array', 'const a = new Array(1e6).fill("abcdefghij"); const keep = []; for (;;) keep.push(a.join(""));'],
];

function rssMb(pid: number): number {
  try {
    return Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'latin1'))?.[1] ?? 0) / 1024;
  } catch {
    return 0;
  }
}

async function measure(name: string, body: string, limits: SandboxLimits): Promise<Record<string, string | number>> {
  const host = await SandboxHost.start(limits);
  let peak = 0;
  const sampler = setInterval(() => {
    peak = Math.max(peak, rssMb(host.pid));
  }, 2);
  const start = performance.now();
  let outcome: string;
  try {
    await host.request('map', {
      functions: { map: `function map(d, emit) { ${body} }`, reduce: 'function reduce() {}' },
      documents: { format: 'values', documents: [1] },
      partitions: 1,
      limits,
    });
    outcome = 'finished?!';
  } catch (error) {
    outcome = error instanceof SandboxError ? `${error.name}${'limit' in error ? ` (${String(error.limit)})` : ''}: ${error.message}` : String(error);
  }
  clearInterval(sampler);
  const alive = host.alive;
  host.kill();
  return {
    bomb: name,
    'isolate MB': limits.memoryMb,
    'process MB': limits.processMemoryMb,
    'peak RSS MB': Math.round(peak),
    ms: Math.round(performance.now() - start),
    host: alive ? 'lives' : 'died, replaced',
    outcome: outcome.length > 150 ? `${outcome.slice(0, 147)}...` : outcome,
  };
}

const defaults = { ...defaultConfig().sandbox, cpuMs: 60_000 };
const rows: Array<Record<string, string | number>> = [];
for (const [name, body] of BOMBS) rows.push(await measure(name, body, defaults));
// An isolate allowed far more than its process: whatever stops the bomb is the process cap.
for (const [name, body] of BOMBS) rows.push(await measure(name, body, { ...defaults, memoryMb: 4096 }));
printTable(`memory bombs, node ${process.version}`, rows);
process.exit(0);
