/**
 * Batch formats and the paths that keep the event loop to copying bytes (issue 14):
 * POST /v1/primes/check/text (one number per line; answers as lines, a bitmap or JSON),
 * the JSON route's whole-request pool task, factoring and listing encoded on the pool. Each
 * agrees with an independent reference (BigInt Miller–Rabin, the JSON route, the inline
 * path), on the loop (small bodies) and on the pool (JSON_INLINE_PARSE_BYTES=64 sends every
 * body but the tiniest there); bad input in each format is a 4xx problem naming the line.
 * And the cheap inline path still carries its headers, metrics and log line.
 */
import assert from 'node:assert/strict';
import { type IncomingMessage, type Server, request as httpRequest } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import { after, before, describe, test } from 'node:test';
import fc from 'fast-check';
import { pino } from 'pino';
import supertest from 'supertest';
import { createAppServer } from '../../src/app.js';
import { closeServices, createServices } from '../../src/services.js';
import { type TestApp, problemOf, startTestApp, testConfig } from '../helpers/app.js';
import { isPrimeReference } from '../helpers/reference.js';

let onLoop: TestApp;
let onPool: TestApp;
before(() => {
  onLoop = startTestApp({ MAX_BATCH_ITEMS: '5000' });
  onPool = startTestApp({ MAX_BATCH_ITEMS: '5000', JSON_INLINE_PARSE_BYTES: '64' });
});
after(async () => {
  await onLoop.close();
  await onPool.close();
});

/** Integers of every size class the checker treats apart: small, 64-bit, just past 2^64, large. */
const integer = fc.oneof(
  fc.bigInt({ min: 0n, max: 10_000n }),
  fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }),
  fc.bigInt({ min: 1n << 64n, max: (1n << 70n) - 1n }),
  fc.bigInt({ min: 0n, max: (1n << 200n) - 1n }),
);
const batches = fc.array(integer, { minLength: 1, maxLength: 60 });

function bitmapBits(bytes: Buffer, count: number): boolean[] {
  return Array.from({ length: count }, (_, index) => (((bytes[index >> 3] ?? 0) >> (index & 7)) & 1) === 1);
}

function binaryParser(response: supertest.Response, done: (error: Error | null, body: Buffer) => void): void {
  const chunks: Buffer[] = [];
  response.on('data', (chunk: Buffer) => chunks.push(chunk));
  response.on('end', () => done(null, Buffer.concat(chunks)));
}

for (const [where, app] of [['on the loop', () => onLoop], ['on the pool', () => onPool]] as const) {
  describe(`prime check formats ${where}`, () => {
    test('text in: lines, a bitmap and JSON answers agree with the reference and with the JSON route', async () => {
      await fc.assert(
        fc.asyncProperty(batches, fc.boolean(), async (values, crlf) => {
          const want = values.map((value) => isPrimeReference(value));
          const text = values.join(crlf ? '\r\n' : '\n') + (crlf ? '\r\n' : '\n');
          const lines = await app().request.post('/v1/primes/check/text').set('Content-Type', 'text/plain').send(text).expect(200);
          assert.match(String(lines.headers['content-type']), /^text\/plain/);
          assert.deepEqual(lines.text.split('\n').slice(0, -1), want.map((prime) => (prime ? '1' : '0')));
          // Bodies past JSON_INLINE_PARSE_BYTES are one pool task from bytes to answer, unless
          // numbers of 2^64 and beyond send the batch the operation's sharded way.
          const oneTask = where === 'on the pool' && text.length > 64 && values.every((value) => value < 1n << 64n);
          if (oneTask) assert.equal(lines.headers['x-crunch-route'], 'pool');
          else assert.match(String(lines.headers['x-crunch-route']), /^(inline|sliced|pool)$/);
          assert.ok(lines.headers['server-timing'] !== undefined && lines.headers['x-request-id'] !== undefined);

          const bitmap = await app()
            .request.post('/v1/primes/check/text')
            .set('Content-Type', 'text/plain; charset=utf-8')
            .set('Accept', 'application/octet-stream')
            .buffer(true)
            .parse(binaryParser)
            .send(text)
            .expect(200);
          assert.equal(bitmap.headers['content-type'], 'application/octet-stream');
          assert.equal((bitmap.body as Buffer).length, Math.ceil(values.length / 8));
          assert.deepEqual(bitmapBits(bitmap.body as Buffer, values.length), want);

          const json = { numbers: values.map((value) => (value <= BigInt(Number.MAX_SAFE_INTEGER) && value % 2n === 0n ? Number(value) : value.toString())) };
          const fromJson = await app().request.post('/v1/primes/check').send(json).expect(200);
          const fromText = await app().request.post('/v1/primes/check/text').set('Content-Type', 'text/plain').set('Accept', 'application/json').send(text).expect(200);
          assert.deepEqual(fromText.body, fromJson.body);
          // The bytes too: the pool's encoder writes what the operation renders on the loop.
          if (where === 'on the pool') assert.equal(fromJson.text, (await onLoop.request.post('/v1/primes/check').send(json).expect(200)).text);
          assert.deepEqual(
            (fromJson.body as { results: Array<{ n: string; prime: boolean }> }).results.map(({ n, prime }) => [n, prime]),
            values.map((value, index) => [value.toString(), want[index]]),
          );
        }),
        { numRuns: 25 },
      );
    });

    test('a batch below 2^64 past JSON_INLINE_PARSE_BYTES is one pool task; smaller ones stay on the loop', async () => {
      const values = Array.from({ length: 300 }, (_, index) => (1n << 63n) + BigInt(index * 7919));
      const text = `${values.join('\n')}\n`;
      const response = await app().request.post('/v1/primes/check/text').set('Content-Type', 'text/plain').send(text).expect(200);
      assert.equal(response.headers['x-crunch-route'], where === 'on the pool' ? 'pool' : 'inline');
      assert.deepEqual(response.text.split('\n').slice(0, -1), values.map((value) => (isPrimeReference(value) ? '1' : '0')));
      const json = await app().request.post('/v1/primes/check').send({ numbers: values.map(String) }).expect(200);
      assert.equal(json.headers['x-crunch-route'], where === 'on the pool' ? 'pool' : 'inline');
    });

    test('bad lines are a 422 naming each line from 1; invalid UTF-8 a 400 with its offset; other media types 415', async () => {
      const bad = problemOf(await app().request.post('/v1/primes/check/text').set('Content-Type', 'text/plain').send(`2\n97\n-3\n\n0x5\n12345678901234567890123\n${'7\n'.repeat(40)}`).expect(422));
      assert.equal(bad.type, 'https://crunch.dev/problems/validation-failed');
      assert.deepEqual(
        (bad.errors as Array<{ pointer: string }>).map((error) => error.pointer),
        ['#/line/3', '#/line/4', '#/line/5'],
      );
      assert.match(String(bad.detail), /^#\/line\/3: "-3" is negative/);
      const empty = problemOf(await app().request.post('/v1/primes/check/text').set('Content-Type', 'text/plain').send('').expect(422));
      assert.match(String(empty.detail), /empty: send one integer per line/);
      const many = problemOf(await app().request.post('/v1/primes/check/text').set('Content-Type', 'text/plain').send('7\n'.repeat(5001)).expect(422));
      assert.match(String(many.detail), /5001 lines, more than the limit of 5000/);
      const invalid = problemOf(
        await app().request.post('/v1/primes/check/text').set('Content-Type', 'text/plain').send(Buffer.from([0x37, 0x0a, 0xff, 0x0a])).expect(400),
      );
      assert.match(String(invalid.detail), /not valid UTF-8: the first bad byte is at offset 2/);
      await app().request.post('/v1/primes/check/text').set('Content-Type', 'application/json').send('{"numbers":[2]}').expect(415);
      await app().request.post('/v1/primes/check/text').set('Content-Type', 'text/plain; charset=latin1').send('2\n').expect(415);
    });

    test('JSON errors keep their pointers and messages', async () => {
      const bad = problemOf(await app().request.post('/v1/primes/check').send({ numbers: [2, -1, 'x', 3.5, ...new Array(30).fill(7)] }).expect(422));
      assert.deepEqual(
        (bad.errors as Array<{ pointer: string; message: string }>).map((error) => error.pointer),
        ['/numbers/1', '/numbers/2', '/numbers/3'],
      );
      const broken = problemOf(await app().request.post('/v1/primes/check').set('Content-Type', 'application/json').send('{"numbers":[2,').expect(400));
      assert.equal(broken.type, 'https://crunch.dev/problems/malformed-json');
    });

    test('factoring agrees with the inline path and with the products', async () => {
      await fc.assert(
        fc.asyncProperty(fc.array(fc.bigInt({ min: 1n, max: (1n << 64n) - 1n }), { minLength: 1, maxLength: 30 }), async (values) => {
          const body = { numbers: values.map(String) };
          const pooled = await app().request.post('/v1/primes/factor').send(body).expect(200);
          const inline = await app().request.post('/v1/primes/factor').set('X-Crunch-Route', 'inline').send(body).expect(200);
          assert.deepEqual(pooled.body, inline.body);
          for (const [index, result] of (pooled.body as { results: Array<{ n: string; factors: Array<{ prime: string; exponent: number }> }> }).results.entries()) {
            const product = result.factors.reduce((acc, { prime, exponent }) => acc * BigInt(prime) ** BigInt(exponent), 1n);
            assert.equal(product, values[index]);
            for (const { prime } of result.factors) assert.ok(isPrimeReference(BigInt(prime)), prime);
          }
        }),
        { numRuns: 15 },
      );
    });
  });
}

describe('listing encoded on the pool', () => {
  test('a page sieved and encoded on the pool is the inline page, byte for byte, with the same Link', async () => {
    for (const [from, to, limit] of [
      ['1000000000', '1100000000', 20_000],
      ['0', '100', 100],
      ['90', '96', 5],
      ['18446744073709551000', '18446744073709551615', 7],
    ] as const) {
      const url = `/v1/primes?from=${from}&to=${to}&limit=${limit}`;
      const pooled = await onLoop.request.get(url).set('X-Crunch-Route', 'pool').expect(200);
      const inline = await onLoop.request.get(url).set('X-Crunch-Route', 'inline').expect(200);
      assert.equal(pooled.headers['x-crunch-route'], 'pool');
      assert.equal(pooled.text, inline.text);
      assert.equal(pooled.headers['link'], inline.headers['link']);
      const page = pooled.body as { count: number; primes: string[] };
      assert.equal(page.count, page.primes.length);
      for (const prime of page.primes.slice(0, 50)) assert.ok(isPrimeReference(BigInt(prime)), prime);
    }
  });
});

/** A stream for a pino logger, and the lines it was given, parsed. */
function logLines(): { lines: Array<Record<string, unknown>>; sink: Writable } {
  const lines: Array<Record<string, unknown>> = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const text of chunk.toString().split('\n')) if (text !== '') lines.push(JSON.parse(text) as Record<string, unknown>);
      done();
    },
  });
  return { lines, sink };
}

describe('the inline fast path keeps what clients and operators rely on', () => {
  test('X-Request-Id (the client’s when well-formed), X-Crunch-Route, Server-Timing, the metric and one log line', async () => {
    const { lines, sink } = logLines();
    const config = testConfig({ LOG_LEVEL: 'info' });
    const services = createServices(config, { logger: pino({ level: 'info' }, sink) });
    const { server } = createAppServer(services);
    try {
      const request = supertest.agent(server);
      const response = await request.get('/v1/primes/1000003').set('X-Request-Id', 'client-id-7').expect(200);
      assert.deepEqual(response.body, { n: '1000003', prime: true, test: 'deterministic' });
      assert.equal(response.headers['x-request-id'], 'client-id-7');
      assert.equal(response.headers['x-crunch-route'], 'inline');
      assert.match(String(response.headers['server-timing']), /route;desc="inline"$/);
      assert.match(String(response.headers['content-type']), /^application\/json/);
      const generated = await request.get('/v1/primes/97').set('X-Request-Id', 'bad id with spaces').expect(200);
      assert.match(String(generated.headers['x-request-id']), /^[0-9a-f-]{36}$/);
      // Error answers and other routes get the id too, added once they are finished.
      const problem = await request.get('/v1/primes/abc').set('X-Request-Id', 'client-id-8').expect(422);
      assert.equal(problem.headers['x-request-id'], 'client-id-8');
      assert.equal((await request.get('/healthz').set('X-Request-Id', 'client-id-9').expect(200)).headers['x-request-id'], 'client-id-9');
      const metrics = (await request.get('/metrics').expect(200)).text;
      assert.match(metrics, /^crunch_http_request_duration_seconds_count\{method="GET",route="\/v1\/primes\/:n",status="200"\} 2$/m);
      assert.match(metrics, /^crunch_http_request_duration_seconds_bucket\{method="GET",route="\/v1\/primes\/:n",status="200",le="\+Inf"\} 2$/m);
      assert.match(metrics, /^crunch_dispatch_duration_seconds_count\{operation="primes.check",placement="inline"\} \d+$/m);
      const logged = lines.filter((line) => line['msg'] === 'request' && line['requestId'] === 'client-id-7');
      assert.equal(logged.length, 1);
      assert.equal(logged[0]?.['placement'], 'inline');
      assert.equal(logged[0]?.['route'], '/v1/primes/:n');
      assert.equal(logged[0]?.['status'], 200);

      // The inline lane (src/http/inline-lane.ts) answers what the routed path answers:
      // X-Crunch-Route sends the same request through Hono.
      await fc.assert(
        fc.asyncProperty(fc.bigInt({ min: 0n, max: 10n ** 19n - 1n }), async (n) => {
          const lane = await request.get(`/v1/primes/${n}`).set('X-Request-Id', 'lane').expect(200);
          const routed = await request.get(`/v1/primes/${n}`).set('X-Request-Id', 'routed').set('X-Crunch-Route', 'inline').expect(200);
          assert.deepEqual(lane.body, routed.body);
          assert.deepEqual(lane.body, { n: n.toString(), prime: isPrimeReference(n), test: 'deterministic' });
          for (const name of ['content-type', 'x-crunch-route']) assert.equal(lane.headers[name], routed.headers[name], name);
          assert.equal(String(lane.headers['server-timing']).replace(/[\d.]+/g, '#'), String(routed.headers['server-timing']).replace(/[\d.]+/g, '#'));
          const [laneLine, routedLine] = ['lane', 'routed'].map((id) => lines.find((line) => line['requestId'] === id && line['path'] === `/v1/primes/${n}`));
          assert.deepEqual(Object.keys(laneLine ?? {}), Object.keys(routedLine ?? {}));
          assert.deepEqual({ ...laneLine, requestId: 0, ms: 0, time: 0 }, { ...routedLine, requestId: 0, ms: 0, time: 0 });
          lines.length = 0;
        }),
        { numRuns: 30 },
      );
      // What the lane does not take as is goes to the routed path, with its answers.
      const zeros = problemOf(await request.get('/v1/primes/0097').expect(422));
      assert.match(zeros.detail, /leading zeros/);
      assert.deepEqual((await request.get('/v1/primes/18446744073709551629').expect(200)).body, { n: '18446744073709551629', prime: true, test: 'probable' });
      const health = await request.get('/healthz').set('X-Request-Id', 'health-lane').expect(200);
      assert.deepEqual(health.body, { status: 'ok' });
      assert.equal(health.headers['x-request-id'], 'health-lane');
      const healthLine = lines.find((line) => line['requestId'] === 'health-lane');
      assert.deepEqual(
        { ...healthLine, ms: 0, time: 0, pid: 0 },
        { level: 30, time: 0, pid: 0, hostname: healthLine?.['hostname'], requestId: 'health-lane', method: 'GET', path: '/healthz', route: '/healthz', status: 200, ms: 0, msg: 'request' },
      );
      // The lane reads Node's raw headers: names in any case, and an id given twice is no id
      // (Hono reads the two joined by a comma), on the lane and routed alike.
      const accepted = await request.get('/v1/primes/97').set('PREFER', 'respond-async').expect(202);
      assert.match(String(accepted.headers['location']), /^\/v1\/jobs\//);
      assert.equal((await request.get('/v1/primes/97').set('X-REQUEST-ID', 'upper-case-name').expect(200)).headers['x-request-id'], 'upper-case-name');
      for (const route of [[], ['X-Crunch-Route', 'inline']]) {
        const twice = await rawGet(server, '/v1/primes/97', ['X-Request-Id', 'first', 'x-request-id', 'second', ...route]);
        assert.equal(twice.statusCode, 200);
        assert.match(String(twice.headers['x-request-id']), /^[0-9a-f-]{36}$/);
      }
      // A query or a HEAD: Hono answers, the same.
      assert.deepEqual((await request.get('/v1/primes/97?unused=1').expect(200)).body, { n: '97', prime: true, test: 'deterministic' });
      assert.equal((await request.head('/v1/primes/97').expect(200)).headers['x-crunch-route'], 'inline');
      services.lifecycle.shuttingDown = true;
      await request.get('/v1/primes/97').expect(503);
      await request.get('/healthz').expect(200);
      services.lifecycle.shuttingDown = false;
    } finally {
      server.close();
      await closeServices(services);
    }
  });
});

describe('the inline fast path with API keys', () => {
  test('a key that names a tenant is answered on the lane, as the routed path answers it; any other goes to Hono for its 401', async () => {
    const { lines, sink } = logLines();
    const key = 'lane-key-0123456789abcdef';
    const config = testConfig({ LOG_LEVEL: 'info', API_KEYS: `alpha:${key},beta:other-key-0123456789abcdef` });
    const services = createServices(config, { logger: pino({ level: 'info' }, sink) });
    const { server } = createAppServer(services);
    try {
      const request = supertest.agent(server);
      const lane = await request.get('/v1/primes/1000003').set('Authorization', `Bearer ${key}`).set('X-Request-Id', 'keyed-lane').expect(200);
      const routed = await request
        .get('/v1/primes/1000003')
        .set('Authorization', `Bearer ${key}`)
        .set('X-Request-Id', 'keyed-routed')
        .set('X-Crunch-Route', 'inline')
        .expect(200);
      assert.deepEqual(lane.body, { n: '1000003', prime: true, test: 'deterministic' });
      assert.deepEqual(lane.body, routed.body);
      assert.equal(lane.headers['x-crunch-route'], 'inline');
      const [laneLine, routedLine] = ['keyed-lane', 'keyed-routed'].map((id) => lines.find((line) => line['requestId'] === id));
      assert.equal(laneLine?.['tenant'], 'alpha');
      assert.deepEqual(Object.keys(laneLine ?? {}), Object.keys(routedLine ?? {}));
      assert.deepEqual({ ...laneLine, requestId: 0, ms: 0, time: 0 }, { ...routedLine, requestId: 0, ms: 0, time: 0 });

      const missing = await request.get('/v1/primes/97').expect(401);
      assert.equal(missing.type, 'application/problem+json');
      assert.equal(missing.headers['www-authenticate'], 'Bearer realm="crunch"');
      const wrong = await request.get('/v1/primes/97').set('Authorization', 'Bearer not-a-key-0123456789abcdef').expect(401);
      assert.match(String(wrong.headers['www-authenticate']), /invalid_token/);
      assert.equal((await request.get('/v1/primes/97').set('Authorization', key).expect(401)).type, 'application/problem+json');
      const twice = await rawGet(server, '/v1/primes/97', ['Authorization', `Bearer ${key}`, 'authorization', `Bearer ${key}`]);
      assert.equal(twice.statusCode, 401);
      // The health probe stays open, on the lane too.
      assert.deepEqual((await request.get('/healthz').expect(200)).body, { status: 'ok' });
    } finally {
      server.close();
      await closeServices(services);
    }
  });
});

describe('the inline fast path with a rate limit', () => {
  test('a token in the bucket is taken and announced on the lane as on the routed path; an empty bucket goes to Hono for its 429', async () => {
    const key = 'rate-key-0123456789abcdef';
    const config = testConfig({ API_KEYS: `alpha:${key}`, RATE_LIMIT_PER_MINUTE: '6', RATE_LIMIT_BURST: '3' });
    const services = createServices(config);
    const { server } = createAppServer(services);
    try {
      const request = supertest.agent(server);
      const get = (routed: boolean) => {
        const call = request.get('/v1/primes/97').set('Authorization', `Bearer ${key}`);
        return routed ? call.set('X-Crunch-Route', 'inline') : call;
      };
      const answers = [await get(false).expect(200), await get(true).expect(200), await get(false).expect(200)];
      assert.deepEqual(
        answers.map((answer) => [answer.headers['ratelimit-policy'], String(answer.headers['ratelimit']).replace(/t=\d+/, 't=#')]),
        [0, 1, 2].map((index) => ['"default";q=6;w=60', `"default";r=${2 - index};t=#`]),
      );
      // Three tokens taken, lane and routed alike: the fourth is refused, by Hono.
      const refused = await get(false).expect(429);
      assert.equal(refused.type, 'application/problem+json');
      assert.equal((refused.body as { type: string }).type.endsWith('/rate-limited'), true);
      assert.match(String(refused.headers['retry-after']), /^\d+$/);
    } finally {
      server.close();
      await closeServices(services);
    }
  });
});

/** A GET with headers exactly as given (repeated names included), which supertest cannot send. */
async function rawGet(server: Server, path: string, headers: string[]): Promise<IncomingMessage> {
  if (!server.listening) await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return new Promise((resolve, reject) => {
    // Headers given as a list get no Host of Node's own.
    const sent = httpRequest({ host: '127.0.0.1', port, path, headers: ['Host', `127.0.0.1:${port}`, ...headers], agent: false }, (response) => {
      response.resume();
      response.once('end', () => resolve(response));
    });
    sent.once('error', reject);
    sent.end();
  });
}
