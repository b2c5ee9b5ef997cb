// Runs every *.test.ts under src/ and test/ with node's own test runner.
// Node 20's runner has no glob support, so the file list is built here; tsx
// compiles TypeScript on the fly, in the main thread and in worker threads alike.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

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
const result = spawnSync(
  process.execPath,
  ['--import', 'tsx', '--test', '--test-reporter=spec', '--test-timeout=120000', ...files],
  { stdio: 'inherit', env: { ...process.env, NODE_ENV: 'test' } },
);
process.exit(result.status ?? 1);
