/**
 * Over HTTP, a word count written as user functions (test/helpers/sandbox.ts, the built-in
 * word definition) equals the built-in `wordcount` on random texts, whatever the placement
 * asked for, the batching (servers with automatic, 64-byte and 256-byte batches), the thread
 * and so partition count, the input form (JSON documents, text/plain lines, NDJSON) and
 * whether a combine runs. The kernel-level version is test/sandbox/wordcount.test.ts.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import fc from 'fast-check';
import { compareCodePoints, MAX_TOP_WORDS } from '../../src/compute/mapreduce/index.js';
import { type TestApp, startTestApp } from '../helpers/app.js';
import { WORD_COUNT, WORD_COUNT_NO_COMBINE } from '../helpers/sandbox.js';

interface Server {
  readonly app: TestApp;
  /** Stored function ids: with and without combine. */
  readonly ids: { readonly combine: string; readonly plain: string };
}

const settings = [
  { POOL_THREADS: '2' },
  { POOL_THREADS: '2', SANDBOX_BATCH_BYTES: '64' },
  { POOL_THREADS: '1', SANDBOX_BATCH_BYTES: '256' },
];
const servers: Server[] = [];

before(async () => {
  for (const overrides of settings) {
    const app = startTestApp(overrides);
    const store = async (functions: typeof WORD_COUNT) => (await app.request.post('/v1/functions').send({ name: 'wordcount', ...functions }).expect(201)).body.id as string;
    servers.push({ app, ids: { combine: await store(WORD_COUNT), plain: await store(WORD_COUNT_NO_COMBINE) } });
  }
});
after(async () => {
  for (const { app } of servers) await app.close();
});

// The edges of the word definition (see test/sandbox/wordcount.test.ts).
const PIECES = [
  'a', 'Z', 'word', 'Word', 'é', 'É', 'e\u0301', 'ß', 'İ', 'Σ', 'ΑΣ', 'ς', 'ΑΣ.Β', '\u212a', 'ǅ', '𝐀', '中文', '٣', '42',
  "'", '’', "don't", 'l’été', ' ', ' ', '  ', '\t', '\n', '\n', '\r\n', '.', ',', '-', '😀', '\u00a0', '_',
];
const texts = fc.array(fc.constantFrom(...PIECES), { minLength: 1, maxLength: 120 }).map((pieces) => pieces.join(''));

type Form = 'json' | 'lines' | 'ndjson';

interface WordCount {
  totalWords: number;
  distinctWords: number;
  top: Array<{ word: string; count: number }>;
}

function asWordCount(results: ReadonlyArray<{ key: string | number; value: unknown }>): WordCount {
  const top = results
    .map(({ key, value }) => ({ word: String(key), count: value as number }))
    .sort((a, b) => b.count - a.count || compareCodePoints(a.word, b.word));
  return { totalWords: top.reduce((sum, entry) => sum + entry.count, 0), distinctWords: top.length, top };
}

function linesOf(text: string): string[] {
  const lines = text.split('\n');
  if (lines.at(-1) === '') lines.pop();
  return lines;
}

async function builtIn(app: TestApp, text: string, route: string): Promise<WordCount> {
  const response = await app.request.post(`/v1/mapreduce?job=wordcount&top=${MAX_TOP_WORDS}`).set('Content-Type', 'text/plain').set('X-Crunch-Route', route).send(text).expect(200);
  const { totalWords, distinctWords, top } = response.body as WordCount;
  return { totalWords, distinctWords, top };
}

async function custom(server: Server, text: string, form: Form, combine: boolean, route: string): Promise<{ body: unknown; counted: WordCount }> {
  const id = combine ? server.ids.combine : server.ids.plain;
  const { app } = server;
  const request =
    form === 'json'
      ? app.request.post('/v1/mapreduce').send({ job: 'custom', ...(combine ? WORD_COUNT : WORD_COUNT_NO_COMBINE), documents: linesOf(text) })
      : app.request
          .post(`/v1/mapreduce?job=custom&function=${id}`)
          .set('Content-Type', form === 'lines' ? 'text/plain' : 'application/x-ndjson')
          .send(form === 'lines' ? text : linesOf(text).map((line) => JSON.stringify(line)).join('\n'));
  const response = await request.set('X-Crunch-Route', route).expect(200);
  assert.equal(response.headers['x-crunch-route'], 'pool');
  return { body: response.body, counted: asWordCount(response.body.results) };
}

test('a user word count equals the built-in wordcount on random texts, placements, batchings, forms and combines', async () => {
  await fc.assert(
    fc.asyncProperty(
      texts.filter((text) => linesOf(text).length > 0),
      fc.integer({ min: 0, max: servers.length - 1 }),
      fc.constantFrom('inline', 'sliced', 'pool'),
      fc.constantFrom<Form>('json', 'lines', 'ndjson'),
      fc.boolean(),
      async (text, server, route, form, combine) => {
        const expected = await builtIn(servers[server]!.app, text, route);
        assert.deepEqual((await custom(servers[server]!, text, form, combine, route)).counted, expected);
      },
    ),
    { numRuns: 30 },
  );
});

test('one text gives the same body on every server, placement and form', async () => {
  const random = fc.sample(fc.array(fc.constantFrom(...PIECES), { minLength: 400, maxLength: 400 }), { numRuns: 1, seed: 12 })[0]!;
  const text = random.join('');
  const expected = await builtIn(servers[0]!.app, text, 'pool');
  let first: unknown;
  for (const server of servers) {
    for (const route of ['inline', 'pool']) {
      for (const form of ['lines', 'ndjson'] as const) {
        const { body, counted } = await custom(server, text, form, true, route);
        assert.deepEqual(counted, expected);
        const { function: _id, ...rest } = body as { function?: string };
        first ??= rest;
        assert.deepEqual(rest, first);
      }
    }
  }
});

test('a 1.5 MB upload, cut into two batches for two threads, counts as the built-in does', async () => {
  const random = fc.sample(fc.array(fc.constantFrom(...PIECES), { minLength: 600_000, maxLength: 600_000 }), { numRuns: 1, seed: 3 })[0]!;
  const text = random.join('');
  const expected = await builtIn(servers[0]!.app, text, 'pool');
  for (const form of ['lines', 'ndjson'] as const) assert.deepEqual((await custom(servers[0]!, text, form, true, 'pool')).counted, expected);
});

test('without combine, reduce sees every value in document order on every server, in every form', async () => {
  const lines = Array.from({ length: 100 }, (_, index) => `line ${index} ${'·'.repeat(index % 9)}`);
  const map = 'function map(document, emit) { emit(document.length % 3, document); emit("all", document); }';
  const reduce = 'function reduce(key, values) { return values; }';
  for (const server of servers) {
    const stored = await server.app.request.post('/v1/functions').send({ name: 'order', map, reduce }).expect(201);
    const bodies = [
      await server.app.request.post('/v1/mapreduce').send({ job: 'custom', map, reduce, documents: lines }).expect(200),
      await server.app.request.post(`/v1/mapreduce?job=custom&function=${stored.body.id}`).set('Content-Type', 'text/plain').send(`${lines.join('\n')}\n`).expect(200),
    ];
    for (const { body } of bodies) {
      const results = new Map((body.results as Array<{ key: string | number; value: string[] }>).map(({ key, value }) => [key, value]));
      assert.deepEqual(results.get('all'), lines);
      for (const remainder of [0, 1, 2]) assert.deepEqual(results.get(remainder), lines.filter((line) => line.length % 3 === remainder));
    }
  }
});
