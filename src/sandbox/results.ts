/**
 * The final step of a custom job, on whichever thread collects the reduce outputs: merge
 * one sorted, disjoint list of results per partition into one list in key order.
 *
 * Key order (the documented contract): every number key first, ascending; then every
 * string key in Unicode code-point order. It is total, so the result is the same whatever
 * the chunking, partition count or thread count.
 */
import { compareCodePoints } from '../compute/mapreduce/text.js';
import { SandboxLimitError, SandboxValueError } from './errors.js';
import type { SandboxKey, SandboxReduceOutput, SandboxResult } from './types.js';

export function compareKeys(a: SandboxKey, b: SandboxKey): number {
  if (typeof a === 'number') return typeof b === 'number' ? a - b : -1;
  if (typeof b === 'number') return 1;
  return compareCodePoints(a, b);
}

/**
 * Merges per-partition outputs (each sorted, keys disjoint across partitions). Throws
 * SandboxLimitError('result') when their JSON is over `maxResultBytes` in all.
 */
export function mergeSandboxResults(outputs: readonly SandboxReduceOutput[], maxResultBytes: number): SandboxResult[] {
  let bytes = 0;
  for (const output of outputs) bytes += output.bytes;
  if (bytes > maxResultBytes) {
    throw new SandboxLimitError(`the results are ${bytes} bytes of JSON; at most ${maxResultBytes} are allowed`, 'result', maxResultBytes, 'bytes');
  }
  const merged = outputs.length === 1 ? [...outputs[0]!.results] : outputs.flatMap((output) => output.results);
  if (outputs.length > 1) merged.sort((a, b) => compareKeys(a.key, b.key));
  for (let i = 1; i < merged.length; i++) {
    if (compareKeys(merged[i - 1]!.key, merged[i]!.key) >= 0) {
      // Only possible when user code broke the engine's built-ins (partitioning, sorting) in its own run.
      throw new SandboxValueError(`the reduce results repeat or misorder the key ${JSON.stringify(merged[i]!.key)}; do not modify built-in prototypes`);
    }
  }
  return merged;
}
