/**
 * Worker for bench/mapreduce-kernels.ts: runs map (or reduce) tasks posted by the bench.
 * The product pool lives in src/pool/; this is a minimal stand-in to measure the kernels.
 */
import { parentPort } from 'node:worker_threads';
import { mapChunk, reducePartition, type Chunk, type JobSpec, type PartitionOutput } from '../src/compute/mapreduce/index.js';

type Task =
  | { id: number; op: 'map'; job: JobSpec; chunk: Chunk; partitions: number }
  | { id: number; op: 'reduce'; job: JobSpec; parts: PartitionOutput[] };

const port = parentPort!;
port.on('message', (task: Task) => {
  const result = task.op === 'map' ? mapChunk(task.job, task.chunk, task.partitions) : reducePartition(task.job, task.parts);
  port.postMessage({ id: task.id, result });
});
