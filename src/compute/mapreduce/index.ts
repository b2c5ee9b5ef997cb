/**
 * Public face of the MapReduce kernels: the engine steps, the built-in jobs' types and
 * the typed errors the HTTP layer maps to 4xx responses.
 */
export {
  combinePartials,
  DEFAULT_CHUNK_BYTES,
  documentsMatter,
  estimateMapReduceMicros,
  finishInSlices,
  jobNeedsLineNumbers,
  mapChunk,
  mergeMapOutputs,
  mergePartials,
  packForGroups,
  reducePartition,
  reducePartitions,
  runJobInline,
  splitOptionsFor,
  type InlineOptions,
} from './engine.js';
export { FINISH_SLICE, type MapReduceJobDefinition } from './job-definition.js';
export { jobDefinitions } from './jobs.js';
export { checkPattern, compileLineMatcher, MAX_PATTERN_LENGTH, MAX_REPEAT, PatternRefusedError, type PatternRefusal } from './pattern-guard.js';
export {
  chunkBounds,
  chunksFromBounds,
  CUT_SEARCH_BYTES,
  firstInvalidUtf8,
  isCutPoint,
  isPackedDocuments,
  isValidUtf8,
  joinDocuments,
  packDocuments,
  splitDocuments,
  splitInput,
  type ChunkBounds,
  type CutRule,
  type MapReduceText,
  type PackedDocuments,
  type SplitOptions,
} from './split.js';
export { compareCodePoints, stableHash, WORD_PATTERN } from './text.js';
export * from './types.js';
