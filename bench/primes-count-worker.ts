/**
 * Worker for bench/primes-count.ts: runs pi(x) shards posted by the bench. The product pool
 * lives in src/pool/; this is a minimal stand-in to measure the kernel on several threads.
 */
import { parentPort } from 'node:worker_threads';
import { type PrimePiPlan, runPrimePiShard } from '../src/compute/primes/prime-pi.js';

const port = parentPort!;
port.on('message', (task: { id: number; plan: PrimePiPlan; index: number }) => {
  port.postMessage({ id: task.id, partial: runPrimePiShard(task.plan, task.index) });
});
