/**
 * pi(x) by the LMO kernel (src/compute/primes/prime-pi.ts) on 1 thread and on 2 worker
 * threads, beside `primecount x -t 1` and `-t 2` spawned in the same run (wall time of the
 * whole process, nothing subtracted). Each figure is the best of a few runs; every value is
 * checked against primecount's. Usage: node --import tsx bench/primes-count.ts [maxExponent]
 */
import { spawnSync } from 'node:child_process';
import { Worker } from 'node:worker_threads';
import {
  type PrimePiPartial,
  type PrimePiPlan,
  combinePrimePi,
  planPrimePi,
  primePi,
} from '../src/compute/primes/prime-pi.js';
import { printTable } from './lib/table.js';

const maxExponent = Number(process.argv[2] ?? 14);
const exponents = [11, 12, 13, 14, 15].filter((e) => e <= maxExponent);
const runsFor = (e: number): number => (e <= 12 ? 5 : e === 13 ? 3 : 1);

class ShardPool {
  private readonly workers: Worker[];
  private nextId = 0;
  private readonly waiting = new Map<number, (partial: PrimePiPartial) => void>();
  private readonly idle: Worker[] = [];
  private readonly queue: Array<() => void> = [];

  constructor(threads: number) {
    // Node 20 does not apply the parent's `--import tsx` to a worker's modules: register tsx first.
    const url = JSON.stringify(new URL('./primes-count-worker.ts', import.meta.url).href);
    const entry = `import('tsx/esm/api').then((tsx) => { tsx.register(); return import(${url}); })`;
    this.workers = Array.from({ length: threads }, () => {
      const worker = new Worker(entry, { eval: true });
      worker.on('message', (message: { id: number; partial: PrimePiPartial }) => {
        this.waiting.get(message.id)?.(message.partial);
        this.waiting.delete(message.id);
        this.release(worker);
      });
      return worker;
    });
    this.idle.push(...this.workers);
  }

  private release(worker: Worker): void {
    const next = this.queue.shift();
    this.idle.push(worker);
    if (next !== undefined) next();
  }

  run(plan: PrimePiPlan, index: number): Promise<PrimePiPartial> {
    return new Promise((resolve) => {
      const start = (): void => {
        const worker = this.idle.pop()!;
        const id = this.nextId++;
        this.waiting.set(id, resolve);
        worker.postMessage({ id, plan, index });
      };
      if (this.idle.length > 0) start();
      else this.queue.push(start);
    });
  }

  async primePi(x: bigint, shards: number): Promise<bigint> {
    const plan = planPrimePi(x, shards);
    const partials = await Promise.all(Array.from({ length: shards }, (_, index) => this.run(plan, index)));
    return combinePrimePi(plan, partials);
  }

  async close(): Promise<void> {
    await Promise.all(this.workers.map((worker) => worker.terminate()));
  }
}

async function best(runs: number, body: () => Promise<bigint> | bigint): Promise<{ ms: number; value: bigint }> {
  let ms = Infinity;
  let value = 0n;
  for (let i = 0; i < runs; i++) {
    const started = performance.now();
    value = await body();
    ms = Math.min(ms, performance.now() - started);
  }
  return { ms, value };
}

function primecount(x: bigint, threads: number, runs: number): { ms: number; value: bigint } | undefined {
  let ms = Infinity;
  let value = 0n;
  for (let i = 0; i < runs; i++) {
    const started = performance.now();
    const result = spawnSync('primecount', [x.toString(), '-t', String(threads)], { encoding: 'utf8' });
    if (result.error !== undefined || result.status !== 0) return undefined;
    ms = Math.min(ms, performance.now() - started);
    value = BigInt(result.stdout.trim());
  }
  return { ms, value };
}

const NOT_INSTALLED = 'not installed (apt-get install primecount)';
const fmt = (ms: number): string => (ms >= 100 ? ms.toFixed(0) : ms.toFixed(1));

const pool = new ShardPool(2);
// warm up: compile the kernel and build its small tables in every thread
primePi(10n ** 9n);
await Promise.all([pool.primePi(10n ** 9n, 2), pool.primePi(10n ** 9n, 2)]);

const rows: Array<Record<string, string | number>> = [];
for (const e of exponents) {
  const x = 10n ** BigInt(e);
  const runs = runsFor(e);
  const one = await best(runs, () => primePi(x));
  const two = await best(runs, () => pool.primePi(x, 2));
  const twoBy8 = await best(runs, () => pool.primePi(x, 8));
  const pc1 = primecount(x, 1, runs);
  const pc2 = primecount(x, 2, runs);
  const agree = [one.value, two.value, twoBy8.value].every((value) => pc1 === undefined || value === pc1.value);
  rows.push({
    x: `1e${e}`,
    'pi(x)': one.value.toString(),
    'ours 1t ms': fmt(one.ms),
    'ours 2t ms (2 shards)': fmt(two.ms),
    'ours 2t ms (8 shards)': fmt(twoBy8.ms),
    'primecount -t1 ms': pc1 === undefined ? NOT_INSTALLED : fmt(pc1.ms),
    'primecount -t2 ms': pc2 === undefined ? NOT_INSTALLED : fmt(pc2.ms),
    'ratio 1t': pc1 === undefined ? '-' : (one.ms / pc1.ms).toFixed(2),
    'ratio 2t': pc2 === undefined ? '-' : (Math.min(two.ms, twoBy8.ms) / pc2.ms).toFixed(2),
    'same as primecount': pc1 === undefined ? '-' : agree ? 'yes' : 'NO',
  });
}
await pool.close();
printTable('pi(x): LMO kernel vs primecount (best of 5 / 3 / 1 runs for 1e11-12 / 1e13 / 1e14+)', rows);
