/**
 * The contract at /openapi.json and a readable reference at /docs. The page's assets come
 * from the installed swagger-ui-dist package, so it works with no internet access.
 */
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type { AppHono } from '../../http/env.js';
import { ProblemError } from '../../http/problems.js';

const assetTypes: Record<string, string> = {
  'swagger-ui.css': 'text/css; charset=utf-8',
  'swagger-ui-bundle.js': 'text/javascript; charset=utf-8',
  'swagger-ui-standalone-preset.js': 'text/javascript; charset=utf-8',
  'favicon-32x32.png': 'image/png',
};

const docsPage = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>crunch API reference</title>
<link rel="icon" href="/docs/assets/favicon-32x32.png">
<link rel="stylesheet" href="/docs/assets/swagger-ui.css">
</head>
<body>
<div id="reference"></div>
<script src="/docs/assets/swagger-ui-bundle.js"></script>
<script src="/docs/assets/swagger-ui-standalone-preset.js"></script>
<script src="/docs/init.js"></script>
</body>
</html>
`;

// validatorUrl: null, or Swagger UI fetches a badge from validator.swagger.io. The document's
// URL is relative and so is its server, so "Try it out" calls whichever host and port served /docs.
const initScript = `window.ui = SwaggerUIBundle({ url: '/openapi.json', dom_id: '#reference', deepLinking: true,
  validatorUrl: null, presets: [SwaggerUIBundle.presets.apis, SwaggerUIStandalonePreset], layout: 'StandaloneLayout' });
`;

export function registerDocsRoutes(app: AppHono, document: () => unknown): void {
  const assetsDir = dirname(createRequire(import.meta.url).resolve('swagger-ui-dist/package.json'));
  const cache = new Map<string, Buffer>();
  let documentJson: string | undefined;

  app.get('/openapi.json', (c) => {
    documentJson ??= JSON.stringify(document());
    c.header('Content-Type', 'application/json');
    return c.body(documentJson);
  });
  app.get('/docs', (c) => c.html(docsPage));
  app.get('/docs/init.js', (c) => {
    c.header('Content-Type', 'text/javascript; charset=utf-8');
    return c.body(initScript);
  });
  app.get('/docs/assets/:file', async (c) => {
    const file = c.req.param('file');
    const type = assetTypes[file];
    if (type === undefined) throw new ProblemError('not-found', `No documentation asset named ${JSON.stringify(file)}.`);
    let bytes = cache.get(file);
    if (bytes === undefined) {
      bytes = await readFile(join(assetsDir, file));
      cache.set(file, bytes);
    }
    c.header('Content-Type', type);
    c.header('Cache-Control', 'public, max-age=86400');
    return c.body(new Uint8Array(bytes));
  });
}
