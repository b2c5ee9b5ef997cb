/**
 * JSON bodies are read strictly and parsed where their size says: on the event loop up to
 * JSON_INLINE_PARSE_BYTES, on a pool thread beyond. Both paths must give the same answers
 * and the same errors, and no body, however hostile, may produce a 5xx.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import fc from 'fast-check';
import { type TestApp, problemOf, startTestApp } from '../helpers/app.js';
import { closeMirror, rawRequest } from '../helpers/raw-http.js';

/** Two apps: one parses every body inline, the other every body but the tiniest on the pool. */
let inline: TestApp;
let pooled: TestApp;
before(() => {
  inline = startTestApp({ JSON_INLINE_PARSE_BYTES: String(64 * 1024 * 1024) });
  pooled = startTestApp({ JSON_INLINE_PARSE_BYTES: '16' });
});
after(async () => {
  await Promise.all([closeMirror(inline), closeMirror(pooled)]);
  await inline.close();
  await pooled.close();
});

function postRaw(app: TestApp, path: string, body: Buffer | string) {
  return app.request.post(path).set('Content-Type', 'application/json').send(typeof body === 'string' ? body : body);
}

describe('strict decoding', () => {
  test('invalid UTF-8 in a JSON body is a 400 naming the offset of the first bad byte, not a silent U+FFFD', async () => {
    const body = Buffer.concat([Buffer.from('{"numbers": ["'), Buffer.from([0xc3, 0x28]), Buffer.from('"]}')]);
    for (const app of [inline, pooled]) {
      const response = await rawRequest(app, { path: '/v1/primes/check', headers: { 'Content-Type': 'application/json' }, body });
      assert.equal(response.status, 400, response.text);
      const problem = JSON.parse(response.text) as { type: string; offset?: number; reason?: string };
      assert.equal(problem.type, 'https://crunch.dev/problems/bad-request');
      assert.equal(problem.reason, 'invalid-utf8');
      assert.equal(problem.offset, 14);
    }
  });

  test('malformed JSON is a 400 malformed-json, naming where it broke when the parser says', async () => {
    for (const app of [inline, pooled]) {
      const broken = problemOf(await postRaw(app, '/v1/reduce', '{"op": "sum", "type": "float64", "values": [1, 2,, 3]}').expect(400));
      assert.equal(broken.type, 'https://crunch.dev/problems/malformed-json');
      const cut = problemOf(await postRaw(app, '/v1/reduce', '{"op": "sum", "values": [1, 2').expect(400)) as ReturnType<typeof problemOf> & {
        offset?: number;
      };
      assert.equal(cut.type, 'https://crunch.dev/problems/malformed-json');
      assert.equal(cut.offset, 29);
    }
  });

  test('values nested 100 000 deep are a 422 pointing at the value, never a stack overflow', async () => {
    const depth = 100_000;
    const nested = `{"op": "sum", "type": "float64", "values": [${'['.repeat(depth)}${']'.repeat(depth)}]}`;
    for (const app of [inline, pooled]) {
      const response = await postRaw(app, '/v1/reduce', nested).expect(422);
      const problem = problemOf(response);
      assert.equal(problem.errors?.[0]?.pointer, '/values/0');
      assert.match(problem.errors?.[0]?.message ?? '', /an array is not a float64/);
    }
    for (const path of ['/v1/primes/check', '/v1/primes/factor']) {
      const body = `{"numbers": [${'['.repeat(depth)}${']'.repeat(depth)}]}`;
      const response = await postRaw(pooled, path, body).expect(422);
      assert.equal(problemOf(response).errors?.[0]?.pointer, '/numbers/0');
    }
    const documents = `{"job": "wordcount", "documents": [${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}]}`;
    assert.equal(problemOf(await postRaw(pooled, '/v1/mapreduce', documents).expect(422)).errors?.[0]?.pointer, '/documents/0');
  });

  test('100 000 bad items give at most 20 errors, on the pool', async () => {
    const body = `{"numbers": [${Array.from({ length: 100_000 }, () => '{}').join(',')}]}`;
    const response = await postRaw(pooled, '/v1/primes/check', body).expect(422);
    const problem = problemOf(response);
    assert.equal(problem.errors?.length, 20);
    assert.equal(problem.errors?.[0]?.pointer, '/numbers/0');
  });
});

describe('the pool parses what the loop would', () => {
  const integer = fc.oneof(
    fc.nat({ max: 2 ** 40 }),
    fc.bigInt({ min: 0n, max: 2n ** 100n }).map(String),
    fc.constantFrom(-1, 1.5, '007', ' 5', 'x', null, true, [1], { n: 1 }),
  );
  const bodies = fc.oneof(
    fc.record({ numbers: fc.array(integer, { maxLength: 30 }) }).map((body) => ['/v1/primes/check', body] as const),
    fc.record({ numbers: fc.array(integer, { maxLength: 10 }) }).map((body) => ['/v1/primes/factor', body] as const),
    fc
      .record({
        op: fc.constantFrom('sum', 'max', 'gcd', 'nope'),
        type: fc.constantFrom('float64', 'int', 'complex'),
        values: fc.array(fc.oneof(integer, fc.double({ noNaN: true }), fc.constantFrom('NaN', 'Infinity')), { maxLength: 30 }),
      })
      .map((body) => ['/v1/reduce', body] as const),
    fc
      .record({
        job: fc.constantFrom('wordcount', 'letters', 'bogus'),
        documents: fc.array(fc.oneof(fc.string(), fc.nat()), { maxLength: 5 }),
        top: fc.option(fc.nat({ max: 200_000 }), { nil: undefined }),
      })
      .map((body) => ['/v1/mapreduce', body] as const),
  );

  test('same status and body, whichever side parsed it', async () => {
    await fc.assert(
      fc.asyncProperty(bodies, async ([path, body]) => {
        const text = JSON.stringify(body);
        const [a, b] = await Promise.all([postRaw(inline, path, text), postRaw(pooled, path, text)]);
        assert.equal(a.status, b.status, `${path} ${text}`);
        assert.ok(a.status < 500, `${path} ${text}: ${a.text}`);
        if (a.status === 200) assert.deepEqual(a.body, b.body);
        else assert.deepEqual({ ...a.body, instance: undefined }, { ...b.body, instance: undefined });
      }),
      { numRuns: 150 },
    );
  });
});
