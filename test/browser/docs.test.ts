/**
 * /docs in a real headless Chromium that can reach nothing but 127.0.0.1: the page loads from
 * crunch alone, and "Try it out" on GET /v1/primes/{n} shows the answer, on whatever port the
 * server runs. Then the same reference served by a page of another origin, which works only
 * because the server allows that origin (CORS_ORIGINS).
 */
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import type { Locator, Page } from 'playwright-core';
import { launchBrowser, saveScreenshot, type TestBrowser } from '../helpers/browser.js';
import { startServerProcess, type ServerProcess } from '../helpers/server.js';
import { testChromium } from '../helpers/services.js';

/** The GET /v1/primes/{n} operation of a Swagger UI page, expanded and in "Try it out" mode. */
async function tryPrimeCheck(page: Page): Promise<Locator> {
  const operation = page.locator('.opblock-get', { has: page.locator('[data-path="/v1/primes/{n}"]') });
  await operation.locator('.opblock-summary').click();
  await operation.getByRole('button', { name: 'Try it out' }).click();
  return operation;
}

/** Runs the operation for `n` and returns the response body and headers Swagger UI shows. */
async function execute(operation: Locator, n: string): Promise<{ status: string; body: unknown; headers: string }> {
  await operation.locator('tr[data-param-name="n"] input').fill(n);
  await operation.getByRole('button', { name: 'Execute' }).click();
  const response = operation.locator('.live-responses-table .response');
  // The body of this execution, not the one before it.
  await operation.locator('.request-url pre', { hasText: `/v1/primes/${n}` }).waitFor();
  await response.locator('.response-col_description pre').first().waitFor();
  return {
    status: (await response.locator('.response-col_status').first().innerText()).trim(),
    body: JSON.parse(await response.locator('.response-col_description pre').first().innerText()),
    headers: await response.locator('.response-col_description').innerText(),
  };
}

/** A page of another origin that shows crunch's reference from `crunchUrl` (assets and contract). */
function foreignDocsPage(crunchUrl: string): string {
  return `<!doctype html><html><head><meta charset="utf-8"><title>elsewhere</title>
<link rel="stylesheet" href="${crunchUrl}/docs/assets/swagger-ui.css"></head>
<body><div id="reference"></div>
<script src="${crunchUrl}/docs/assets/swagger-ui-bundle.js"></script>
<script>SwaggerUIBundle({ url: '${crunchUrl}/openapi.json', dom_id: '#reference', validatorUrl: null });</script>
</body></html>`;
}

async function listen(server: Server): Promise<string> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

describe('/docs in a browser', () => {
  const { skip } = testChromium;
  let browser: TestBrowser;
  let crunch: ServerProcess;
  let allowedCrunch: ServerProcess;
  let allowedSite: Server;
  let otherSite: Server;
  let allowedOrigin: string;
  let otherOrigin: string;

  before(async () => {
    if (skip) return;
    // Two other origins (ports) serving a page each; crunch allows the first one only.
    let crunchForSites = '';
    const servePage = (request: unknown, response: import('node:http').ServerResponse): void => {
      response.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8' }).end(foreignDocsPage(crunchForSites));
    };
    allowedSite = createServer(servePage);
    otherSite = createServer(servePage);
    [allowedOrigin, otherOrigin] = await Promise.all([listen(allowedSite), listen(otherSite)]);
    [browser, crunch, allowedCrunch] = await Promise.all([
      launchBrowser(),
      startServerProcess(),
      startServerProcess({ CORS_ORIGINS: allowedOrigin }),
    ]);
    crunchForSites = allowedCrunch.url;
  });

  after(async () => {
    if (skip) return;
    allowedSite.close();
    otherSite.close();
    await browser.close();
    assert.equal(await crunch.stop(), 0);
    assert.equal(await allowedCrunch.stop(), 0);
  });

  test('loads with no network and "Try it out" on GET /v1/primes/{n} shows the answer, twice', { skip }, async () => {
    assert.notEqual(crunch.port, 3000);
    const page = await browser.newPage();
    await page.goto(`${crunch.url}/docs`);
    const operation = await tryPrimeCheck(page);
    // Nothing is prefilled that would turn the call into a job.
    assert.equal(await operation.locator('tr[data-param-name="prefer"] input').inputValue(), '');
    assert.equal(await operation.locator('tr[data-param-name="idempotency-key"] input').inputValue(), '');

    const first = await execute(operation, '1000003');
    assert.equal(first.status, '200');
    assert.deepEqual(first.body, { n: '1000003', prime: true, test: 'deterministic' });
    assert.match(await operation.locator('.request-url pre').innerText(), new RegExp(`^${crunch.url}/v1/primes/1000003$`));
    // 1000001 = 101 × 9901
    const second = await execute(operation, '1000001');
    assert.equal(second.status, '200');
    assert.deepEqual(second.body, { n: '1000001', prime: false, test: 'deterministic' });

    await saveScreenshot(operation, 'docs-try-it-out');
    assert.deepEqual(browser.foreignRequests, [], 'the page reached for another host');
    await page.close();
  });

  test('from a page of an allowed origin, the reference loads and "Try it out" works cross-origin', { skip }, async () => {
    const page = await browser.newPage();
    await page.goto(allowedOrigin);
    const operation = await tryPrimeCheck(page);
    const answer = await execute(operation, '97');
    assert.equal(answer.status, '200');
    assert.deepEqual(answer.body, { n: '97', prime: true, test: 'deterministic' });
    // Calls go to crunch (the relative server URL resolves against the contract's URL). Of the
    // headers, a cross-origin script sees only the safelisted ones and those crunch exposes.
    assert.match(await operation.locator('.request-url pre').innerText(), new RegExp(`^${allowedCrunch.url}/v1/primes/97$`));
    assert.match(answer.headers, /x-crunch-route: inline/);
    assert.match(answer.headers, /x-request-id: \S+/);
    assert.doesNotMatch(answer.headers, /keep-alive:/);
    await saveScreenshot(operation, 'docs-cross-origin');
    await page.close();
  });

  test('from an origin that is not allowed, the browser refuses to load the contract', { skip }, async () => {
    const page = await browser.newPage();
    await page.goto(otherOrigin);
    await page.getByText('Failed to load API definition').waitFor();
    await page.close();
    assert.deepEqual(browser.foreignRequests, []);
  });
});
