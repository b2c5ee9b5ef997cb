/**
 * CORS: off by default; with CORS_ORIGINS, preflights are answered, answers (problems included)
 * carry the allowed origin, and every non-safelisted header crunch sends is exposed to scripts.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { ConfigError, loadConfig } from '../../src/config.js';
import { corsExposedHeaders } from '../../src/http/cors.js';
import { type TestApp, problemOf, startTestApp } from '../helpers/app.js';

const allowed = 'http://docs.example.test:8080';

describe('CORS off (the default)', () => {
  let app: TestApp;
  before(() => {
    app = startTestApp();
  });
  after(() => app.close());

  test('no Access-Control headers, and a preflight is not answered', async () => {
    const response = await app.request.get('/v1/primes/97').set('Origin', allowed).expect(200);
    assert.equal(response.headers['access-control-allow-origin'], undefined);
    const preflight = await app.request
      .options('/v1/primes/check')
      .set('Origin', allowed)
      .set('Access-Control-Request-Method', 'POST')
      .expect(405);
    assert.equal(preflight.headers['access-control-allow-origin'], undefined);
  });
});

describe('CORS_ORIGINS with a list of origins', () => {
  let app: TestApp;
  before(() => {
    app = startTestApp({ CORS_ORIGINS: ` ${allowed} , http://127.0.0.1:9999` });
  });
  after(() => app.close());

  test('a preflight from an allowed origin names the methods and headers a client sends', async () => {
    const response = await app.request
      .options('/v1/primes/check')
      .set('Origin', allowed)
      .set('Access-Control-Request-Method', 'POST')
      .set('Access-Control-Request-Headers', 'content-type, prefer, idempotency-key')
      .expect(204);
    assert.equal(response.headers['access-control-allow-origin'], allowed);
    const methods = String(response.headers['access-control-allow-methods']).split(',');
    for (const method of ['GET', 'POST', 'DELETE']) assert.ok(methods.includes(method), `${method} not allowed: ${methods}`);
    const headers = String(response.headers['access-control-allow-headers']).toLowerCase().split(',');
    for (const header of ['content-type', 'prefer', 'idempotency-key', 'x-request-id']) assert.ok(headers.includes(header), `${header} not allowed`);
    assert.match(String(response.headers['vary']), /Origin/);
    assert.ok(Number(response.headers['access-control-max-age']) > 0);
  });

  test('answers and problems carry the origin; other origins get none', async () => {
    const ok = await app.request.get('/v1/primes/97').set('Origin', allowed).expect(200);
    assert.equal(ok.headers['access-control-allow-origin'], allowed);
    assert.match(String(ok.headers['vary']), /Origin/);
    const problem = await app.request.get('/v1/primes/abc').set('Origin', allowed).expect(422);
    problemOf(problem);
    assert.equal(problem.headers['access-control-allow-origin'], allowed);
    const missing = await app.request.get('/v1/jobs/nope').set('Origin', allowed).expect(404);
    assert.equal(missing.headers['access-control-allow-origin'], allowed);

    // An event stream too (EventSource from another origin).
    const accepted = await app.request.get('/v1/primes/97').set('Prefer', 'respond-async').expect(202);
    const events = await app.request.get(`${accepted.headers['location']}/events`).set('Origin', allowed).expect(200);
    assert.match(String(events.headers['content-type']), /^text\/event-stream/);
    assert.equal(events.headers['access-control-allow-origin'], allowed);

    const other = await app.request.get('/v1/primes/97').set('Origin', 'http://evil.example.test').expect(200);
    assert.equal(other.headers['access-control-allow-origin'], undefined);
  });

  test('every header crunch adds beyond the CORS-safelisted ones is exposed', async () => {
    // Requests chosen to make crunch send each of its own headers at least once.
    const responses = [
      await app.request.get('/v1/primes/97'),
      await app.request.get('/v1/primes?from=0&to=100&limit=3'),
      await app.request.post('/v1/primes/check').set('Prefer', 'respond-async').set('Idempotency-Key', 'cors-1').send({ numbers: [7] }),
      await app.request.post('/v1/primes/check').set('Prefer', 'respond-async').set('Idempotency-Key', 'cors-1').send({ numbers: [7] }),
      await app.request.post('/v1/primes/check').set('Prefer', 'wait=5').send({ numbers: [9] }),
      await app.request.delete('/v1/primes/97'),
    ];
    const job = await app.request.get(String(responses[2]?.headers['location']));
    responses.push(job);
    // Safelisted for scripts already (Fetch standard), or about the connection or CORS itself.
    const notForScripts = new Set([
      'cache-control', 'content-language', 'content-length', 'content-type', 'expires', 'last-modified', 'pragma',
      'connection', 'keep-alive', 'transfer-encoding', 'date', 'vary',
    ]);
    const exposed = new Set(corsExposedHeaders.map((name) => name.toLowerCase()));
    const seen = new Set<string>();
    for (const response of responses) {
      assert.equal(response.headers['access-control-expose-headers']?.split(',').length, corsExposedHeaders.length);
      for (const name of Object.keys(response.headers)) {
        if (notForScripts.has(name) || name.startsWith('access-control-')) continue;
        seen.add(name);
        assert.ok(exposed.has(name), `${name} is sent but not in Access-Control-Expose-Headers`);
      }
    }
    for (const name of ['location', 'content-location', 'retry-after', 'link', 'x-request-id', 'x-crunch-route', 'server-timing', 'allow', 'idempotent-replayed', 'preference-applied']) {
      assert.ok(seen.has(name), `no request here made crunch send ${name}; the check above did not cover it`);
    }
  });
});

describe('CORS_ORIGINS=*', () => {
  test('any origin may call, answered with *', async () => {
    const app = startTestApp({ CORS_ORIGINS: '*' });
    try {
      const response = await app.request.get('/v1/primes/97').set('Origin', 'http://anywhere.test:1234').expect(200);
      assert.equal(response.headers['access-control-allow-origin'], '*');
      await app.request.options('/v1/jobs/x').set('Origin', 'http://anywhere.test:1234').set('Access-Control-Request-Method', 'DELETE').expect(204);
    } finally {
      await app.close();
    }
  });
});

describe('CORS_ORIGINS validation', () => {
  for (const [value, why] of [
    ['http://localhost:8080/', 'a trailing slash'],
    ['http://localhost:8080/docs', 'a path'],
    ['localhost:8080', 'no scheme'],
    ['ftp://files.test', 'not http(s)'],
    ['*, http://a.test', '* in a list'],
    ['http://A.test', 'upper case'],
  ] as const) {
    test(`refuses ${JSON.stringify(value)} (${why}) naming the variable`, () => {
      assert.throws(() => loadConfig({ CORS_ORIGINS: value }), (error: unknown) => {
        assert.ok(error instanceof ConfigError);
        assert.match(error.message, /CORS_ORIGINS/);
        assert.match(error.message, /scheme:\/\/host\[:port\]/);
        return true;
      });
    });
  }

  test('unset or blank is off; * and lists are parsed', () => {
    assert.deepEqual(loadConfig({}).corsOrigins, []);
    assert.deepEqual(loadConfig({ CORS_ORIGINS: ' ' }).corsOrigins, []);
    assert.equal(loadConfig({ CORS_ORIGINS: '*' }).corsOrigins, '*');
    assert.deepEqual(loadConfig({ CORS_ORIGINS: 'https://a.test,http://b.test:81' }).corsOrigins, ['https://a.test', 'http://b.test:81']);
  });
});
