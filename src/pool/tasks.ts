/**
 * The table of everything a pool thread can run, by name. The worker entry dispatches on
 * it and the main thread types `pool.run(name, input)` from it, so a task's message shapes
 * are checked at both ends.
 */
import * as mapreduce from './tasks/mapreduce.js';
import * as parse from './tasks/parse.js';
import * as primes from './tasks/primes.js';
import * as primePi from './tasks/prime-pi.js';
import * as reduce from './tasks/reduce.js';
import * as sandbox from './tasks/sandbox.js';

export const tasks = {
  ...mapreduce,
  ...parse,
  ...primes,
  ...primePi,
  ...reduce,
  ...sandbox,
} as const;

type Tasks = typeof tasks;
export type TaskName = keyof Tasks;
export type TaskInput<K extends TaskName> = Parameters<Tasks[K]>[0];
export type TaskOutput<K extends TaskName> = Awaited<ReturnType<Tasks[K]>>;
