// Runs every *.test.ts under src/ and test/ with node's own test runner.
// Node 20's runner has no glob support, so the file list is built here; tsx
// compiles TypeScript on the fly, in the main thread and in worker threads alike.
//
// Before the tests it brings up the throwaway services they need, when this machine has
// them, and tells the tests where they are (test/helpers/services.ts reads these):
//   CRUNCH_TEST_REDIS_URL  a redis-server on a free loopback port, no persistence, in a temp dir
//   CRUNCH_TEST_CHROMIUM   a Chromium binary for the browser tests (driven by playwright-core)
//   CRUNCH_TEST_PROMTOOL   Prometheus's promtool, to check the /metrics exposition
// Either may be set beforehand to use a service of your own. A missing one is announced
// with its install command and only the tests that need it skip; under CI=true it fails
// the run. Services started here are stopped when the tests end, pass or fail.
import { spawn } from 'node:child_process';
import { accessSync, constants, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { connect, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';

// The sandbox of user functions needs isolated-vm's native module, which `npm ci` builds with
// python3, make and g++. Without it the sandbox tests cannot run: say so loudly, and fail in CI.
const sandboxReady = existsSync('node_modules/isolated-vm/out/isolated_vm.node');
if (!sandboxReady) {
  console.error(
    [
      '',
      '!!! isolated-vm is not built (node_modules/isolated-vm/out/isolated_vm.node is missing): the sandbox tests cannot run.',
      '!!! Install the build tools and rebuild it:  apt-get install -y python3 make g++ && npm rebuild isolated-vm',
      '',
    ].join('\n'),
  );
  if (process.env.CI === 'true') process.exit(1);
}

function findTests(dir) {
  const found = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) found.push(...findTests(path));
    else if (entry.name.endsWith('.test.ts')) found.push(path);
  }
  return found;
}

function onPath(names) {
  for (const name of names) {
    for (const dir of (process.env.PATH ?? '').split(delimiter)) {
      const path = join(dir, name);
      try {
        accessSync(path, constants.X_OK);
        return path;
      } catch {
        // not in this directory
      }
    }
  }
  return undefined;
}

function banner(lines) {
  const width = Math.max(...lines.map((line) => line.length)) + 4;
  const rule = '#'.repeat(width);
  console.error(`\n${rule}\n${lines.map((line) => `# ${line.padEnd(width - 4)} #`).join('\n')}\n${rule}\n`);
}

function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

/** Resolves once the server answers PING with PONG; rejects after `timeoutMs`. */
async function waitForPong(port, timeoutMs) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const answered = await new Promise((resolve) => {
      const socket = connect(port, '127.0.0.1');
      let reply = '';
      socket.setTimeout(500, () => socket.destroy());
      socket.on('connect', () => socket.write('*1\r\n$4\r\nPING\r\n'));
      socket.on('data', (chunk) => {
        reply += chunk;
        if (reply.includes('\r\n')) socket.end();
      });
      socket.on('close', () => resolve(reply.startsWith('+PONG')));
      socket.on('error', () => {});
    });
    if (answered) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`redis-server did not answer PING on port ${port} within ${timeoutMs} ms`);
}

/** A redis-server that keeps nothing: no RDB snapshots, no AOF, its directory removed at the end. */
async function startRedis(binary) {
  const dir = mkdtempSync(join(tmpdir(), 'crunch-test-redis-'));
  // Another process can take the free port between the probe and redis binding it: try again.
  for (let attempt = 1; ; attempt += 1) {
    const port = await freePort();
    const child = spawn(
      binary,
      ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir, '--daemonize', 'no', '--loglevel', 'warning'],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let output = '';
    child.stdout.on('data', (chunk) => (output += chunk));
    child.stderr.on('data', (chunk) => (output += chunk));
    const exited = new Promise((resolve) => child.once('exit', resolve));
    try {
      await Promise.race([waitForPong(port, 5_000), exited.then((code) => Promise.reject(new Error(`redis-server exited with ${code}`)))]);
      return {
        url: `redis://127.0.0.1:${port}`,
        async stop() {
          if (child.exitCode === null && child.signalCode === null) {
            child.kill('SIGTERM');
            const killer = setTimeout(() => child.kill('SIGKILL'), 3_000);
            await exited;
            clearTimeout(killer);
          }
          rmSync(dir, { recursive: true, force: true });
        },
      };
    } catch (error) {
      child.kill('SIGKILL');
      await exited;
      if (attempt >= 3) {
        rmSync(dir, { recursive: true, force: true });
        throw new Error(`${error.message}\n${output}`);
      }
    }
  }
}

const filter = process.argv.slice(2);
const files = ['src', 'test']
  .flatMap((dir) => findTests(dir))
  .filter((file) => filter.length === 0 || filter.some((part) => file.includes(part)))
  .filter((file) => sandboxReady || !file.includes(join('test', 'sandbox')))
  .sort();
if (files.length === 0) {
  console.error('no test files matched');
  process.exit(1);
}

const inCi = process.env.CI === 'true';
const env = { ...process.env, NODE_ENV: 'test' };
const stops = [];
const missing = [];

if (env.CRUNCH_TEST_REDIS_URL === undefined) {
  const binary = onPath(['redis-server']);
  if (binary === undefined) missing.push({ what: 'redis-server', install: 'apt-get install -y redis-server', needs: 'Redis' });
  else {
    const redis = await startRedis(binary);
    stops.push(redis.stop);
    env.CRUNCH_TEST_REDIS_URL = redis.url;
    console.log(`test services: redis-server at ${redis.url} (no persistence)`);
  }
}
if (env.CRUNCH_TEST_CHROMIUM === undefined) {
  const binary = onPath(['chromium', 'chromium-browser']);
  if (binary === undefined) missing.push({ what: 'chromium', install: 'apt-get install -y chromium', needs: 'a browser' });
  else env.CRUNCH_TEST_CHROMIUM = binary;
}
if (env.CRUNCH_TEST_CHROMIUM !== undefined) console.log(`test services: chromium at ${env.CRUNCH_TEST_CHROMIUM}`);
if (env.CRUNCH_TEST_PROMTOOL === undefined) {
  const binary = onPath(['promtool']);
  if (binary === undefined) {
    missing.push({ what: 'promtool', install: 'apt-get install -y --no-install-recommends prometheus', needs: 'promtool' });
  } else env.CRUNCH_TEST_PROMTOOL = binary;
}

async function stopServices() {
  while (stops.length > 0) await stops.pop()();
}

if (missing.length > 0) {
  const lines = ['MISSING TEST SERVICES'];
  for (const { what, install, needs } of missing) {
    lines.push('', `${what} was not found on PATH. Install it with:`, `    ${install}`);
    if (!inCi) lines.push(`Tests that need ${needs} will be SKIPPED.`);
  }
  lines.push('', 'Or install whatever is missing with: npm run test:install-services');
  if (inCi) lines.push('', 'CI=true: a missing test service fails the run (.ci/run installs them).');
  banner(lines);
  if (inCi) {
    await stopServices();
    process.exit(1);
  }
}

const runner = spawn(process.execPath, ['--import', 'tsx', '--test', '--test-reporter=spec', '--test-timeout=120000', ...files], {
  stdio: 'inherit',
  env,
});
// Ctrl-C reaches the runner through the process group; a signal sent to this script alone is
// passed on, so the runner ends and the services are still stopped below.
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) process.on(signal, () => runner.kill(signal));
const [code, signal] = await new Promise((resolve) => runner.once('exit', (...outcome) => resolve(outcome)));
await stopServices();
if (missing.length > 0) banner(['Reminder: some tests were skipped for missing services:', ...missing.map(({ install }) => `    ${install}`)]);
process.exit(code ?? (signal === null ? 1 : 128));
