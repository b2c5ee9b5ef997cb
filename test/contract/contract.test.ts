/**
 * The contract files are generated; this proves they match the code (drift fails the suite),
 * and that a client typed from them talks to the real server.
 */
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { readFile } from 'node:fs/promises';
import { createInterface } from 'node:readline';
import { after, before, describe, test } from 'node:test';
import createClient from 'openapi-fetch';
import type { paths } from '../../openapi/schema.js';
import { generateContract } from '../../scripts/openapi.js';

describe('generated contract files', () => {
  test('openapi/openapi.json and openapi/schema.d.ts match what the code generates', async () => {
    const { json, types } = await generateContract();
    assert.equal(await readFile('openapi/openapi.json', 'utf8'), json, 'openapi.json is stale: run `npm run openapi`');
    assert.equal(await readFile('openapi/schema.d.ts', 'utf8'), types, 'schema.d.ts is stale: run `npm run openapi`');
  });

  test('every operation documents its problems and every compute route its 202 job answer', async () => {
    const document = JSON.parse(await readFile('openapi/openapi.json', 'utf8')) as {
      paths: Record<string, Record<string, { responses: Record<string, unknown>; parameters?: Array<{ name: string }> }>>;
    };
    for (const [path, operations] of Object.entries(document.paths)) {
      for (const [method, operation] of Object.entries(operations)) {
        // System routes take no input: nothing a client sends can be wrong.
        if (!path.startsWith('/v1/') || path.startsWith('/v1/system/')) continue;
        const statuses = Object.keys(operation.responses);
        assert.ok(statuses.some((status) => status.startsWith('4')), `${method} ${path} documents no 4xx`);
        const isCompute = !path.startsWith('/v1/jobs') && !path.startsWith('/v1/functions');
        if (isCompute) {
          assert.ok(statuses.includes('202'), `${method} ${path} documents no 202`);
          assert.ok(operation.parameters?.some((parameter) => parameter.name === 'prefer'), `${method} ${path} has no Prefer header`);
        }
      }
    }
  });
});

describe('typed client against the real server process', () => {
  let server: ChildProcess;
  let baseUrl: string;

  before(async () => {
    server = spawn(process.execPath, ['--import', 'tsx', 'src/server.ts'], {
      env: { ...process.env, PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'info', POOL_THREADS: '2' },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const lines = createInterface({ input: server.stdout! });
    baseUrl = await new Promise<string>((resolve, reject) => {
      server.once('exit', (code) => reject(new Error(`server exited with ${code}`)));
      lines.on('line', (line) => {
        const record = JSON.parse(line) as { msg?: string; port?: number };
        if (record.msg === 'listening') resolve(`http://127.0.0.1:${record.port}`);
      });
    });
  });

  after(async () => {
    server.kill('SIGTERM');
    const [code] = (await once(server, 'exit')) as [number | null];
    assert.equal(code, 0, 'the server did not exit cleanly on SIGTERM');
  });

  test('GET /v1/primes/{n} through openapi-fetch', async () => {
    const client = createClient<paths>({ baseUrl });
    const { data, error, response } = await client.GET('/v1/primes/{n}', { params: { path: { n: '18446744073709551557' } } });
    assert.equal(error, undefined);
    assert.equal(response.status, 200);
    assert.deepEqual(data, { n: '18446744073709551557', prime: true, test: 'deterministic' });
  });

  test('POST /v1/primes/check through openapi-fetch, and a typed problem', async () => {
    const client = createClient<paths>({ baseUrl });
    const ok = await client.POST('/v1/primes/check', { body: { numbers: [4, 5, '9999999999999917'] } });
    assert.equal(ok.response.status, 200);
    assert.ok(ok.data !== undefined && 'results' in ok.data, 'a synchronous call answers with results, not a job');
    assert.deepEqual(
      ok.data.results.map((result) => result.prime),
      [false, true, true],
    );
    const bad = await client.POST('/v1/primes/check', { body: { numbers: [-1] } });
    assert.equal(bad.response.status, 422);
    assert.equal(bad.error?.errors?.[0]?.pointer, '/numbers/0');
  });

  test('an async job through openapi-fetch', async () => {
    const client = createClient<paths>({ baseUrl });
    const accepted = await client.GET('/v1/primes/{n}', {
      params: { path: { n: '97' }, header: { prefer: 'respond-async' } },
    });
    assert.equal(accepted.response.status, 202);
    const location = accepted.response.headers.get('location');
    assert.ok(location);
    const id = location.split('/').at(-1) as string;
    let job = (await client.GET('/v1/jobs/{id}', { params: { path: { id } } })).data;
    for (let attempt = 0; job?.status !== 'succeeded' && attempt < 100; attempt += 1) {
      await new Promise((resolve) => setTimeout(resolve, 20));
      job = (await client.GET('/v1/jobs/{id}', { params: { path: { id } } })).data;
    }
    assert.deepEqual(job?.result, { n: '97', prime: true, test: 'deterministic' });
  });
});

describe('the problem registry', () => {
  test('the README documents every problem type the registry defines, and no other', async () => {
    const { problemTypes } = await import('../../src/http/problems.js');
    const readme = await readFile('README.md', 'utf8');
    const section = readme.slice(readme.indexOf('### Problem types'), readme.indexOf('### Health, metrics, contract'));
    const documented = [...section.matchAll(/^\| `([a-z-]+)` \| (\d{3}) \|/gm)].map((match) => `${match[1]} ${match[2]}`);
    const defined = Object.entries(problemTypes).map(([type, spec]) => `${type} ${spec.status}`);
    assert.deepEqual(documented.sort(), defined.sort());
  });
});
