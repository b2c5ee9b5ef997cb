/**
 * Public face of the MapReduce kernels: the engine steps, the built-in jobs' types and
 * the typed errors the HTTP layer maps to 4xx responses.
 */
export {
  DEFAULT_CHUNK_BYTES,
  estimateMapReduceMicros,
  jobNeedsLineNumbers,
  mapChunk,
  mergePartials,
  reducePartition,
  runJobInline,
  type InlineOptions,
} from './engine.js';
export { checkPattern, compileLineMatcher, MAX_PATTERN_LENGTH, MAX_REPEAT, PatternRefusedError, type PatternRefusal } from './pattern-guard.js';
export { firstInvalidUtf8, isValidUtf8, splitInput, type SplitOptions } from './split.js';
export { compareCodePoints, stableHash, WORD_PATTERN } from './text.js';
export * from './types.js';
