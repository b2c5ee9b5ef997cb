import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { type TestApp, problemOf, startTestApp } from '../helpers/app.js';
import type { ProgressUpdate } from '../../src/dispatch/dispatcher.js';
import { ComputeInputError } from '../../src/compute/errors.js';
import { MAX_RESULT_TEXT_BYTES, runJobInline, type JobSpec } from '../../src/compute/mapreduce/index.js';
import { mapReduceWork, partitionCount } from '../../src/features/mapreduce/work.js';

let app: TestApp;
before(() => {
  app = startTestApp({ MAX_BODY_BYTES: String(1 << 20), MAX_BINARY_BODY_BYTES: String(16 << 20) });
});
after(() => app.close());

/** Deterministic text with accents, apostrophes, CRLF, digits, key,value lines and long-ish lines. */
function generate(bytes: number, seed = 7): string {
  let s = seed;
  const next = () => ((s = (Math.imul(s, 1103515245) + 12345) >>> 0) >>> 8) / (1 << 24);
  const words = ['the', 'The', 'cat', 'sat', 'école', 'École', "don't", 'naïve', '日本', 'x42', 'ΣΑΣ', 'l’été', 'dog', 'on', 'error', 'warn'];
  const separators = [' ', ' ', ', ', '. ', ' - ', '\n', '\r\n', ',', ',1.5\n', ',-2\n'];
  let text = '';
  while (text.length < bytes) text += words[Math.floor(next() * words.length)]! + separators[Math.floor(next() * separators.length)]!;
  return text;
}

/** Naive word count written plainly: a regex for words, lower-cased, counted in a Map. */
function naiveTop(text: string, top: number): Array<{ word: string; count: number }> {
  const counts = new Map<string, number>();
  for (const match of text.match(/[\p{L}\p{M}\p{N}]+(?:['\u2019][\p{L}\p{M}\p{N}]+)*/gu) ?? []) {
    const word = match.toLowerCase();
    counts.set(word, (counts.get(word) ?? 0) + 1);
  }
  return [...counts]
    .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0))
    .slice(0, top)
    .map(([word, count]) => ({ word, count }));
}

const postText = (query: string, body: string | Buffer) =>
  app.request.post(`/v1/mapreduce?${query}`).set('Content-Type', 'text/plain; charset=utf-8').send(body);

describe('POST /v1/mapreduce', () => {
  test('wordcount over JSON documents', async () => {
    const response = await app.request
      .post('/v1/mapreduce')
      .send({ job: 'wordcount', documents: ['The cat sat.', 'The dog sat on the cat.'], top: 3 })
      .expect(200);
    assert.deepEqual(response.body, {
      job: 'wordcount',
      totalWords: 9,
      distinctWords: 5,
      top: [
        { word: 'the', count: 3 },
        { word: 'cat', count: 2 },
        { word: 'sat', count: 2 },
      ],
    });
  });

  test('wordcount over a text/plain upload matches a naive count', async () => {
    const text = generate(50_000);
    const response = await postText('job=wordcount&top=20', text).expect(200);
    assert.deepEqual(response.body.top, naiveTop(text, 20));
  });

  const jobs: Array<[string, string]> = [
    ['wordcount', 'job=wordcount&top=50'],
    ['wordcount (no folding)', 'job=wordcount&top=50&caseFold=false'],
    ['letters', 'job=letters'],
    ['index', 'job=index&maxWords=30&maxDocumentsPerWord=40'],
    ['grep', `job=grep&pattern=${encodeURIComponent('^(?:the|dog)\\b.*[0-9]$')}&ignoreCase=true&maxMatches=500`],
    ['grep literal', 'job=grep&pattern=%C3%A9cole&literal=true'],
    ['sumbykey', 'job=sumbykey'],
  ];
  const big = generate(600_000, 11);
  for (const [name, query] of jobs) {
    test(`${name}: inline, sliced and pool routes give identical bodies`, async () => {
      const bodies: string[] = [];
      for (const route of ['inline', 'sliced', 'pool']) {
        const response = await postText(query, big).set('X-Crunch-Route', route).expect(200);
        // A grep must stay stoppable by its deadline: it runs on the pool whatever the override.
        const grep = query.startsWith('job=grep');
        assert.equal(response.headers['x-crunch-route'], grep ? 'pool' : route);
        bodies.push(response.text);
      }
      assert.equal(bodies[1], bodies[0]);
      assert.equal(bodies[2], bodies[0]);
      assert.ok(bodies[0]!.length > 50, bodies[0]);
    });
  }

  test('JSON documents: pool and inline agree, document ids are indexes', async () => {
    const documents = Array.from({ length: 300 }, (_, i) => generate(200 + (i % 7) * 300, i));
    const bodies: unknown[] = [];
    for (const route of ['inline', 'pool']) {
      const response = await app.request
        .post('/v1/mapreduce')
        .set('X-Crunch-Route', route)
        .send({ job: 'index', documents, maxWords: 5, maxDocumentsPerWord: 1000 })
        .expect(200);
      bodies.push(response.body);
    }
    assert.deepEqual(bodies[1], bodies[0]);
    const words = (bodies[0] as { words: Array<{ word: string; documents: number[] }> }).words;
    for (const { word, documents: ids } of words) {
      const expected = documents.flatMap((d, i) => (naiveTop(d, 1e6).some((w) => w.word === word) ? [i] : []));
      assert.deepEqual(ids, expected, word);
    }
  });

  test('a big upload goes to the pool on its own', async () => {
    const response = await postText('job=wordcount&top=5', generate(1_500_000, 3)).expect(200);
    assert.equal(response.headers['x-crunch-route'], 'pool');
    assert.match(String(response.headers['server-timing']), /route;desc="pool"/);
  });

  test('the pool route reports map and reduce progress', async () => {
    const updates: ProgressUpdate[] = [];
    const input = new TextEncoder().encode(generate(400_000, 5));
    const outcome = await app.services.dispatcher.run(mapReduceWork({ kind: 'wordcount', top: 3 }, input, 2), {
      placement: 'pool',
      progress: (update) => updates.push(update),
    });
    assert.equal(outcome.placement, 'pool');
    const map = updates.filter((u) => u.phase === 'map');
    const reduce = updates.filter((u) => u.phase === 'reduce');
    assert.ok(map.length >= 3, JSON.stringify(map));
    assert.deepEqual(map.at(-1), { phase: 'map', done: map[0]!.total, total: map[0]!.total });
    assert.ok(map.every((u, i) => i === 0 || u.done >= map[i - 1]!.done));
    assert.deepEqual(reduce.at(-1), { phase: 'reduce', done: 2, total: 2 });
    assert.ok(updates.indexOf(reduce[0]!) > updates.indexOf(map.at(-1)!));
  });
});

/** `count` distinct words (bijective base 26 from 26^3), one line or `perLine` to a line. */
function distinctWords(count: number, perLine = Number.POSITIVE_INFINITY): string {
  let text = '';
  for (let i = 0; i < count; i++) {
    let n = i + 26 ** 3;
    let word = '';
    while (n > 0) {
      n -= 1;
      word = String.fromCharCode(0x61 + (n % 26)) + word;
      n = Math.floor(n / 26);
    }
    text += (i % 9 === 4 ? word.toUpperCase() : word) + ((i + 1) % perLine === 0 ? '\n' : ' ');
  }
  return text;
}

describe('MapReduce on the pool at scale (issue 9, small limits)', () => {
  const runPool = (job: JobSpec, input: Uint8Array, options: Parameters<typeof mapReduceWork>[3] = {}) =>
    app.services.dispatcher.run(mapReduceWork(job, input, 2, options), { placement: 'pool' });

  test('the partition count grows with the input size, not only with the threads', () => {
    assert.equal(partitionCount(1000, 2), 2);
    assert.equal(partitionCount(256 * 1024 * 1024, 2), 512);
    assert.equal(partitionCount(10_000, 2, 100), 50);
  });

  test('many partitions, tiny chunks: wordcount, index and sumbykey over 40 000 distinct words equal the references', async () => {
    const text = distinctWords(40_000, 23) + distinctWords(5_000, 7);
    const input = new TextEncoder().encode(text);
    const options = { keysPerPartition: 300, chunkBytes: 8 * 1024 };
    const count = await runPool({ kind: 'wordcount', top: 2000 }, input, options);
    assert.deepEqual(count.value, { kind: 'wordcount', totalWords: 45_000, distinctWords: 40_000, top: naiveTop(text, 2000) });
    assert.ok(count.tasks > 10, `${count.tasks} tasks`);
    for (const job of [{ kind: 'index', maxWords: 3000, maxDocumentsPerWord: 3 }, { kind: 'sumbykey', maxKeys: 100 }] as JobSpec[]) {
      const pooled = await runPool(job, input, options);
      assert.deepEqual(pooled.value, runJobInline(job, input), job.kind);
    }
  });

  test('a single long line is mapped in parallel chunks and gives the reference answer', async () => {
    const text = distinctWords(60_000);
    const input = new TextEncoder().encode(text);
    const progress: ProgressUpdate[] = [];
    const outcome = await app.services.dispatcher.run(mapReduceWork({ kind: 'wordcount', top: 100 }, input, 2, { chunkBytes: 16 * 1024 }), {
      placement: 'pool',
      progress: (update) => progress.push(update),
    });
    assert.deepEqual(outcome.value, { kind: 'wordcount', totalWords: 60_000, distinctWords: 60_000, top: naiveTop(text, 100) });
    assert.ok(progress.find((u) => u.phase === 'map')!.total >= Math.floor(input.length / (16 * 1024)), JSON.stringify(progress[0]));
    const index = await runPool({ kind: 'index', maxWords: 50, maxDocumentsPerWord: 2 }, input, { chunkBytes: 16 * 1024 });
    assert.deepEqual(index.value, runJobInline({ kind: 'index', maxWords: 50, maxDocumentsPerWord: 2 }, input, { chunkBytes: 1 << 30 }));
  });

  test('a list longer than one render slice is streamed as the same JSON, on every route', async () => {
    const text = distinctWords(30_000, 11);
    const bodies: string[] = [];
    for (const route of ['inline', 'pool']) {
      const response = await postText('job=wordcount&top=20000', text).set('X-Crunch-Route', route).expect(200);
      assert.deepEqual(JSON.parse(response.text), { job: 'wordcount', totalWords: 30_000, distinctWords: 30_000, top: naiveTop(text, 20_000) });
      bodies.push(response.text);
    }
    assert.equal(bodies[1], bodies[0]);
    const index = await postText('job=index&maxWords=20000&maxDocumentsPerWord=2', text).expect(200);
    const { kind, ...expected } = runJobInline({ kind: 'index', maxWords: 20_000, maxDocumentsPerWord: 2 }, new TextEncoder().encode(text));
    assert.equal(index.body.words.length, 20_000);
    assert.deepEqual(index.body, { job: kind, ...expected });
  });

  test('a result too large to return is a client error from the pool, naming the limit', async () => {
    const input = new TextEncoder().encode(`${'x'.repeat(MAX_RESULT_TEXT_BYTES + 1)}\n`);
    await assert.rejects(runPool({ kind: 'grep', pattern: 'x', literal: true }, input), (error: unknown) => {
      return error instanceof ComputeInputError && /MAX_RESULT_TEXT_BYTES/.test(error.message);
    });
  });
});

describe('POST /v1/mapreduce: text uploads', () => {
  test('consecutive big uploads of different texts each get their own counts (body buffers are reused)', async () => {
    for (const [bytes, seed] of [[700_000, 21], [400_000, 22], [650_000, 23]] as const) {
      const text = generate(bytes, seed);
      const response = await postText('job=wordcount&top=30', text).expect(200);
      assert.deepEqual(response.body.top, naiveTop(text, 30));
    }
  });

  test('invalid UTF-8 deep in a big upload is a 400 with its exact offset', async () => {
    const bytes = Buffer.from(generate(2_000_000, 13), 'utf8');
    const offset = bytes.indexOf(0x20, bytes.length - 1000); // a space: the bad byte starts no sequence of its own
    bytes[offset] = 0xff;
    const problem = problemOf(await postText('job=wordcount', bytes).expect(400));
    assert.match(problem.detail, new RegExp(`offset ${offset}\\b`));
  });

  test('a text upload can be a job with an Idempotency-Key', async () => {
    const first = await postText('job=letters', 'abc\n').set('Prefer', 'respond-async').set('Idempotency-Key', 'mr-letters-1').expect(202);
    const again = await postText('job=letters', 'abc\n').set('Prefer', 'respond-async').set('Idempotency-Key', 'mr-letters-1').expect(202);
    assert.equal(again.headers['location'], first.headers['location']);
    let body: { status?: string; result?: unknown } = {};
    for (let i = 0; i < 100 && body.status !== 'succeeded'; i++) {
      body = (await app.request.get(String(first.headers['location'])).expect(200)).body as typeof body;
      if (body.status !== 'succeeded') await new Promise((resolve) => setTimeout(resolve, 20));
    }
    assert.deepEqual(body.result, { job: 'letters', totalLetters: 3, letters: [{ letter: 'a', count: 1 }, { letter: 'b', count: 1 }, { letter: 'c', count: 1 }] });
  });
});

describe('POST /v1/mapreduce: a slow regular expression cannot hold the event loop', () => {
  let slow: TestApp;
  before(() => {
    // Long enough for fresh threads to start (the first task waits for them), short for a test.
    slow = startTestApp({ REQUEST_TIMEOUT_MS: '2000' });
  });
  after(() => slow.close());

  test('even a tiny regex grep runs on the pool, and the deadline stops it', async () => {
    const small = await slow.request.post('/v1/mapreduce?job=grep&pattern=cat').set('Content-Type', 'text/plain').send('cat\ndog\n').expect(200);
    assert.equal(small.headers['x-crunch-route'], 'pool');
    // Allowed by the guard (no nested quantifier), but polynomial: 80 characters take seconds.
    const started = performance.now();
    const problem = problemOf(
      await slow.request
        .post(`/v1/mapreduce?job=grep&pattern=${encodeURIComponent('a*a*a*a*a*a*c')}`)
        .set('Content-Type', 'text/plain')
        .send(`${'a'.repeat(200)}\n`)
        .expect(422),
    );
    assert.equal(problem.type, 'https://crunch.dev/problems/deadline-exceeded');
    assert.ok(performance.now() - started < 10_000);
    const after = await slow.request.post('/v1/mapreduce?job=grep&pattern=dog').set('Content-Type', 'text/plain').send('cat\ndog\n').expect(200);
    assert.equal(after.body.matchCount, 1);
  });

  test('a literal grep runs on the pool too (a substring search can be slow as well)', async () => {
    const response = await slow.request.post('/v1/mapreduce?job=grep&pattern=a*a&literal=true').set('Content-Type', 'text/plain').send('xa*ay\n').expect(200);
    assert.equal(response.headers['x-crunch-route'], 'pool');
    assert.equal(response.body.matchCount, 1);
  });
});

describe('POST /v1/mapreduce: bad input', () => {
  test('unknown job in JSON names the jobs', async () => {
    const problem = problemOf(await app.request.post('/v1/mapreduce').send({ job: 'wordcnt', documents: ['x'] }).expect(422));
    assert.equal(problem.errors?.[0]?.pointer, '/job');
    assert.match(problem.errors?.[0]?.message ?? '', /wordcount, letters, index, grep, sumbykey/);
  });

  test('unknown or missing job in the query', async () => {
    const unknown = problemOf(await postText('job=wordcnt', 'a b').expect(422));
    assert.equal(unknown.errors?.[0]?.pointer, '#/query/job');
    const missing = problemOf(await postText('top=3', 'a b').expect(422));
    assert.equal(missing.errors?.[0]?.pointer, '#/query/job');
  });

  test('an option of another job, or a bad number, is refused', async () => {
    const other = problemOf(await postText('job=letters&top=3', 'a b').expect(422));
    assert.equal(other.errors?.[0]?.pointer, '#/query/top');
    const bad = problemOf(await postText('job=wordcount&top=ten', 'a b').expect(422));
    assert.match(bad.errors?.[0]?.message ?? '', /whole number/);
    const tooBig = problemOf(await postText('job=wordcount&top=100001', 'a b').expect(422));
    assert.equal(tooBig.errors?.[0]?.pointer, '#/query/top');
    const json = problemOf(await app.request.post('/v1/mapreduce').send({ job: 'grep', pattern: 'x', documents: ['x'], top: 3 }).expect(422));
    assert.match(json.detail, /top/);
  });

  test('an index may not ask for more than a million ids in all', async () => {
    const viaQuery = problemOf(await postText('job=index&maxWords=100000&maxDocumentsPerWord=11', 'a b').expect(422));
    assert.equal(viaQuery.errors?.[0]?.pointer, '#/query/maxDocumentsPerWord');
    const viaJson = problemOf(
      await app.request.post('/v1/mapreduce').send({ job: 'index', documents: ['a'], maxWords: 1000, maxDocumentsPerWord: 1001 }).expect(422),
    );
    assert.equal(viaJson.errors?.[0]?.pointer, '/maxDocumentsPerWord');
    await postText('job=index&maxWords=100000&maxDocumentsPerWord=10', 'a b').expect(200);
  });

  test('query options with a JSON body are refused', async () => {
    const problem = problemOf(await app.request.post('/v1/mapreduce?top=3').send({ job: 'wordcount', documents: ['x'] }).expect(422));
    assert.equal(problem.errors?.[0]?.pointer, '#/query/top');
  });

  test('empty input', async () => {
    problemOf(await postText('job=wordcount', '').expect(422));
    const problem = problemOf(await app.request.post('/v1/mapreduce').send({ job: 'wordcount', documents: [] }).expect(422));
    assert.equal(problem.errors?.[0]?.pointer, '/documents');
  });

  test('invalid UTF-8 is a 400 naming the offset; other charsets a 415', async () => {
    const problem = problemOf(await postText('job=wordcount', Buffer.from([0x61, 0x62, 0x0a, 0xc3, 0x28])).expect(400));
    assert.match(problem.detail, /UTF-8.*offset 3/);
    problemOf(
      await app.request.post('/v1/mapreduce?job=wordcount').set('Content-Type', 'text/plain; charset=latin1').send('abc').expect(415),
    );
    problemOf(await app.request.post('/v1/mapreduce?job=wordcount').set('Content-Type', 'application/xml').send('<a/>').expect(415));
  });

  const patterns: Array<[string, string]> = [
    ['(a+)+$', 'nested-quantifier'],
    ['(a|aa)*', 'quantified-alternation'],
    ['(a)\\1', 'backreference'],
    ['a(?=b)', 'lookaround'],
    ['a{99999}', 'large-repeat'],
    ['[', 'invalid'],
  ];
  for (const [pattern, reason] of patterns) {
    test(`grep refuses ${pattern} (${reason}) before running it`, async () => {
      const viaQuery = await postText(`job=grep&pattern=${encodeURIComponent(pattern)}`, 'aaaa\n').set('X-Crunch-Route', 'pool').expect(422);
      const problem = problemOf(viaQuery) as ReturnType<typeof problemOf> & { reason?: string };
      assert.equal(problem.reason, reason);
      assert.equal(problem.errors?.[0]?.pointer, '#/query/pattern');
      const viaJson = problemOf(await app.request.post('/v1/mapreduce').send({ job: 'grep', pattern, documents: ['aaaa'] }).expect(422));
      assert.equal(viaJson.errors?.[0]?.pointer, '/pattern');
    });
  }

  test('an oversize upload is a 413', async () => {
    const problem = problemOf(await postText('job=wordcount', Buffer.alloc((16 << 20) + 1, 0x61)).expect(413));
    assert.match(problem.detail, /larger than/);
  });
});
