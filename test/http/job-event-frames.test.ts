import assert from 'node:assert/strict';
import { test } from 'node:test';
import { sharedFrame } from '../../src/features/jobs/job-routes.js';
import type { JobRecord } from '../../src/jobs/types.js';

const job = (status: JobRecord['status']): JobRecord => ({
  id: 'j1',
  tenant: '',
  operation: 'primes.count',
  status,
  progress: { phase: 'sieve', done: 2, total: 2 },
  createdAt: '2026-12-01T00:00:00.000Z',
  startedAt: '2026-12-01T00:00:00.000Z',
  finishedAt: status === 'running' ? null : '2026-12-01T00:00:01.000Z',
  expiresAt: null,
  ...(status === 'succeeded' ? { resultJson: Buffer.from('{"count":"4"}') } : {}),
});

test('a progress event that carries a finished job is sent as the final status, with its result', () => {
  const text = Buffer.from(sharedFrame({ type: 'progress', job: job('succeeded'), sequence: 7 })).toString();
  assert.match(text, /^event: status\nid: j1\.7\ndata: /);
  assert.match(text, /"status":"succeeded"/);
  assert.match(text, /"result":\{"count":"4"\}/);
});

test('a progress event of a running job stays progress, without a result', () => {
  const text = Buffer.from(sharedFrame({ type: 'progress', job: job('running'), sequence: 3 })).toString();
  assert.match(text, /^event: progress\n/);
  assert.doesNotMatch(text, /"result"/);
});
