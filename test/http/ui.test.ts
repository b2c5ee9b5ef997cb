/** The jobs page's files: served locally with a policy that keeps the page on this origin. */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { type TestApp, problemOf, startTestApp } from '../helpers/app.js';

let app: TestApp;
before(() => {
  app = startTestApp();
});
after(() => app.close());

describe('/ui', () => {
  test('the page and every file it references come from this server, under a same-origin policy', async () => {
    const page = await app.request.get('/ui').expect(200);
    assert.match(String(page.headers['content-type']), /^text\/html/);
    const policy = String(page.headers['content-security-policy']);
    for (const directive of ["default-src 'none'", "script-src 'self'", "connect-src 'self'"]) assert.ok(policy.includes(directive), policy);
    const references = [...page.text.matchAll(/(?:src|href)="([^"]+)"/g)].map((match) => match[1] as string);
    const files = references.filter((reference) => reference.startsWith('/ui/'));
    assert.deepEqual(files.sort(), ['/ui/app.js', '/ui/style.css']);
    for (const reference of references) assert.ok(reference.startsWith('/') || reference.startsWith('data:'), `${reference} is not local`);
    const script = await app.request.get('/ui/app.js').expect(200);
    assert.match(String(script.headers['content-type']), /^text\/javascript/);
    assert.match(script.text, /\/v1\/jobs/);
    assert.match(String((await app.request.get('/ui/style.css').expect(200)).headers['content-type']), /^text\/css/);
  });

  test('an unknown file is a 404 problem, and paths cannot leave the folder', async () => {
    assert.match(problemOf(await app.request.get('/ui/secret.txt').expect(404)).detail, /open \/ui/);
    problemOf(await app.request.get('/ui/..%2F..%2Fconfig.ts').expect(404));
  });
});
