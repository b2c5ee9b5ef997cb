/**
 * Pool tasks for MapReduce: find the chunks of a big shared upload, map a batch of chunks, reduce a group of partitions into one
 * partial, merge the partials into the result. Thin adapters over the engine; a refused
 * grep pattern (normally caught on the main thread first) stays a client error.
 */
import { ComputeInputError } from '../../compute/errors.js';
import {
  chunkBounds,
  combinePartials,
  mapChunk,
  mergeMapOutputs,
  packForGroups,
  PatternRefusedError,
  reducePartitions,
  type Chunk,
  type ChunkBounds,
  type CutRule,
  type JobSpec,
  type MapOutput,
  type Partial,
  type PackedDocuments,
  type PartitionOutput,
  splitDocuments,
} from '../../compute/mapreduce/index.js';
import { scanWordsWasm } from '../../compute/mapreduce/word-scan-wasm.js';

export interface MapReduceSplitInput {
  /** A view of shared memory (posting it copies nothing). */
  readonly bytes: Uint8Array;
  readonly chunkBytes: number;
  readonly lineNumbers: boolean;
  readonly cut: CutRule;
}

/** Documents [from, to) of a pack, cut into chunks here rather than on the event loop. */
export interface DocumentRange {
  readonly packed: PackedDocuments;
  readonly from: number;
  readonly to: number;
  readonly chunkBytes: number;
  readonly lineNumbers: boolean;
  readonly cut: CutRule;
}

export interface MapReduceMapInput {
  readonly job: JobSpec;
  /** Several small chunks travel in one task so tiny documents do not cost a message each... */
  readonly chunks?: readonly Chunk[];
  /** ...or a range of packed documents, so their chunks need not be made on the event loop at all. */
  readonly documents?: DocumentRange;
  readonly partitions: number;
  /** Partitions reduced together: their records come back in one buffer (see packForGroups). */
  readonly partitionsPerGroup?: number;
}

export interface MapReduceReduceInput {
  readonly job: JobSpec;
  /** For each partition p of the group: `outputs[i].partitions[p]` of every map output i. */
  readonly parts: (readonly PartitionOutput[] | undefined)[];
}

export interface MapReduceMergeInput {
  readonly job: JobSpec;
  /** One partial per reduce group (disjoint keys). */
  readonly partials: readonly Partial[];
}

function asInputError(error: unknown): unknown {
  return error instanceof PatternRefusedError ? new ComputeInputError(error.message, '/pattern') : error;
}

/**
 * Warms the word-count scanner once per thread, when the worker loads: V8 first runs
 * WebAssembly with its baseline compiler and swaps in optimised code only for later calls,
 * so without this a server's first big word count runs at about half speed. About 10 ms of
 * CPU per thread; the text also fills the Latin and punctuation pages of the word classes.
 */
function warmWordCount(): void {
  const words = ['the', 'Cat', 'été', 'naïve', 'ÉCOLE', 'don’t', "it's", 'straße', 'число', '42'];
  let text = '';
  for (let i = 0; text.length < 64 * 1024; i++) text += `${words[(i * 7) % words.length]!}${i % 11 === 0 ? '.\n' : ' '}`;
  const bytes = new TextEncoder().encode(text);
  for (let round = 0; round < 8; round++) scanWordsWasm(bytes, round % 2 === 0);
}
try {
  warmWordCount();
} catch {
  // A missing or broken kernel must not take every other pool task down with this module;
  // word-count tasks will report it when they run.
}

/** Chunk boundaries (and line numbers) off the event loop: a linear pass over the whole upload. */
export function mapReduceSplit(input: MapReduceSplitInput): ChunkBounds {
  return chunkBounds(input.bytes, input.chunkBytes, input.lineNumbers, input.cut);
}

export function mapReduceMap(input: MapReduceMapInput): MapOutput[] {
  try {
    const perGroup = input.partitionsPerGroup ?? input.partitions;
    const { documents } = input;
    const chunks =
      documents === undefined
        ? (input.chunks ?? [])
        : splitDocuments(documents.packed, documents.from, documents.to, documents.chunkBytes, {
            share: 'view',
            lineNumbers: documents.lineNumbers,
            cut: documents.cut,
          });
    const outputs = mergeMapOutputs(
      input.job,
      chunks.map((chunk) => mapChunk(input.job, chunk, input.partitions)),
    );
    return outputs.map((output) => packForGroups(output, perGroup));
  } catch (error) {
    throw asInputError(error);
  }
}

export function mapReduceReduce(input: MapReduceReduceInput): Partial {
  return reducePartitions(input.job, input.parts);
}

/** The partials combined, still compact: the event loop decodes the answer from it in slices. */
export function mapReduceMerge(input: MapReduceMergeInput): Partial {
  return combinePartials(input.job, input.partials);
}
