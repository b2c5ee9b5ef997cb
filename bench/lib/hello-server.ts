/**
 * The baseline for HTTP overhead: a bare Hono app on @hono/node-server, nothing else (no
 * middleware, no validation, no pool). `/v1/primes/:n` answers the JSON crunch answers for a
 * prime, so both send the same body. Started as its own process.
 */
import { serve } from '@hono/node-server';
import { Hono } from 'hono';

const app = new Hono();
app.get('/', (c) => c.json({ hello: 'world' }));
app.get('/healthz', (c) => c.json({ status: 'ok' }));
app.get('/v1/primes/:n', (c) => c.json({ n: c.req.param('n'), prime: true, test: 'deterministic' }));
serve({ fetch: app.fetch, port: Number(process.env['PORT']), hostname: '127.0.0.1' });
process.on('SIGTERM', () => process.exit(0));
