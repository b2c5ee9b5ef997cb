/**
 * The contract lints clean with the linters users of an OpenAPI service run: Redocly CLI's
 * recommended rules and Spectral's `spectral:oas`, configured by files in openapi/. Both run
 * as child processes with every network connection refused (test/helpers/no-network.mjs), so
 * a linter that wanted to fetch a ruleset, a remote $ref, telemetry or an update notice would
 * fail here rather than reach out from a user's machine or CI.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { promisify } from 'node:util';

const run = promisify(execFile);
const guard = resolve('test/helpers/no-network.mjs');
const contract = 'openapi/openapi.json';

let dir: string;
let networkLog: string;

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'crunch-lint-'));
  networkLog = join(dir, 'network.log');
});

after(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** Runs a node script offline; resolves with its output whatever its exit code. */
async function offline(script: string, args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const env = {
    ...process.env,
    NODE_OPTIONS: `${process.env['NODE_OPTIONS'] ?? ''} --import ${guard}`.trim(),
    CRUNCH_NETWORK_LOG: networkLog,
    // Belt and braces: Redocly's own switches for telemetry and the update notice.
    REDOCLY_TELEMETRY: 'off',
    REDOCLY_SUPPRESS_UPDATE_NOTICE: 'true',
  };
  try {
    const { stdout, stderr } = await run(process.execPath, [script, ...args], { env, maxBuffer: 64 * 1024 * 1024 });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code?: number; stdout?: string; stderr?: string };
    return { code: typeof failed.code === 'number' ? failed.code : 1, stdout: failed.stdout ?? '', stderr: failed.stderr ?? '' };
  }
}

async function attempts(): Promise<string> {
  return readFile(networkLog, 'utf8').catch(() => '');
}

describe('the contract lints clean, offline', () => {
  test('the network guard refuses and records a connection (so the checks below can fail)', async () => {
    const probe = join(dir, 'probe.mjs');
    await import('node:fs/promises').then(({ writeFile }) =>
      writeFile(probe, "await fetch('http://127.0.0.1:9/').catch(() => {}); await import('node:http').then(({ get }) => { try { get('http://127.0.0.1:9/'); } catch {} });\n"),
    );
    await offline(probe, []);
    const log = await attempts();
    assert.match(log, /fetch http:\/\/127\.0\.0\.1:9\//);
    assert.match(log, /connect/);
    await rm(networkLog, { force: true });
  });

  test('redocly lint (recommended): no errors, no warnings', async () => {
    const { code, stdout, stderr } = await offline('node_modules/@redocly/cli/bin/cli.js', [
      'lint',
      contract,
      '--config',
      'openapi/redocly.yaml',
      '--format',
      'json',
    ]);
    const report = JSON.parse(stdout) as { totals: { errors: number; warnings: number; ignored: number }; problems: Array<{ ruleId: string; message: string; location: Array<{ pointer?: string }> }> };
    const listed = report.problems.map((problem) => `${problem.ruleId} ${problem.location[0]?.pointer ?? ''}: ${problem.message}`).join('\n');
    assert.equal(report.totals.errors, 0, listed);
    assert.equal(report.totals.warnings, 0, listed);
    // Only what openapi/.redocly.lint-ignore.yaml names, and why it does.
    assert.equal(report.totals.ignored, 3);
    assert.equal(code, 0, stderr);
    assert.equal(await attempts(), '', 'redocly tried to reach the network');
  });

  test('spectral lint (spectral:oas): no errors, no warnings', async () => {
    const { stdout, stderr } = await offline('node_modules/@stoplight/spectral-cli/dist/index.js', [
      'lint',
      contract,
      '--ruleset',
      'openapi/spectral.yaml',
      '--format',
      'json',
      '--quiet',
    ]);
    const results = JSON.parse(stdout.trim() === '' ? '[]' : stdout) as Array<{ code: string; message: string; severity: number; path: string[] }>;
    // Severity 0 is an error, 1 a warning.
    const serious = results.filter((result) => result.severity <= 1);
    assert.deepEqual(
      serious.map((result) => `${result.code} ${result.path.join('.')}: ${result.message}`),
      [],
      stderr,
    );
    assert.equal(await attempts(), '', 'spectral tried to reach the network');
  });
});
