import assert from 'node:assert/strict';
import { request as httpRequest } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { type TestApp, problemOf, startTestApp } from '../helpers/app.js';

let app: TestApp;
before(() => {
  app = startTestApp();
});
after(() => app.close());

describe('health and readiness', () => {
  test('/healthz answers ok', async () => {
    const response = await app.request.get('/healthz').expect(200);
    assert.deepEqual(response.body, { status: 'ok' });
  });

  test('/readyz reports the pool', async () => {
    const response = await app.request.get('/readyz').expect(200);
    assert.equal(response.body.status, 'ready');
    assert.equal(response.body.pool.threads, app.config.pool.threads);
    assert.equal(response.body.shuttingDown, false);
    const { utilization } = response.body.pool as { utilization: number };
    assert.ok(utilization >= 0 && utilization <= 1, `utilization ${utilization}`);
  });
});

describe('/v1/system/pool', () => {
  test('reports the threads, the load now and the samples kept, oldest first', async () => {
    const { poolSampler } = app.services;
    const taken = [poolSampler.sample(), poolSampler.sample()];
    const response = await app.request.get('/v1/system/pool').expect(200);
    const body = response.body as {
      threads: number;
      intervalMs: number;
      history: number;
      current: { utilization: number; queued: number; inFlight: number };
      samples: Array<{ at: string; utilization: number; maxQueued: number; inFlight: number }>;
    };
    assert.equal(body.threads, app.config.pool.threads);
    assert.equal(body.intervalMs, app.config.pool.sampleIntervalMs);
    assert.equal(body.history, app.config.pool.sampleHistory);
    assert.ok(body.current.utilization >= 0 && body.current.utilization <= 1);
    assert.deepEqual(
      body.samples.slice(-2).map((sample) => Date.parse(sample.at)),
      taken.map((sample) => sample.at),
    );
    for (const sample of body.samples) assert.ok(sample.utilization >= 0 && sample.utilization <= 1);
  });
});

describe('/metrics', () => {
  test('exposes request, dispatch and pool metrics in the Prometheus format', async () => {
    await app.request.get('/v1/primes/97').expect(200);
    const response = await app.request.get('/metrics').expect(200);
    assert.match(String(response.headers['content-type']), /^text\/plain/);
    assert.match(response.text, /crunch_http_request_duration_seconds_count\{[^}]*route="\/v1\/primes\/:n"[^}]*\} [1-9]/);
    assert.match(response.text, /crunch_dispatch_duration_seconds_count\{[^}]*operation="primes.check"[^}]*placement="inline"[^}]*\} [1-9]/);
    assert.match(response.text, /crunch_pool_threads \d/);
    const utilization = Number(/^crunch_pool_utilization_ratio (\S+)$/m.exec(response.text)?.[1]);
    assert.ok(utilization >= 0 && utilization <= 1, `crunch_pool_utilization_ratio ${utilization}`);
  });
});

describe('contract and reference', () => {
  test('/openapi.json is an OpenAPI 3.1 document listing every route', async () => {
    const response = await app.request.get('/openapi.json').expect(200);
    assert.equal(response.body.openapi, '3.1.0');
    for (const path of ['/v1/primes/{n}', '/v1/primes/check', '/v1/jobs', '/v1/jobs/{id}', '/v1/jobs/{id}/events', '/healthz', '/readyz']) {
      assert.ok(response.body.paths[path], `missing ${path}`);
    }
  });

  test('the server URL is relative and no header that changes what a call does has an example to prefill', async () => {
    const document = (await app.request.get('/openapi.json').expect(200)).body as {
      servers: Array<{ url: string }>;
      paths: Record<string, Record<string, { parameters?: Array<{ name: string; in: string; example?: unknown; examples?: unknown; schema?: { example?: unknown; default?: unknown } }> }>>;
    };
    assert.deepEqual(document.servers.map((server) => server.url), ['/']);
    let checked = 0;
    for (const operations of Object.values(document.paths)) {
      for (const operation of Object.values(operations)) {
        for (const parameter of operation.parameters ?? []) {
          if (parameter.in !== 'header') continue;
          checked += 1;
          const prefilled = parameter.example ?? parameter.examples ?? parameter.schema?.example ?? parameter.schema?.default;
          assert.equal(prefilled, undefined, `header ${parameter.name} would be prefilled with ${JSON.stringify(prefilled)}`);
        }
      }
    }
    assert.ok(checked > 0);
  });

  test('/docs is a self-contained page whose assets are served locally', async () => {
    const page = await app.request.get('/docs').expect(200);
    assert.match(String(page.headers['content-type']), /^text\/html/);
    const assets = [...page.text.matchAll(/(?:src|href)="([^"]+)"/g)].map((match) => match[1] as string);
    assert.ok(assets.length >= 3);
    for (const asset of assets) {
      assert.ok(asset.startsWith('/'), `asset ${asset} is not local`);
      const response = await app.request.get(asset).expect(200);
      assert.ok(response.body.length > 0 || response.text.length > 0, `asset ${asset} is empty`);
    }
    problemOf(await app.request.get('/docs/assets/nope.js').expect(404));
  });
});

describe('protocol errors', () => {
  test('HEAD of an unknown route is a 404 without a body', async () => {
    await app.request.head('/nope').expect(404);
  });

  test('a body sent with the wrong media type is a 415 problem naming the fix', async () => {
    const response = await app.request.post('/v1/primes/check').set('Content-Type', 'text/csv').send('1,2,3').expect(415);
    assert.match(problemOf(response).detail, /application\/json/);
  });
});

describe('body size limits', () => {
  test('a declared Content-Length over the limit and a chunked body over it are both 413 problems', async () => {
    const limited = startTestApp({ MAX_BODY_BYTES: '2048' });
    try {
      const body = JSON.stringify({ numbers: Array.from({ length: 1_000 }, (_, index) => index) });
      const declared = await limited.request.post('/v1/primes/check').set('Content-Type', 'application/json').send(body).expect(413);
      assert.equal(problemOf(declared).type, 'https://crunch.dev/problems/body-too-large');

      await new Promise<void>((resolve) => limited.server.listen(0, '127.0.0.1', resolve));
      const { port } = limited.server.address() as AddressInfo;
      const chunked = await new Promise<{ status: number; text: string }>((resolve, reject) => {
        const req = httpRequest(
          { port, host: '127.0.0.1', method: 'POST', path: '/v1/primes/check', headers: { 'content-type': 'application/json' } },
          (res) => {
            let text = '';
            res.on('data', (chunk: Buffer) => (text += chunk.toString('utf8')));
            res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
          },
        );
        req.on('error', reject);
        // No Content-Length: Node sends Transfer-Encoding: chunked.
        for (let offset = 0; offset < body.length; offset += 512) req.write(body.slice(offset, offset + 512));
        req.end();
      });
      assert.equal(chunked.status, 413);
      assert.match(chunked.text, /body-too-large/);
    } finally {
      await limited.close();
    }
  });
});
