/**
 * Refusals a connection keeps ignoring are answered later and later (src/http/refusal-backoff.ts),
 * so a closed-loop flood cannot spend the cores on refusals; a connection's first refusal, and
 * every other connection's, is answered at once. Refusals for want of capacity are logged at
 * warn, without a stack: under overload there are thousands a second.
 */
import assert from 'node:assert/strict';
import { Agent, request } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import { after, before, describe, test } from 'node:test';
import { pino } from 'pino';
import supertest from 'supertest';
import { createAppServer } from '../../src/app.js';
import { refusalBackoffMs } from '../../src/http/refusal-backoff.js';
import { closeServices, createServices } from '../../src/services.js';
import { type TestApp, startTestApp, testConfig } from '../helpers/app.js';

test('the wait doubles from the second refusal in a row, from 10 ms up to the cap', () => {
  assert.deepEqual(
    [1, 2, 3, 4, 5, 8, 9, 40].map((refusals) => refusalBackoffMs(refusals, 1_000)),
    [0, 10, 20, 40, 80, 640, 1_000, 1_000],
  );
  assert.equal(refusalBackoffMs(1_000_000, 250), 250);
});

/** GET over one keep-alive socket of `agent`; the status, the socket's local port and the time taken. */
function get(port: number, agent: Agent, path: string): Promise<{ status: number; localPort: number; ms: number }> {
  const startedAt = performance.now();
  return new Promise((resolve, reject) => {
    const outgoing = request({ host: '127.0.0.1', port, path, agent }, (incoming) => {
      const localPort = incoming.socket.localPort ?? 0;
      incoming.resume();
      incoming.on('end', () => resolve({ status: incoming.statusCode ?? 0, localPort, ms: performance.now() - startedAt }));
    });
    outgoing.on('error', reject);
    outgoing.end();
  });
}

describe('refusals in a row on one connection', () => {
  let app: TestApp;
  let port: number;
  before(async () => {
    // One request a minute: every request after the first is refused with 429 rate-limited.
    app = startTestApp({ RATE_LIMIT_PER_MINUTE: '1', RATE_LIMIT_BURST: '1', REFUSAL_BACKOFF_MAX_MS: '80' });
    await new Promise<void>((resolve) => app.server.listen(0, '127.0.0.1', resolve));
    port = (app.server.address() as AddressInfo).port;
  });
  after(() => app.close());

  test('wait 0, 10, 20, 40, 80, 80 ms before they are answered; another connection is refused at once', async () => {
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    try {
      assert.equal((await get(port, agent, '/v1/primes/97')).status, 200);
      const refusals = [];
      for (let index = 0; index < 6; index += 1) refusals.push(await get(port, agent, '/v1/primes/97'));
      assert.deepEqual(refusals.map((refusal) => refusal.status), [429, 429, 429, 429, 429, 429]);
      assert.equal(new Set(refusals.map((refusal) => refusal.localPort)).size, 1, 'all on one connection');
      for (const [index, wait] of [0, 10, 20, 40, 80, 80].entries()) {
        assert.ok((refusals[index]?.ms ?? 0) >= wait - 1, `refusal ${index + 1} took ${refusals[index]?.ms} ms, expected at least ${wait}`);
      }
      // A new connection starts afresh: its first refusal does not wait, so it is answered
      // before the old connection's next one (which waits the full 80 ms) even when sent after it.
      const fresh = new Agent({ keepAlive: true, maxSockets: 1 });
      try {
        const order: string[] = [];
        const old = get(port, agent, '/v1/primes/97').then(() => order.push('old'));
        await new Promise((resolve) => setTimeout(resolve, 5));
        const first = get(port, fresh, '/v1/primes/97').then((answer) => {
          order.push('fresh');
          return answer;
        });
        assert.equal((await first).status, 429);
        await old;
        assert.deepEqual(order, ['fresh', 'old']);
      } finally {
        fresh.destroy();
      }
    } finally {
      agent.destroy();
    }
  });
});

describe('refusals for want of capacity in the log', () => {
  const lines: Array<{ level: number; msg: string; [field: string]: unknown }> = [];
  let request: supertest.Agent;
  let close: () => Promise<void>;
  before(async () => {
    const sink = new Writable({
      write(chunk: Buffer, _encoding, done) {
        for (const text of chunk.toString().split('\n')) if (text !== '') lines.push(JSON.parse(text) as (typeof lines)[number]);
        done();
      },
    });
    const config = testConfig({ POOL_THREADS: '1', POOL_MAX_BACKLOG_MS: '0' });
    const services = createServices(config, { logger: pino({ level: 'info' }, sink) });
    await services.ready;
    const { server } = createAppServer(services);
    request = supertest.agent(server);
    close = async () => {
      server.close();
      await closeServices(services);
    };
  });
  after(() => close?.());

  test('a 503 overloaded is a warn line with its reason, not an error with a stack', async () => {
    const n = (2n ** 3217n - 1n).toString();
    const busy = request.get(`/v1/primes/${n}`).then((response) => response.status);
    // The first request is admitted whatever its cost (nothing else is); the next one is refused.
    let refused = 0;
    while (refused === 0) {
      const answer = await request.get(`/v1/primes/${n}`);
      if (answer.status === 503) refused += 1;
      else assert.equal(answer.status, 200);
    }
    assert.equal(await busy, 200);
    const line = lines.find((entry) => entry.msg === 'request' && entry['status'] === 503);
    assert.equal(line?.level, 40);
    assert.equal(line?.['problem'], 'overloaded');
    assert.equal(line?.['err'], undefined);
    assert.match(String(line?.['reason']), /admitted work/);
  });
});
