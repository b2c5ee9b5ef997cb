/** Pool tasks for the primes family: thin adapters from plain messages to the kernels. */
import { checkPrimeBatch, type PrimeBatch, type PrimeBatchResult } from '../../compute/primes/batch.js';

export function checkPrimes(batch: PrimeBatch): PrimeBatchResult {
  return checkPrimeBatch(batch);
}
