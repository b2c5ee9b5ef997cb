/**
 * A custom MapReduce job (user map, combine and reduce functions) as dispatchable work. It
 * never runs on the event loop (`poolOnly`: user code takes whatever time it likes, and only
 * the sandbox can bound it), whatever the placement override says:
 *
 * - the text (`lines`: each line a document; `ndjson`: each non-blank line a JSON document;
 *   JSON documents arrive as NDJSON, src/inputs/mapreduce-custom.ts) is cut into batches on
 *   line boundaries; a big upload in shared memory is cut by a pool thread, so the loop never
 *   walks it, and its batches reach the threads as views;
 * - each batch is one sandbox map run on a pool thread (two per thread in flight), each
 *   partition one reduce run, each in a fresh isolate (src/sandbox/job.ts, runCustomPhases);
 * - the partitions' results come back as JSON text and are merged on a pool thread, so the
 *   loop only ever holds one string of at most SANDBOX_MAX_RESULT_BYTES.
 *
 * Progress: phase `map` counts batches, phase `reduce` partitions. With pure functions the
 * results do not depend on batching, partitions or threads (key order: numbers ascending,
 * then strings by code point).
 */
import { chunksFromBounds } from '../../compute/mapreduce/split.js';
import type { Work } from '../../dispatch/dispatcher.js';
import type { PlanContext } from '../../operations/types.js';
import type { SandboxReduceJsonOutput } from '../../pool/tasks/sandbox.js';
import {
  runCustomPhases,
  sandboxBatchBytes,
  SandboxLimitError,
  textBatches,
  transferablesOf,
  type SandboxBatch,
  type SandboxFunctions,
} from '../../sandbox/index.js';

/** What a custom job reads: user sources and UTF-8 text. */
export interface CustomMapReduceInput {
  readonly functions: SandboxFunctions;
  /** `lines`: each line is a string document; `ndjson`: each non-blank line is a JSON document. */
  readonly format: 'lines' | 'ndjson';
  readonly text: Uint8Array;
  /** The stored function's id, when it was invoked by id (echoed in the result). */
  readonly function?: string;
}

export interface CustomMapReduceValue {
  readonly documents: number;
  readonly emitted: number;
  /** How many results `resultsJson` holds. */
  readonly count: number;
  /** `[{"key":…,"value":…},…]` in key order. */
  readonly resultsJson: string;
}

/**
 * Thread time per input byte of a simple user function (the bench's word count ran at 19-24
 * MB/s per thread, sandboxed) and per sandbox run (a fresh isolate, the pool and IPC round trip
 * and a cold JIT: 20-40 ms). User code may be far slower; the deadline and the sandbox's CPU
 * limit stop it, the estimate only keeps admission and the job deadline check honest.
 */
const MICROS_PER_BYTE = 0.05;
const MICROS_PER_RUN = 25_000;
/** One reduce partition per this many input bytes (each partition's values must fit one isolate). */
const PARTITION_BYTES = 16 << 20;
const MAX_PARTITIONS = 64;
/** Batches of one job at most: a tiny SANDBOX_BATCH_BYTES on a big upload must not make millions of them on the loop. */
const MAX_BATCHES = 4096;

/** At least one partition per thread (reduce runs in parallel), more as the input grows. */
export function customPartitionCount(bytes: number, threads: number): number {
  return Math.min(MAX_PARTITIONS, Math.max(1, threads, Math.ceil(bytes / PARTITION_BYTES)));
}

export function customMapReduceWork(input: CustomMapReduceInput, context: PlanContext): Work<CustomMapReduceValue> {
  const { functions, format, text } = input;
  const limits = context.limits.sandbox;
  const threads = Math.max(1, context.threads);
  const batchBytes = Math.max(context.limits.sandboxBatchBytes ?? sandboxBatchBytes(text.length, threads), Math.ceil(text.length / MAX_BATCHES));
  const partitions = customPartitionCount(text.length, threads);
  const runs = Math.ceil(text.length / batchBytes) + partitions + (partitions > 1 ? 1 : 0);
  return {
    operation: 'mapreduce.custom',
    costMicros: text.length * MICROS_PER_BYTE + runs * MICROS_PER_RUN,
    poolOnly: true,
    describe: `custom map/reduce over ${text.length} bytes`,
    inline: () => {
      throw new Error('custom MapReduce jobs run only on the pool');
    },
    pool: async (run, _signal, progress) => {
      // Cut here, not in the plan: a run transfers its batches' buffers away.
      let batches: SandboxBatch[];
      if (text.buffer instanceof SharedArrayBuffer) {
        const bounds = await run('mapReduceSplit', { bytes: text, chunkBytes: batchBytes, lineNumbers: true, cut: 'lines' });
        batches = chunksFromBounds(text, bounds).map((chunk) => ({ documents: { format, text: chunk.bytes }, firstDocument: chunk.firstLine - 1 }));
      } else {
        batches = textBatches(text, format, batchBytes);
      }
      const { partials, documents, emitted } = await runCustomPhases<SandboxReduceJsonOutput>(
        {
          map: (request) => run('sandboxMap', request, { transferList: transferablesOf(request) }),
          reduce: (request) => run('sandboxReduceJson', request),
        },
        { functions, batches, partitions, limits, lanes: threads * 2 },
        progress,
      );
      let bytes = 0;
      for (const partial of partials) bytes += partial.bytes;
      if (bytes > limits.maxResultBytes) {
        throw new SandboxLimitError(`the results are ${bytes} bytes of JSON; at most ${limits.maxResultBytes} are allowed`, 'result', limits.maxResultBytes, 'bytes');
      }
      const merged =
        partials.length === 0
          ? { json: '[]', count: 0 }
          : partials.length === 1
            ? partials[0]!
            : await run('sandboxMergeJson', { parts: partials.map(({ json, bytes }) => ({ json, bytes })), maxResultBytes: limits.maxResultBytes });
      return { documents, emitted, count: merged.count, resultsJson: merged.json };
    },
  };
}
