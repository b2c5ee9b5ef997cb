/** A worker's health file: fresh after a touch, stale once three heartbeats are missed, absent once removed. */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, utimesSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { healthFileAge, healthMaxAgeMs, heartbeatMs, removeHealthFile, touchHealthFile } from '../../src/distributed/health.js';

const directory = mkdtempSync(join(tmpdir(), 'crunch-health-'));
after(() => rmSync(directory, { recursive: true, force: true }));

test('a touched file is fresh; one last touched three heartbeats ago is stale; a removed one is absent', async () => {
  const file = join(directory, 'worker');
  assert.equal(await healthFileAge(file), undefined);
  await touchHealthFile(file);
  const fresh = await healthFileAge(file);
  assert.ok(fresh !== undefined && fresh >= -1_000 && fresh < heartbeatMs, String(fresh));
  const past = (Date.now() - healthMaxAgeMs - 1_000) / 1_000;
  utimesSync(file, past, past);
  const stale = await healthFileAge(file);
  assert.ok(stale !== undefined && stale > healthMaxAgeMs, String(stale));
  await removeHealthFile(file);
  assert.equal(await healthFileAge(file), undefined);
  await removeHealthFile(file);
});
