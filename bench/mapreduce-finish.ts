/**
 * What the event loop does with the largest MapReduce answers allowed (a top of 100 000 words,
 * an index of 10^6 ids): receive the merged partial (compact records), build the answer from it
 * in slices, and render it in jsonArrayResponse's slices of 16 384 items. Prints the longest
 * slice of each step beside one whole JSON.stringify of the answer (what rendering cost before).
 *
 *   node --import tsx bench/mapreduce-finish.ts
 */
import v8 from 'node:v8';
import { printTable } from './lib/table.js';
import { combinePartials, finishInSlices, mapChunk, reducePartitions, splitInput, splitOptionsFor, type JobSpec } from '../src/compute/mapreduce/index.js';
function distinct(count: number, perLine: number): Uint8Array {
  let text = '';
  for (let i = 0; i < count; i++) text += (i + 26 ** 4).toString(26).replace(/[0-9]/g, (d) => 'qrstuvwxyz'[+d]!) + ((i + 1) % perLine === 0 ? '\n' : ' ');
  return new TextEncoder().encode(text);
}
const cases: Array<[string, JobSpec, Uint8Array]> = [
  ['wordcount top 100000', { kind: 'wordcount', top: 100_000 }, distinct(300_000, 16)],
  // 100 000 words each on 10+ lines: the answer holds 10^6 ids.
  ['index 100000 words x 10 ids', { kind: 'index', maxWords: 100_000, maxDocumentsPerWord: 10 }, (() => { const one = distinct(100_000, 1_000_000); const parts = []; for (let r = 0; r < 11; r++) parts.push(one, new Uint8Array([10])); return Buffer.concat(parts); })()],
];
const rows: Array<Record<string, string | number>> = [];
for (const [name, job, bytes] of cases) {
  const chunks = splitInput(bytes, 1 << 20, splitOptionsFor(job));
  const outputs = chunks.map((chunk) => mapChunk(job, chunk, 4));
  const partials = [0, 1, 2, 3].map((p) => reducePartitions(job, [outputs.map((o) => o.partitions[p]!)]));
  const combined = combinePartials(job, partials);
  const wire = v8.serialize(combined);
  let t = performance.now();
  const arrived = v8.deserialize(wire);
  const deser = performance.now() - t;
  let longest = 0;
  let slices = 0;
  t = performance.now();
  const result = await finishInSlices(job, arrived, async () => {
    longest = Math.max(longest, performance.now() - t);
    slices++;
    await new Promise((resolve) => setImmediate(resolve));
    t = performance.now();
  });
  longest = Math.max(longest, performance.now() - t);
  // The longest render slice: 16 384 items of the list, as jsonArrayResponse renders them.
  const list = (result as unknown as Record<string, unknown[]>)[job.kind === 'wordcount' ? 'top' : 'words']!;
  t = performance.now();
  let text = '';
  for (let i = 0; i < Math.min(16_384, list.length); i++) text += JSON.stringify(list[i]);
  const render = performance.now() - t;
  t = performance.now();
  JSON.stringify(result);
  const whole = performance.now() - t;
  rows.push({
    answer: name,
    'merged partial KB': Math.round(wire.length / 1024),
    'its deserialize ms': deser,
    'finish slices': slices + 1,
    'longest finish slice ms': longest,
    'longest render slice ms': render,
    'one whole JSON.stringify ms': whole,
  });
  if (text.length === 0) throw new Error('nothing rendered');
}
printTable(`Finishing the largest MapReduce answers on the event loop, node ${process.version}`, rows);
