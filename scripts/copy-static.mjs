// tsc compiles src/ to dist/ but copies nothing else: this copies every src/**/static/ folder
// (the jobs page's HTML, script and CSS) to the same place under dist/, where the compiled
// modules read them from beside themselves.
import { cpSync, readdirSync } from 'node:fs';
import { join, relative } from 'node:path';

function copyStaticFolders(dir) {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (!entry.isDirectory()) continue;
    const path = join(dir, entry.name);
    if (entry.name === 'static') {
      const target = join('dist', relative('src', path));
      cpSync(path, target, { recursive: true });
      console.log(`copied ${path} to ${target}`);
    } else copyStaticFolders(path);
  }
}

copyStaticFolders('src');
