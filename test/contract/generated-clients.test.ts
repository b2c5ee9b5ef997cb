/**
 * Clients generated from openapi/openapi.json by the two generators users reach for,
 * @hey-api/openapi-ts and orval, each type-checked with the project's strict compiler flags
 * and used to call every endpoint family of the real server process, binary and text uploads,
 * the event stream and /metrics included (test/contract/clients/*-calls.ts, no casts).
 *
 * The clients are generated afresh on every run into test/contract/clients/generated/
 * (gitignored, removed first: nothing is cached), with every network connection refused
 * (test/helpers/no-network.mjs): a generator that wanted to fetch something fails here.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { after, before, describe, test } from 'node:test';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { type ServerProcess, startServerProcess } from '../helpers/server.js';

const run = promisify(execFile);
const clientsDir = resolve('test/contract/clients');
const generatedDir = join(clientsDir, 'generated');
const networkLog = join(generatedDir, 'network.log');
const guard = resolve('test/helpers/no-network.mjs');

/** Runs a node script with the network refused; throws with its output when it fails. */
async function offline(script: string, args: string[]): Promise<string> {
  const env = {
    ...process.env,
    NODE_OPTIONS: `${process.env['NODE_OPTIONS'] ?? ''} --import ${guard}`.trim(),
    CRUNCH_NETWORK_LOG: networkLog,
    NO_COLOR: '1',
  };
  try {
    const { stdout, stderr } = await run(process.execPath, [script, ...args], { env, maxBuffer: 64 * 1024 * 1024 });
    return stdout + stderr;
  } catch (error) {
    const failed = error as { stdout?: string; stderr?: string; message: string };
    throw new Error(`${script} ${args.join(' ')} failed: ${failed.message}\n${failed.stdout ?? ''}${failed.stderr ?? ''}`);
  }
}

type Checks = Array<[string, () => Promise<void>]>;

/** A calls module's `checks`, looked at rather than cast: it is compiled apart from this file. */
async function loadChecks(file: string, baseUrl: string): Promise<Checks> {
  const module: unknown = await import(pathToFileURL(join(clientsDir, file)).href);
  if (typeof module !== 'object' || module === null || !('checks' in module) || typeof module.checks !== 'function') {
    throw new Error(`${file} exports no checks()`);
  }
  const checks: unknown = module.checks(baseUrl);
  if (!Array.isArray(checks)) throw new Error(`${file}: checks() returned no list`);
  return checks.map((entry: unknown): [string, () => Promise<void>] => {
    if (!Array.isArray(entry)) throw new Error(`${file}: a bad check`);
    const [name, check]: unknown[] = entry;
    if (typeof name !== 'string' || typeof check !== 'function') throw new Error(`${file}: a bad check`);
    return [name, async () => void (await check())];
  });
}

describe('clients generated from the contract', () => {
  let server: ServerProcess;
  const seconds: Record<string, number> = {};

  before(async () => {
    server = await startServerProcess();
    await rm(generatedDir, { recursive: true, force: true });
    await mkdir(generatedDir, { recursive: true });
    let started = performance.now();
    // `./`: a bare `openapi/openapi.json` is read by @hey-api as `organization/project` of its online registry.
    await offline('node_modules/@hey-api/openapi-ts/bin/run.js', ['-i', './openapi/openapi.json', '-o', join(generatedDir, 'hey-api')]);
    seconds['hey-api'] = (performance.now() - started) / 1000;
    // orval builds absolute URLs from `baseUrl` (fetch in Node has no base to resolve against).
    const orvalConfig = join(generatedDir, 'orval.config.mjs');
    await writeFile(
      orvalConfig,
      `export default { crunch: { input: { target: ${JSON.stringify(resolve('openapi/openapi.json'))} }, output: { ` +
        `target: ${JSON.stringify(join(generatedDir, 'orval', 'crunch.ts'))}, client: 'fetch', mode: 'single', ` +
        `baseUrl: ${JSON.stringify(server.url)} } } };\n`,
    );
    started = performance.now();
    await offline('node_modules/orval/dist/bin/orval.mjs', ['--config', orvalConfig]);
    seconds['orval'] = (performance.now() - started) / 1000;
    started = performance.now();
    // The project's compiler flags (the tsconfig there extends the root one), generated code included.
    await offline('node_modules/typescript/bin/tsc', ['-p', join(clientsDir, 'tsconfig.json')]);
    seconds['tsc'] = (performance.now() - started) / 1000;
    console.log(`generated and type-checked in ${JSON.stringify(seconds)} s`);
  });

  after(async () => {
    if (server !== undefined) assert.equal(await server.stop(), 0);
  });

  test('generation asked nothing of the network', async () => {
    assert.equal(await readFile(networkLog, 'utf8').catch(() => ''), '');
  });

  for (const [generator, file] of [
    ['@hey-api/openapi-ts', 'hey-api-calls.ts'],
    ['orval', 'orval-calls.ts'],
  ] as const) {
    test(`${generator}: every endpoint family against the real server`, async (t) => {
      for (const [name, check] of await loadChecks(file, server.url)) await t.test(name, check);
    });
  }
});
