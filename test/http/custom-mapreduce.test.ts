/**
 * The custom job over HTTP: user functions in a JSON body or stored and named by id, over JSON
 * documents, text/plain and NDJSON uploads, against a real pool and real sandbox processes.
 * Results are checked against independent computations of the same functions in plain
 * JavaScript; every failure a client can cause is a 4xx problem that says where.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { type TestApp, problemOf, startTestApp } from '../helpers/app.js';

let app: TestApp;
before(() => {
  app = startTestApp({ SANDBOX_CPU_MS: '1000', SANDBOX_MEMORY_MB: '64', SANDBOX_PROCESS_MEMORY_MB: '320', SANDBOX_MAX_EMITS: '1000000', MAX_BODY_BYTES: String(4 << 20) });
});
after(() => app.close());

const COUNT = 'function reduce(key, values) { return values.length; }';
const SUM = (name: string) => `function ${name}(key, values) { let total = 0; for (const v of values) total += v; return total; }`;
const WORDS = 'function map(document, emit) { for (const word of String(document).split(/\\s+/)) if (word !== "") emit(word, 1); }';

interface CustomBody {
  job: 'custom';
  function?: string;
  documents: number;
  emitted: number;
  results: Array<{ key: string | number; value: unknown }>;
}

const custom = (body: Record<string, unknown>) => app.request.post('/v1/mapreduce').send({ job: 'custom', ...body });

async function storeFunction(body: Record<string, unknown>): Promise<string> {
  const response = await app.request.post('/v1/functions').send({ name: 'test', ...body }).expect(201);
  return response.body.id as string;
}

describe('POST /v1/mapreduce with job "custom"', () => {
  test('runs map and reduce over JSON documents: numbers first, ascending, then strings by code point', async () => {
    const response = await custom({
      map: 'function map(d, emit) { emit(d.user, d.bytes); emit(d.bytes % 3, 1); }',
      reduce: SUM('reduce'),
      documents: [
        { user: 'zoë', bytes: 10 },
        { user: 'Ann', bytes: 5 },
        { user: 'zoë', bytes: 7 },
        { user: 'ann', bytes: 1 },
        { user: '😀', bytes: 2 },
        { user: '\uffff', bytes: 3 },
      ],
    }).expect(200);
    const body = response.body as CustomBody;
    assert.equal(response.headers['x-crunch-route'], 'pool');
    assert.deepEqual(body, {
      job: 'custom',
      documents: 6,
      emitted: 12,
      results: [
        { key: 0, value: 1 },
        { key: 1, value: 3 },
        { key: 2, value: 2 },
        { key: 'Ann', value: 5 },
        { key: 'ann', value: 1 },
        { key: 'zoë', value: 17 },
        // U+FFFF before U+1F600: code points, not UTF-16 units (where the surrogate pair would sort first).
        { key: '\uffff', value: 3 },
        { key: '😀', value: 2 },
      ],
    });
  });

  test('documents may be any JSON; values any JSON; reduce sees every value in document order without combine', async () => {
    const documents = [null, true, 0, -2.5, 'text', [1, [2]], { a: { b: [null] } }, JSON.parse('{"__proto__": "own key"}') as unknown, '', []];
    const response = await custom({
      map: 'function map(d, emit) { emit("all", d); emit(typeof d, JSON.stringify(d)); }',
      reduce: 'function reduce(key, values) { return values; }',
      documents,
    }).expect(200);
    const results = (response.body as CustomBody).results;
    const parsed = JSON.parse(JSON.stringify(documents)) as unknown[];
    assert.deepEqual(results.find((result) => result.key === 'all')?.value, parsed);
    const byType = new Map<string, string[]>();
    for (const document of parsed) {
      const type = document === null ? 'object' : Array.isArray(document) ? 'object' : typeof document;
      byType.set(type, [...(byType.get(type) ?? []), JSON.stringify(document)]);
    }
    for (const [type, values] of byType) assert.deepEqual(results.find((result) => result.key === type)?.value, values, type);
  });

  test('combine runs per batch, reduce combines its outputs: the same answer as without combine', async () => {
    const documents = Array.from({ length: 500 }, (_, index) => `w${index % 17} w${index % 5} common`);
    const withCombine = await custom({ map: WORDS, combine: SUM('combine'), reduce: SUM('reduce'), documents }).expect(200);
    const without = await custom({ map: WORDS, reduce: SUM('reduce'), documents }).expect(200);
    assert.deepEqual(withCombine.body, without.body);
    const expected = new Map<string, number>();
    for (const document of documents) for (const word of document.split(' ')) expected.set(word, (expected.get(word) ?? 0) + 1);
    assert.deepEqual(
      (withCombine.body as CustomBody).results.map(({ key, value }) => [key, value]),
      [...expected].sort((a, b) => (a[0] < b[0] ? -1 : 1)),
    );
  });

  test('never runs on the event loop, whatever X-Crunch-Route asks', async () => {
    for (const route of ['inline', 'sliced', 'pool']) {
      const response = await custom({ map: WORDS, reduce: COUNT, documents: ['a b a'] }).set('X-Crunch-Route', route).expect(200);
      assert.equal(response.headers['x-crunch-route'], 'pool', route);
      assert.deepEqual((response.body as CustomBody).results, [{ key: 'a', value: 2 }, { key: 'b', value: 1 }]);
    }
  });

  test('a stored function by id, in JSON, as text/plain lines and as NDJSON', async () => {
    const id = await storeFunction({ map: 'function map(d, emit) { emit(typeof d, 1); emit(String(d.n ?? d), 1); }', reduce: COUNT });
    const json = await custom({ function: id, documents: [{ n: 1 }, 'x', { n: 1 }] }).expect(200);
    assert.deepEqual(json.body, {
      job: 'custom',
      function: id,
      documents: 3,
      emitted: 6,
      results: [
        { key: '1', value: 2 },
        { key: 'object', value: 2 },
        { key: 'string', value: 1 },
        { key: 'x', value: 1 },
      ],
    });
    // Each line a string document; an empty line is a document too; CRLF reads like LF.
    const text = await app.request.post(`/v1/mapreduce/text?job=custom&function=${id}`).set('Content-Type', 'text/plain; charset=utf-8').send('x\r\n\ny\n').expect(200);
    assert.deepEqual(text.body.results, [
      { key: '', value: 1 },
      { key: 'string', value: 3 },
      { key: 'x', value: 1 },
      { key: 'y', value: 1 },
    ]);
    assert.equal(text.body.documents, 3);
    // Each non-blank line a JSON document.
    const ndjsonBody = '{"n":1}\n\n"x"\n  \n{"n":2}';
    const ndjson = await app.request.post(`/v1/mapreduce/ndjson?function=${id}`).set('Content-Type', 'application/x-ndjson').send(ndjsonBody).expect(200);
    assert.equal(ndjson.body.documents, 3);
    assert.deepEqual(ndjson.body.results, [
      { key: '1', value: 1 },
      { key: '2', value: 1 },
      { key: 'object', value: 2 },
      { key: 'string', value: 1 },
      { key: 'x', value: 1 },
    ]);
    // Earlier clients sent both uploads to POST /v1/mapreduce; it still answers the same.
    const legacyNdjson = await app.request.post(`/v1/mapreduce?job=custom&function=${id}`).set('Content-Type', 'application/x-ndjson').send(ndjsonBody).expect(200);
    assert.deepEqual(legacyNdjson.body, ndjson.body);
    const legacyText = await app.request.post(`/v1/mapreduce?job=custom&function=${id}`).set('Content-Type', 'text/plain').send('x\r\n\ny\n').expect(200);
    assert.deepEqual(legacyText.body, text.body);
  });

  test('an NDJSON upload may be larger than MAX_BODY_BYTES, as text uploads may', async () => {
    const id = await storeFunction({ map: 'function map(d, emit) { emit(d.k, d.n); }', combine: SUM('combine'), reduce: SUM('reduce') });
    const line = (index: number) => JSON.stringify({ k: `k${index % 3}`, n: index, pad: 'p'.repeat(40) });
    const lines = Array.from({ length: 90_000 }, (_, index) => line(index));
    const body = lines.join('\n');
    assert.ok(body.length > 4 << 20);
    const response = await app.request.post(`/v1/mapreduce/ndjson?function=${id}`).set('Content-Type', 'application/x-ndjson').send(body);
    assert.equal(response.status, 200, response.text);
    const sums = [0, 1, 2].map((r) => Array.from({ length: 90_000 }, (_, index) => index).filter((index) => index % 3 === r).reduce((a, b) => a + b, 0));
    assert.deepEqual(response.body.results, sums.map((value, r) => ({ key: `k${r}`, value })));
  });

  test('a large upload is split over both threads and gives what one batch gives', async () => {
    const id = await storeFunction({ map: WORDS, combine: SUM('combine'), reduce: SUM('reduce') });
    const lines = Array.from({ length: 60_000 }, (_, index) => `line ${index % 1000} of ${index % 7} ünï ${index}`);
    const text = `${lines.join('\n')}\n`;
    const big = await app.request.post(`/v1/mapreduce?job=custom&function=${id}`).set('Content-Type', 'text/plain').send(text);
    assert.equal(big.status, 200, big.text);
    const expected = new Map<string, number>();
    for (const line of lines) for (const word of line.split(/\s+/)) expected.set(word, (expected.get(word) ?? 0) + 1);
    assert.equal(big.body.documents, lines.length);
    assert.equal(big.body.results.length, expected.size);
    for (const { key, value } of big.body.results as CustomBody['results']) assert.equal(value, expected.get(String(key)), String(key));
  });
});

describe('large JSON bodies are parsed on a pool thread, with the same answers and errors', () => {
  // Over JSON_INLINE_PARSE_BYTES (256 KiB): parsed by the parseBody task, its NDJSON in shared memory, cut by a pool thread.
  const documents = Array.from({ length: 20_000 }, (_, index) => ({ id: index, tags: [`t${index % 13}`, `u${index % 7}`], note: 'x'.repeat(index % 20) }));

  test('results', async () => {
    const response = await custom({ map: 'function map(d, emit) { for (const tag of d.tags) emit(tag, d.id); }', reduce: SUM('reduce'), documents }).expect(200);
    const expected = new Map<string, number>();
    for (const { id, tags } of documents) for (const tag of tags) expected.set(tag, (expected.get(tag) ?? 0) + id);
    assert.equal(response.body.documents, documents.length);
    assert.deepEqual(
      (response.body as CustomBody).results.map(({ key, value }) => [key, value]),
      [...expected].sort((a, b) => (a[0] < b[0] ? -1 : 1)),
    );
  });

  test('a source over its limit, found by the parser on the thread, is the same 422', async () => {
    const response = await custom({ map: `function map(d, emit) {}\n//${'x'.repeat(70_000)}`, reduce: COUNT, documents }).expect(422);
    const problem = problemOf(response) as ReturnType<typeof problemOf> & Record<string, unknown>;
    assert.deepEqual([problem.type, problem['limit'], problem['function']], ['https://crunch.dev/problems/sandbox-limit', 'source', 'map']);
  });
});

describe('what a client gets wrong is a 4xx problem naming it', () => {
  const type = (name: string) => `https://crunch.dev/problems/${name}`;

  test('a syntax error names the function, line and column', async () => {
    const response = await custom({ map: WORDS, reduce: 'function reduce(key, values) {\n  return values.length +;\n}', documents: ['a'] }).expect(422);
    const problem = problemOf(response) as ReturnType<typeof problemOf> & Record<string, unknown>;
    assert.equal(problem.type, type('sandbox-syntax'));
    assert.equal(problem['function'], 'reduce');
    assert.equal(problem['line'], 2);
    assert.equal(problem['column'], 25);
    assert.match(problem.detail, /line 2, column 25/);
  });

  test('an exception names its message, line and document; a non-Error throw too', async () => {
    const thrown = await custom({ map: 'function map(d, emit) {\n  if (d === "bad") {\n    throw new RangeError("bad document: " + d);\n  }\n}', reduce: COUNT, documents: ['ok', 'bad'] }).expect(422);
    const problem = problemOf(thrown) as ReturnType<typeof problemOf> & Record<string, unknown>;
    assert.equal(problem.type, type('sandbox-exception'));
    assert.match(problem.detail, /RangeError: bad document: bad/);
    assert.equal(problem['thrown'], 'RangeError');
    assert.equal(problem['line'], 3);
    assert.equal(problem['document'], 1);
    const loops = await custom({ map: 'function map(d, emit) {\n  throw { toString() { for (;;) {} } };\n}', reduce: COUNT, documents: ['x'] }).expect(422);
    const looping = problemOf(loops) as ReturnType<typeof problemOf> & Record<string, unknown>;
    assert.equal(looping.type, type('sandbox-exception'));
    assert.equal(looping['thrown'], 'object');
    assert.equal(looping['line'], 2);
  });

  test('a value that is not JSON', async () => {
    const response = await custom({ map: WORDS, reduce: 'function reduce() { return () => 1; }', documents: ['a'] }).expect(422);
    assert.equal(problemOf(response).type, type('sandbox-value'));
  });

  const limits: Array<[string, Record<string, unknown>, string, number]> = [
    ['cpu', { map: 'function map(d, emit) { for (;;) {} }' }, 'cpu', 1000],
    ['memory', { map: 'function map(d, emit) { const a = []; for (;;) { const t = new Uint8Array(16 << 20); t.fill(1); a.push(t); } }' }, 'memory', 64],
    ['stack', { map: 'function map(d, emit) { const f = (n) => f(n + 1) + 1; f(0); }' }, 'stack', 1024],
    ['output', { map: 'function map(d, emit) { for (let i = 0; ; i++) emit(i % 7, i); }' }, 'output', 1_000_000],
    ['result', { reduce: 'function reduce(key) { return "r".repeat(17 << 20); }' }, 'result', 16 << 20],
    ['source', { map: `function map(d, emit) {}\n//${'x'.repeat(70_000)}` }, 'source', 64 * 1024],
  ];
  for (const [name, functions, limit, maximum] of limits) {
    test(`a run past its ${name} limit: 422 sandbox-limit naming "${limit}" and its maximum`, async () => {
      const response = await custom({ map: WORDS, reduce: COUNT, documents: ['a b'], ...functions }).expect(422);
      const problem = problemOf(response) as ReturnType<typeof problemOf> & Record<string, unknown>;
      assert.equal(problem.type, type('sandbox-limit'), problem.detail);
      assert.equal(problem['limit'], limit);
      assert.equal(problem['maximum'], maximum);
      assert.match(problem.detail, /The limit is SANDBOX_/);
    });
  }

  test('then the server still answers right', async () => {
    const response = await custom({ map: WORDS, reduce: COUNT, documents: ['b a b'] }).expect(200);
    assert.deepEqual(response.body.results, [{ key: 'a', value: 1 }, { key: 'b', value: 2 }]);
  });

  test('shape errors are 422 validation problems with pointers', async () => {
    const cases: Array<[Record<string, unknown>, string]> = [
      [{ reduce: COUNT, documents: ['a'] }, '/map'],
      [{ map: WORDS, documents: ['a'] }, '/reduce'],
      [{ map: WORDS, reduce: COUNT, function: 'abc', documents: ['a'] }, '/map'],
      [{ map: WORDS, reduce: COUNT, documents: [] }, '/documents'],
      [{ map: WORDS, reduce: COUNT }, '/documents'],
      [{ map: 42, reduce: COUNT, documents: ['a'] }, '/map'],
      [{ map: WORDS, reduce: COUNT, documents: ['a'], top: 3 }, ''],
      [{ function: 'not an id!', documents: ['a'] }, '/function'],
    ];
    for (const [body, pointer] of cases) {
      const problem = problemOf(await custom(body).expect(422));
      assert.equal(problem.type, type('validation-failed'), JSON.stringify(body));
      assert.ok(problem.errors?.some((error) => error.pointer === pointer), `${JSON.stringify(body)}: ${JSON.stringify(problem.errors)}`);
    }
  });

  test('a document nested 100 000 levels deep is a 422, not a stack overflow', async () => {
    const deep = `${'['.repeat(100_000)}${']'.repeat(100_000)}`;
    const response = await app.request.post('/v1/mapreduce').set('Content-Type', 'application/json').send(`{"job":"custom","map":"function map(d, e) {}","reduce":"function reduce() { return 1; }","documents":[${deep}]}`);
    assert.equal(response.status, 422);
    assert.equal(problemOf(response).errors?.[0]?.pointer, '/documents/0');
  });

  test('unknown function ids are 404; uploads need job=custom and a function', async () => {
    assert.equal(problemOf(await custom({ function: 'AAAAAAAAAAAAAAAAAAAAAA', documents: ['a'] }).expect(404)).type, type('function-not-found'));
    const upload = (query: string, contentType = 'text/plain') => app.request.post(`/v1/mapreduce?${query}`).set('Content-Type', contentType).send('a\n');
    assert.equal(problemOf(await upload('job=custom&function=AAAAAAAAAAAAAAAAAAAAAA').expect(404)).type, type('function-not-found'));
    assert.equal(problemOf(await upload('job=custom').expect(422)).errors?.[0]?.pointer, '#/query/function');
    assert.equal(problemOf(await upload('job=custom&function=x&top=3').expect(422)).errors?.[0]?.pointer, '#/query/top');
    assert.equal(problemOf(await upload('job=wordcount', 'application/x-ndjson').expect(422)).errors?.[0]?.pointer, '#/query/job');
    assert.equal(problemOf(await upload('job=wordcount&function=x').expect(422)).errors?.[0]?.pointer, '#/query/function');
    problemOf(await upload('job=custom&function=x', 'application/octet-stream').expect(415));
    problemOf(await upload('job=custom&function=x', 'text/plain; charset=latin1').expect(415));
    const ndjson = (query: string, contentType = 'application/x-ndjson') =>
      app.request.post(`/v1/mapreduce/ndjson${query}`).set('Content-Type', contentType).send('"a"\n');
    assert.equal(problemOf(await ndjson('?function=AAAAAAAAAAAAAAAAAAAAAA').expect(404)).type, type('function-not-found'));
    assert.equal(problemOf(await ndjson('').expect(422)).errors?.[0]?.pointer, '#/query/function');
    assert.equal(problemOf(await ndjson('?function=AAAAAAAAAAAAAAAAAAAAAA', 'text/plain').expect(415)).type, type('unsupported-media-type'));
    const text = await app.request.post('/v1/mapreduce/text?job=custom').set('Content-Type', 'text/plain').send('a\n').expect(422);
    assert.equal(problemOf(text).errors?.[0]?.pointer, '#/query/function');
  });

  test('an NDJSON line that is not JSON is a 400 naming the line; invalid UTF-8 a 400 naming the byte', async () => {
    const id = await storeFunction({ map: WORDS, reduce: COUNT });
    const bad = await app.request.post(`/v1/mapreduce?job=custom&function=${id}`).set('Content-Type', 'application/x-ndjson').send('"a"\n\n{"b": }\n').expect(400);
    const problem = problemOf(bad) as ReturnType<typeof problemOf> & Record<string, unknown>;
    assert.equal(problem.type, type('malformed-json'));
    assert.equal(problem['line'], 3);
    const utf8 = await app.request.post(`/v1/mapreduce?job=custom&function=${id}`).set('Content-Type', 'text/plain').send(Buffer.from([0x61, 0x0a, 0xff])).expect(400);
    assert.equal((problemOf(utf8) as Record<string, unknown>)['offset'], 2);
    problemOf(await app.request.post(`/v1/mapreduce?job=custom&function=${id}`).set('Content-Type', 'text/plain').send('').expect(422));
  });
});
