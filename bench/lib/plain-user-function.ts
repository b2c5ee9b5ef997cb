/**
 * The unsandboxed side of bench/sandbox.ts, in a worker thread of its own: the sandbox's
 * engine (src/sandbox/harness.ts) run in plain Node, and the same user functions in a bare
 * loop. Each request: `{ kind, bytes, batchBytes, runs }` -> `{ value, seconds }` (best run).
 */
import { parentPort } from 'node:worker_threads';
import { defaultConfig } from '../../src/config.js';
import { HARNESS_SOURCE } from '../../src/sandbox/harness.js';
import { textBatches, type SandboxResult } from '../../src/sandbox/index.js';
import { evaluableSource } from '../../src/sandbox/source.js';
import { WORD_COUNT } from '../../test/helpers/sandbox.js';

export interface PlainRequest {
  readonly kind: 'engine' | 'bare';
  readonly bytes: Uint8Array;
  readonly batchBytes: number;
  readonly runs: number;
}

const limits = defaultConfig().sandbox;

export async function best<T>(runs: number, run: () => Promise<T> | T): Promise<{ value: T; seconds: number }> {
  let value: T | undefined;
  let seconds = Number.POSITIVE_INFINITY;
  for (let i = 0; i < runs; i++) {
    const start = performance.now();
    value = await run();
    seconds = Math.min(seconds, (performance.now() - start) / 1000);
  }
  return { value: value as T, seconds };
}

type Dispatch = (op: string, ...args: unknown[]) => unknown;

/** The engine in this process, as the sandbox runs it but without the sandbox. */
function plainEngine(): Dispatch {
  const create = new Function(`return ${HARNESS_SOURCE}`)() as (global: object, evaluate: (code: string) => unknown, lockdown: boolean) => Dispatch;
  const dispatch = create(globalThis, (code) => (0, eval)(code), false);
  for (const name of ['map', 'combine', 'reduce'] as const) {
    const outcome = JSON.parse(dispatch('load', name, evaluableSource(name, WORD_COUNT[name]!)) as string) as { ok: boolean };
    if (!outcome.ok) throw new Error(`could not load ${name}`);
  }
  return dispatch;
}

function runPlainEngine(dispatch: Dispatch, bytes: Uint8Array, batchBytes: number): SandboxResult[] {
  const decoder = new TextDecoder();
  const parts: string[] = [];
  for (const { documents, firstDocument } of textBatches(bytes, 'lines', batchBytes)) {
    if (documents.format !== 'lines' || typeof documents.text === 'string') throw new Error('textBatches gave no bytes');
    const text = decoder.decode(documents.text);
    const answer = dispatch('map', text, 'lines', firstDocument, 1, limits.maxEmits, limits.maxEmitBytes) as string[];
    parts.push(answer[1]!);
  }
  const answer = dispatch('reduce', parts, limits.maxResultBytes) as string[];
  return (JSON.parse(answer[1]!) as Array<[string, number]>).map(([key, value]) => ({ key, value }));
}

/** The same user functions called directly: the least any JavaScript implementation pays. */
function runBareLoop(text: string): SandboxResult[] {
  const map = new Function(`${WORD_COUNT.map}; return map;`)() as (document: string, emit: (key: string, value: number) => void) => void;
  const reduce = new Function(`${WORD_COUNT.reduce}; return reduce;`)() as (key: string, values: number[]) => number;
  const groups = new Map<string, number[]>();
  const emit = (key: string, value: number): void => {
    const list = groups.get(key);
    if (list === undefined) groups.set(key, [value]);
    else list.push(value);
  };
  let start = 0;
  while (start < text.length) {
    let end = text.indexOf('\n', start);
    if (end === -1) end = text.length;
    map(text.slice(start, end), emit);
    start = end + 1;
  }
  return [...groups].map(([key, values]) => ({ key, value: reduce(key, values) }));
}

let engine: Dispatch | undefined;

parentPort?.on('message', (request: PlainRequest) => {
  void (async () => {
    const outcome =
      request.kind === 'engine'
        ? await best(request.runs, () => runPlainEngine((engine ??= plainEngine()), request.bytes, request.batchBytes))
        : await best(request.runs, () => runBareLoop(new TextDecoder().decode(request.bytes)));
    parentPort!.postMessage(outcome);
  })();
});
