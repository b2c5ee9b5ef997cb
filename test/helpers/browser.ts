/**
 * A real headless Chromium (Debian's, found by `npm test`: see ./services.ts) driven by
 * playwright-core. Every launch gets a fresh profile, and the browser can resolve no host but
 * 127.0.0.1, so a page that reaches for a CDN or any other network shows it in `foreignRequests`.
 */
import { mkdtempSync, mkdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { type BrowserContext, chromium, type Locator, type Page } from 'playwright-core';
import { testChromium } from './services.js';

export interface TestBrowser {
  readonly context: BrowserContext;
  /** Requests the pages made to anything but 127.0.0.1. */
  readonly foreignRequests: readonly string[];
  newPage(): Promise<Page>;
  close(): Promise<void>;
}

// The machine's network is closed: keep Chromium from trying (and waiting on) its own services.
const chromiumArgs = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1',
];

export async function launchBrowser(): Promise<TestBrowser> {
  const profile = mkdtempSync(join(tmpdir(), 'crunch-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: testChromium.address(),
    headless: true,
    args: chromiumArgs,
    viewport: { width: 1280, height: 900 },
  });
  const foreignRequests: string[] = [];
  context.on('request', (request) => {
    const url = new URL(request.url());
    if ((url.protocol === 'http:' || url.protocol === 'https:') && url.hostname !== '127.0.0.1') foreignRequests.push(request.url());
  });
  return {
    context,
    foreignRequests,
    newPage: () => context.newPage(),
    async close() {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

/** Saves a screenshot of a whole page or one element under test-artifacts/ (gitignored), prints and returns its path. */
export async function saveScreenshot(subject: Page | Locator, name: string): Promise<string> {
  const dir = resolve('test-artifacts');
  mkdirSync(dir, { recursive: true });
  const path = join(dir, `${name}.png`);
  if ('goto' in subject) await subject.screenshot({ path, fullPage: true });
  else await subject.screenshot({ path });
  console.log(`screenshot: ${path}`);
  return path;
}
