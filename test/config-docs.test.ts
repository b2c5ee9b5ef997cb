/**
 * Every limit is a documented config variable: each variable src/config.ts reads has a row
 * in the README's Configuration table, and the table names no variable that is not read.
 */
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { test } from 'node:test';
import { environmentSchema } from '../src/config.js';

test('the README Configuration table has a row for each variable crunch reads, and no other', async () => {
  const readme = await readFile(new URL('../README.md', import.meta.url), 'utf8');
  const start = readme.indexOf('\n## Configuration\n');
  assert.ok(start >= 0, 'README has a Configuration section');
  const section = readme.slice(start, readme.indexOf('\n## ', start + 1));
  const documented = new Set([...section.matchAll(/^\| `([A-Z][A-Z0-9_]*)` \|/gm)].map((match) => match[1] ?? ''));
  const read = new Set(Object.keys(environmentSchema.shape));
  assert.deepEqual([...read].filter((name) => !documented.has(name)).sort(), [], 'read but not documented');
  assert.deepEqual([...documented].filter((name) => !read.has(name)).sort(), [], 'documented but not read');
});
