/**
 * Every operation crunch runs, by name. The HTTP routes build inputs for them, the job
 * runner stores `{ operation, input }` and looks the entry up again when the job runs —
 * in this process or, in the distributed mode, on any worker.
 */
import { mapReduceOperations } from './mapreduce.js';
import { mapReduceCustom } from './mapreduce-custom.js';
import { primesCheck, primesIsPrime } from './primes-check.js';
import { primesCount } from './primes-count.js';
import { primesFactor } from './primes-factor.js';
import { primesList } from './primes-list.js';
import { reduce } from './reduce.js';
import type { AnyOperation } from './types.js';

export const operations = {
  'primes.is-prime': primesIsPrime,
  'primes.check': primesCheck,
  'primes.list': primesList,
  'primes.count': primesCount,
  'primes.factor': primesFactor,
  reduce,
  ...mapReduceOperations,
  'mapreduce.custom': mapReduceCustom,
} as const satisfies Record<string, AnyOperation>;

export type OperationName = keyof typeof operations;

export function isOperationName(name: string): name is OperationName {
  return Object.hasOwn(operations, name);
}

export function operationNamed(name: string): AnyOperation | undefined {
  return isOperationName(name) ? operations[name] : undefined;
}
