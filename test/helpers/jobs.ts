/** What the HTTP job tests read from jobs: polling a job to its end, and its whole event stream. */
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import type { TestApp } from './app.js';

/** The fields of a job the tests look at; each test narrows `result` and `problem` itself. */
export interface JobBody {
  id: string;
  operation: string;
  status: string;
  progress: { phase: string; done: number; total: number } | null;
  result?: unknown;
  problem?: { type: string; status: number; detail: string; line?: number; column?: number };
  expiresAt: string | null;
  links: { self: string; events: string };
}

const finishedStatuses = ['succeeded', 'failed', 'cancelled'];

/** Polls `location` every 25 ms until the job has finished; fails after `attempts` polls. */
export async function pollUntilFinished(app: TestApp, location: string, attempts = 600): Promise<JobBody> {
  for (let attempt = 0; attempt < attempts; attempt += 1) {
    const job = (await app.request.get(location).expect(200)).body as JobBody;
    if (finishedStatuses.includes(job.status)) return job;
    await sleep(25);
  }
  throw new Error(`job ${location} did not finish`);
}

/** Reads a whole SSE stream (it ends with the job) into its events. */
export async function readEvents(app: TestApp, path: string): Promise<Array<{ event: string; data: JobBody }>> {
  const response = await app.request
    .get(path)
    .buffer(true)
    .parse((res, callback) => {
      let text = '';
      res.on('data', (chunk: Buffer) => (text += chunk.toString('utf8')));
      res.on('end', () => callback(null, text));
    })
    .expect(200);
  assert.match(String(response.headers['content-type']), /^text\/event-stream/);
  return String(response.body)
    .split('\n\n')
    .filter((block) => block.includes('data:'))
    .map((block) => ({ event: /^event: (.*)$/m.exec(block)?.[1] ?? 'message', data: JSON.parse(/^data: (.*)$/m.exec(block)?.[1] ?? 'null') as JobBody }));
}
