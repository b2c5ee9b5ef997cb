/**
 * The jobs page (/ui) in a real headless Chromium against a real server: a job submitted
 * elsewhere appears, its bar moves as its shards finish (over its event stream) and it ends
 * succeeded with its result; a failing job shows its problem; the cancel button stops a running
 * job; the pool chart shows the load. A screenshot is kept in test-artifacts/.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Page } from 'playwright-core';
import { launchBrowser, saveScreenshot, type TestBrowser } from '../helpers/browser.js';
import { startServerProcess, type ServerProcess } from '../helpers/server.js';
import { testChromium } from '../helpers/services.js';

interface ProgressSeen {
  readonly id: string;
  readonly value: number;
  readonly max: number;
}

// The callbacks given to page.evaluate run in the page. tsconfig has no DOM library (the
// server must not use one), so they see the page through these few module-scoped shapes.
interface PageElement {
  readonly dataset: Record<string, string | undefined>;
  readonly value: number;
  readonly max: number;
  hasAttribute(name: string): boolean;
  closest(selector: string): PageElement | null;
}
declare const document: { getElementById(id: string): PageElement | null };
declare const window: { progressSeen: ProgressSeen[] };
declare const MutationObserver: new (callback: (mutations: Array<{ target: PageElement }>) => void) => {
  observe(target: PageElement, options: { subtree: boolean; attributes: boolean; attributeFilter: string[] }): void;
};

describe('the jobs page in a browser', () => {
  const { skip } = testChromium;
  let browser: TestBrowser;
  let server: ServerProcess;
  let page: Page;
  const pageErrors: string[] = [];
  const eventStreams: string[] = [];
  // The server has API keys, so the page must ask for one and send it on every call.
  const apiKey = 'jobs-page-test-key-0123456789';
  const auth = { Authorization: `Bearer ${apiKey}` };

  /** Submits a compute call as a job from outside the page; returns the job id. */
  async function submit(path: string, init: RequestInit = {}): Promise<string> {
    const response = await fetch(`${server.url}${path}`, {
      ...init,
      headers: { Prefer: 'respond-async', ...auth, ...(init.body === undefined ? {} : { 'Content-Type': 'application/json' }) },
    });
    const text = await response.text();
    assert.equal(response.status, 202, text);
    return (JSON.parse(text) as { id: string }).id;
  }

  const row = (id: string, status?: string) => page.locator(`tr[data-job-id="${id}"]${status === undefined ? '' : `[data-status="${status}"]`}`);

  before(async () => {
    if (skip) return;
    [browser, server] = await Promise.all([
      launchBrowser(),
      startServerProcess({ POOL_SAMPLE_INTERVAL_MS: '250', POOL_SAMPLE_HISTORY: '240', API_KEYS: `ui:${apiKey}` }),
    ]);
    page = await browser.newPage();
    page.on('pageerror', (error) => pageErrors.push(error.message));
    // A blocked script, style or request (the page's content security policy) is logged as an error.
    // The calls refused before the key was given (401) are expected; anything else is not.
    page.on('console', (message) => {
      if (message.type() === 'error' && !/status of 401/.test(message.text())) pageErrors.push(message.text());
    });
    page.on('request', (request) => {
      const path = new URL(request.url()).pathname;
      // Read with fetch, which can send the key (EventSource cannot).
      if (path.endsWith('/events') && request.headers()['authorization'] === auth.Authorization) eventStreams.push(path);
    });
    await page.goto(`${server.url}/ui`);
    // Its first call is refused (401): it asks for a key, kept for the tab.
    await page.locator('#key-form').waitFor({ state: 'visible' });
    await page.locator('#api-key').fill(apiKey);
    await page.locator('#key-form button').click();
    await page.locator('#key-form').waitFor({ state: 'hidden' });
    // Every value the page gives a progress bar, as it happens (polling the DOM would miss some).
    await page.evaluate(() => {
      const seen: ProgressSeen[] = [];
      window.progressSeen = seen;
      new MutationObserver((mutations) => {
        for (const mutation of mutations) {
          const bar = mutation.target;
          const id = bar.closest('tr')?.dataset['jobId'];
          if (id !== undefined && bar.hasAttribute('value')) seen.push({ id, value: bar.value, max: bar.max });
        }
      }).observe(document.getElementById('job-rows')!, { subtree: true, attributes: true, attributeFilter: ['value', 'max'] });
    });
  });

  after(async () => {
    if (skip) return;
    await browser?.close();
    assert.equal(await server?.stop(), 0);
  });

  test('a job shows up, its bar moves over its event stream, and it ends succeeded with its result', { skip }, async () => {
    await page.locator('#no-jobs').waitFor({ state: 'visible' });
    // Sieving [0, 2·10^10] on the pool: 8 shards, each reporting progress as it ends (several seconds in all).
    const id = await submit('/v1/primes/count?from=0&to=20000000000&method=sieve');
    await row(id).waitFor();
    await row(id, 'succeeded').waitFor({ timeout: 60_000 });

    const seen = (await page.evaluate(() => window.progressSeen)).filter(
      (entry) => entry.id === id,
    );
    const shares = seen.map((entry) => entry.value / entry.max);
    const between = new Set(shares.filter((share) => share > 0 && share < 1));
    // At least one partial value before the full one: on a loaded machine the page may see
    // only the last few of the 8 steps.
    assert.ok(between.size >= 1, `the bar did not move: it showed ${JSON.stringify(seen)}`);
    assert.deepEqual([...shares].sort((a, b) => a - b), shares, 'the bar went backwards');
    assert.equal(shares.at(-1), 1);
    assert.ok(eventStreams.includes(`/v1/jobs/${id}/events`), 'the page did not follow the job over its event stream');

    // The result, checked against the other counting method (pi(x), a different kernel).
    const reference = (await (await fetch(`${server.url}/v1/primes/count?from=0&to=20000000000&method=pi`, { headers: auth })).json()) as { count: string };
    const result = await row(id).locator('td.result summary').innerText();
    assert.match(result, new RegExp(`"count":"${reference.count}"`));
    assert.match(await row(id).locator('td.duration').innerText(), /^\d+(\.\d)? (ms|s)$/);
    assert.equal(await row(id).locator('td.operation').innerText(), 'primes.count');
    assert.ok(await row(id).locator('button.cancel').isHidden(), 'a finished job offers to cancel');
  });

  test('a job that fails shows its problem', { skip }, async () => {
    // Two 1000-digit factors: a product of more than the 4096 bits results may have.
    const big = '9'.repeat(1000);
    const id = await submit('/v1/reduce', { method: 'POST', body: JSON.stringify({ op: 'product', type: 'int', values: [big, big] }) });
    await row(id, 'failed').waitFor({ timeout: 30_000 });
    assert.match(await row(id).locator('td.result').innerText(), /^Validation failed: .*more than 4096 bits/);
  });

  test('cancel stops a running job: it ends cancelled and the pool goes idle', { skip }, async () => {
    // Sieving [0, 5·10^10] would take some 20 s.
    const id = await submit('/v1/primes/count?from=0&to=200000000000&method=sieve');
    await row(id, 'running').waitFor({ timeout: 30_000 });
    await row(id).locator('button.cancel').click();
    await row(id, 'cancelled').waitFor({ timeout: 10_000 });
    const job = (await (await fetch(`${server.url}/v1/jobs/${id}`, { headers: auth })).json()) as { status: string };
    assert.equal(job.status, 'cancelled');
    assert.ok(await row(id).locator('button.cancel').isHidden());
    // Its pool tasks were stopped, not left to run out.
    await page.locator('#pool-in-flight', { hasText: /^0$/ }).waitFor({ timeout: 5_000 });
  });

  test('the pool chart shows the threads, and the load of the jobs above', { skip }, async () => {
    assert.equal(await page.locator('#pool-threads').innerText(), '2');
    const chart = page.locator('#pool-chart');
    await page.waitForFunction(() => Number(document.getElementById('pool-chart')?.dataset['samples']) >= 8);
    const peak = Number(await chart.getAttribute('data-peak-utilization'));
    assert.ok(peak > 0.5, `peak utilization ${peak} while a job kept both threads busy`);
    assert.ok((await chart.locator('polyline.utilization').getAttribute('points'))!.split(' ').length >= 8);
    await saveScreenshot(page, 'jobs-ui');
    assert.deepEqual(pageErrors, [], 'the page logged errors');
    assert.deepEqual(browser.foreignRequests, [], 'the page reached for another host');
  });
});
