/** Shared pieces of the sandbox tests: small limits (fast failures), a word count in user code, a pool runner. */
import { defaultConfig } from '../../src/config.js';
import type { WorkerPool } from '../../src/pool/pool.js';
import { transferablesOf, type SandboxFunctions, type SandboxLimits, type SandboxRunner } from '../../src/sandbox/index.js';

/** Limits small enough that bombs and loops fail in well under a second. */
export function testLimits(overrides: Partial<SandboxLimits> = {}): SandboxLimits {
  return { ...defaultConfig().sandbox, memoryMb: 64, processMemoryMb: 320, cpuMs: 1_000, ...overrides };
}

const sum = (name: string): string => `function ${name}(key, values) {\n  let total = 0;\n  for (const value of values) total += value;\n  return total;\n}`;

/**
 * A word count as a user would write it, with the built-in word definition (README, "Word
 * definition"): words are matched on the original text and each is lower-cased on its own.
 */
export const WORD_COUNT: SandboxFunctions = {
  map: String.raw`function map(document, emit) {
  const words = document.match(/[\p{L}\p{M}\p{N}]+(?:['\u2019][\p{L}\p{M}\p{N}]+)*/gu);
  if (words !== null) for (const word of words) emit(word.toLowerCase(), 1);
}`,
  combine: sum('combine'),
  reduce: sum('reduce'),
};

export const WORD_COUNT_NO_COMBINE: SandboxFunctions = { map: WORD_COUNT.map, reduce: WORD_COUNT.reduce };

export function poolRunner(pool: WorkerPool): SandboxRunner {
  return {
    map: async (request) => (await pool.run('sandboxMap', request, { transferList: transferablesOf(request) })).value,
    reduce: async (request) => (await pool.run('sandboxReduce', request)).value,
  };
}
