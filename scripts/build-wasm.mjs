// Compiles every AssemblyScript module wasm/<name>.ts into wasm/build/<name>.wasm.
// Shared AssemblyScript code lives in wasm/lib/ and is only compiled through the
// modules that import it. Skips modules whose output is newer than every source.
import { execFileSync } from 'node:child_process';
import { mkdirSync, readdirSync, statSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const ascBin = join(require.resolve('assemblyscript/package.json'), '..', 'bin', 'asc.js');
const sourceDir = 'wasm';
const outDir = join(sourceDir, 'build');
mkdirSync(outDir, { recursive: true });

function newestSourceTime(dir) {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) {
      if (path !== outDir) newest = Math.max(newest, newestSourceTime(path));
    } else if (entry.name.endsWith('.ts') || entry.name.endsWith('.json')) {
      newest = Math.max(newest, statSync(path).mtimeMs);
    }
  }
  return newest;
}

const sourcesChanged = newestSourceTime(sourceDir);
const modules = readdirSync(sourceDir).filter((name) => name.endsWith('.ts') && !name.endsWith('.d.ts'));
for (const file of modules) {
  const output = join(outDir, file.replace(/\.ts$/, '.wasm'));
  if (existsSync(output) && statSync(output).mtimeMs > sourcesChanged) continue;
  execFileSync(
    process.execPath,
    [ascBin, join(sourceDir, file), '-o', output, '-O3', '--runtime', 'stub', '--noAssert', '--enable', 'simd'],
    { stdio: 'inherit' },
  );
  console.log(`wasm: built ${output}`);
}
