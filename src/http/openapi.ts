/** The OpenAPI 3.1 document of an app, from the zod schemas its routes registered. */
import { problemMediaType } from './problems.js';
import type { AppHono } from './env.js';

export const apiVersion = '1.0.0';

export function openApiDocument(app: AppHono) {
  return app.getOpenAPI31Document({
    openapi: '3.1.0',
    info: {
      title: 'crunch',
      version: apiVersion,
      description:
        'Serverless-style compute API: prime checking, reductions and MapReduce, run on the event loop or a ' +
        'worker pool depending on the cost of the work. Integers travel as JSON numbers only while safe ' +
        `(<= 2^53 - 1) and as decimal strings beyond. Errors are RFC 9457 \`${problemMediaType}\`.`,
      license: { name: 'MIT' },
    },
    // Relative: resolved against wherever the document was fetched from, so /docs "Try it out"
    // calls the server that served it, on any host and port.
    servers: [{ url: '/', description: 'The server that serves this document' }],
    tags: [
      { name: 'primes', description: 'Prime checking, listing, counting and factoring' },
      { name: 'jobs', description: 'Asynchronous jobs: any compute call with `Prefer: respond-async`' },
      { name: 'mapreduce', description: 'Word count, letter frequency, inverted index, grep and sum by key over text' },
      { name: 'reduce', description: 'Exact, parallel reductions over arrays (JSON or raw binary bodies)' },
      { name: 'system', description: 'Health, readiness, metrics' },
    ],
  });
}
