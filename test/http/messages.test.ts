/**
 * Problems are written for people: whatever is wrong with a query or a body, the messages
 * say what to send, never zod's own text ("Invalid input: expected number, received NaN").
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import fc from 'fast-check';
import { problemOf, startTestApp, type TestApp } from '../helpers/app.js';

const zodWords = /Invalid input|expected \w+, received|received NaN|not a NaN|Invalid option|Too (small|big)/;

describe('problem messages', () => {
  let app: TestApp;
  before(() => {
    app = startTestApp();
  });
  after(() => app.close());

  const json = (path: string, body: unknown) => app.request.post(path).set('content-type', 'application/json').send(JSON.stringify(body));

  const cases: Array<[string, () => PromiseLike<{ status: number }>]> = [
    ['jobs limit not a number', () => app.request.get('/v1/jobs?limit=abc')],
    ['jobs limit zero', () => app.request.get('/v1/jobs?limit=0')],
    ['jobs limit 1e3', () => app.request.get('/v1/jobs?limit=1e3')],
    ['jobs status unknown', () => app.request.get('/v1/jobs?status=nope')],
    ['primes limit not a number', () => app.request.get('/v1/primes?to=100&limit=abc')],
    ['primes from not a number', () => app.request.get('/v1/primes?to=100&from=x')],
    ['reduce values not an array', () => json('/v1/reduce', { op: 'sum', type: 'float64', values: 'x' })],
    ['reduce op a number', () => json('/v1/reduce', { op: 5, type: 'float64', values: [] })],
    ['reduce extra field', () => json('/v1/reduce', { op: 'sum', type: 'float64', values: [], extra: 1 })],
    ['mapreduce top a string', () => json('/v1/mapreduce', { job: 'wordcount', documents: ['a'], top: 'x' })],
    ['mapreduce top a fraction', () => json('/v1/mapreduce', { job: 'wordcount', documents: ['a'], top: 2.5 })],
    ['mapreduce no documents', () => json('/v1/mapreduce', { job: 'wordcount' })],
    ['mapreduce text top not a number', () => app.request.post('/v1/mapreduce/text?job=wordcount&top=abc').set('content-type', 'text/plain').send('a b')],
    ['mapreduce text top too big', () => app.request.post('/v1/mapreduce/text?job=wordcount&top=100000000').set('content-type', 'text/plain').send('a b')],
    ['reduce binary unknown op', () => app.request.post('/v1/reduce/binary?op=nope&type=int').set('content-type', 'application/octet-stream').send(Buffer.alloc(8))],
    ['check numbers not an array', () => json('/v1/primes/check', { numbers: 5 })],
  ];

  for (const [name, send] of cases) {
    test(`${name}: a 4xx saying what to send, in words for people`, async () => {
      const response = (await send()) as Parameters<typeof problemOf>[0];
      assert.ok(response.status >= 400 && response.status < 500, `${response.status}`);
      const problem = problemOf(response);
      assert.match(String((response as { headers: Record<string, unknown> }).headers['x-request-id']), /^[0-9a-f-]{36}$/);
      for (const message of [problem.detail, ...(problem.errors ?? []).map((error) => error.message)]) {
        assert.doesNotMatch(message, zodWords);
        assert.ok(message.length > 10, message);
      }
    });
  }

  test('any limit that is not a whole number from 1 to 100 is refused with the same plain message', async () => {
    await fc.assert(
      fc.asyncProperty(fc.string({ maxLength: 12 }).filter((text) => !/^([1-9][0-9]?|100)$/.test(text)), async (limit) => {
        const response = await app.request.get('/v1/jobs').query({ limit });
        const problem = problemOf(response);
        assert.equal(problem.errors?.[0]?.pointer, '#/query/limit');
        assert.match(problem.errors?.[0]?.message ?? '', /^must be a whole number from 1 to 100; got /);
      }),
      { numRuns: 60 },
    );
  });

  test('the new upload routes refuse another media type with a 415 naming the other route', async () => {
    const binary = problemOf(await app.request.post('/v1/reduce/binary?op=sum&type=int').set('content-type', 'application/json').send('{}'));
    assert.equal(binary.status, 415);
    assert.match(binary.detail, /POST \/v1\/reduce\b/);
    const text = problemOf(await json('/v1/mapreduce/text?job=wordcount', { job: 'wordcount', documents: ['a'] }));
    assert.equal(text.status, 415);
    assert.match(text.detail, /POST \/v1\/mapreduce\b/);
  });
});
