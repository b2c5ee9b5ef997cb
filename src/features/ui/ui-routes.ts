/**
 * The jobs page for people at /ui: recent jobs with live progress, cancel buttons, and the
 * pool's load over the last minutes. Three plain files in ./static (no framework, no CDN),
 * read from beside this module: src/ under tsx, dist/ after `npm run build`, which copies them.
 * Served with a content security policy that lets the page talk to this origin only.
 */
import { readFile } from 'node:fs/promises';
import type { Context } from 'hono';
import type { AppEnv, AppHono } from '../../http/env.js';
import { ProblemError } from '../../http/problems.js';

const staticFiles: Record<string, string> = {
  'index.html': 'text/html; charset=utf-8',
  'app.js': 'text/javascript; charset=utf-8',
  'style.css': 'text/css; charset=utf-8',
};

const contentSecurityPolicy = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "connect-src 'self'",
  "img-src 'self' data:",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

export function registerUiRoutes(app: AppHono): void {
  const cache = new Map<string, Buffer>();

  async function serveStatic(c: Context<AppEnv>, file: string): Promise<Response> {
    const type = staticFiles[file];
    if (type === undefined) throw new ProblemError('not-found', `The jobs page has no file named ${JSON.stringify(file)}; open /ui.`);
    let bytes = cache.get(file);
    if (bytes === undefined) {
      bytes = await readFile(new URL(`./static/${file}`, import.meta.url));
      cache.set(file, bytes);
    }
    c.header('Content-Type', type);
    // Small files that change with each release: revalidate rather than risk a stale page.
    c.header('Cache-Control', 'no-cache');
    c.header('Content-Security-Policy', contentSecurityPolicy);
    c.header('X-Content-Type-Options', 'nosniff');
    return c.body(new Uint8Array(bytes));
  }

  app.get('/ui', (c) => serveStatic(c, 'index.html'));
  app.get('/ui/:file', (c) => serveStatic(c, c.req.param('file')));
}
