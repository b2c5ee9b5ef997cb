/**
 * The OpenAPI 3.1 document of an app, from the zod schemas its routes registered, completed
 * with what holds for whole groups of routes rather than one: the bearer security of /v1, the
 * problems any /v1 route (401, 429), any route but the probes (503 while draining) and any
 * route at all (500) can answer, the headers of every response, and the components (problem
 * examples, headers) the routes refer to. The routes say what is theirs; this says the rest,
 * from the same registries (src/http/problems.ts, src/http/contract-headers.ts).
 */
import { type DocumentedHeader, documentedHeaders, headerRefs } from './contract-headers.js';
import type { AppHono } from './env.js';
import { type ProblemType, problemExampleBody, problemExamples, problemMediaType, problemResponse, problemTypes } from './problems.js';

export const apiVersion = '1.0.0';

export const securitySchemeName = 'bearerAuth';

/** Problems of whole groups of routes: who may call (/v1), how often (/v1), draining, bugs. */
function globalProblems(path: string): ProblemType[] {
  const v1 = path.startsWith('/v1/');
  const probe = path === '/healthz' || path === '/readyz';
  return [
    ...(v1 ? (['unauthorized', 'rate-limited', 'quota-exceeded'] as const) : []),
    ...(probe ? [] : (['shutting-down'] as const)),
    'internal',
  ];
}

interface ResponseEntry {
  description: string;
  headers?: Record<string, unknown>;
  content?: Record<string, { schema?: unknown; examples?: Record<string, unknown> }>;
}

interface OperationEntry {
  responses: Record<string, ResponseEntry>;
  security?: Array<Record<string, string[]>>;
}

const httpMethods = new Set(['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace']);

export function openApiDocument(app: AppHono) {
  const generated = app.getOpenAPI31Document({
    openapi: '3.1.0',
    info: {
      title: 'crunch',
      version: apiVersion,
      description:
        'Serverless-style compute API: prime checking, reductions and MapReduce, run on the event loop or a ' +
        'worker pool depending on the cost of the work. Integers travel as JSON numbers only while safe ' +
        `(<= 2^53 - 1) and as decimal strings beyond. Errors are RFC 9457 \`${problemMediaType}\`; each operation ` +
        'lists the problem types it can answer with, and an example of each. Besides those, any request can be ' +
        'answered `request-timeout` (408) or `headers-too-large` (431) by the connection layer, an unknown path ' +
        '`not-found` (404) and a known one asked with another method `method-not-allowed` (405, with `Allow`). ' +
        'With API keys configured, /v1 needs `Authorization: Bearer <key>`; without, it is open.',
      contact: { name: 'crunch maintainers', url: 'https://crunch.dev' },
      license: { name: 'MIT', url: 'https://opensource.org/license/mit' },
    },
    // Relative: resolved against wherever the document was fetched from, so /docs "Try it out"
    // calls the server that served it, on any host and port.
    servers: [{ url: '/', description: 'The server that serves this document' }],
    tags: [
      { name: 'primes', description: 'Prime checking, listing, counting and factoring' },
      { name: 'jobs', description: 'Asynchronous jobs: any compute call with `Prefer: respond-async`' },
      { name: 'mapreduce', description: 'Word count, letter frequency, inverted index, grep and sum by key over text, or your own map and reduce functions' },
      { name: 'functions', description: 'Your stored map, combine and reduce functions, checked once and run by id in the sandbox' },
      { name: 'reduce', description: 'Exact, parallel reductions over arrays (JSON or raw binary bodies)' },
      { name: 'system', description: 'Health, readiness, metrics, the pool' },
    ],
  });
  // A deep copy: the registry's objects are shared with every later call.
  const document = JSON.parse(JSON.stringify(generated)) as typeof generated;
  const paths = (document.paths ?? {}) as Record<string, Record<string, OperationEntry>>;
  for (const [path, item] of Object.entries(paths)) {
    for (const [method, operation] of Object.entries(item)) {
      if (!httpMethods.has(method)) continue;
      completeOperation(path, operation);
    }
  }
  const text = JSON.stringify(document);
  const referenced = (kind: string): Set<string> =>
    new Set([...text.matchAll(new RegExp(`"#/components/${kind}/([^"]+)"`, 'g'))].map((match) => match[1] as string));
  const components = (document.components ?? {}) as Record<string, Record<string, unknown>>;
  components['securitySchemes'] = {
    [securitySchemeName]: {
      type: 'http',
      scheme: 'bearer',
      description: 'An API key of the server (API_KEYS), sent as `Authorization: Bearer <key>`. Needed only when the server has keys.',
    },
  };
  components['headers'] = Object.fromEntries(
    [...referenced('headers')].sort().map((name) => [name, documentedHeaders[name as DocumentedHeader]]),
  );
  components['examples'] = Object.fromEntries(
    [...referenced('examples')].sort().map((type) => {
      const problem = type as ProblemType;
      return [type, { summary: problemExamples[problem].summary, value: problemExampleBody(problem) }];
    }),
  );
  document.components = components;
  return document;
}

function completeOperation(path: string, operation: OperationEntry): void {
  const v1 = path.startsWith('/v1/');
  operation.security = v1 ? [{ [securitySchemeName]: [] }] : [];
  const { responses } = operation;
  for (const type of globalProblems(path)) {
    const status = String(problemTypes[type].status);
    const existing = responses[status];
    const content = existing?.content?.[problemMediaType];
    if (existing !== undefined && content === undefined) {
      throw new Error(`${path}: status ${status} is documented as something other than a problem; cannot add ${type}`);
    }
    const types = [...Object.keys(content?.examples ?? {}), type] as ProblemType[];
    if (existing !== undefined && types.slice(0, -1).includes(type)) continue;
    const entry = problemResponse(Number(status), types);
    responses[status] = {
      ...entry,
      content: { [problemMediaType]: { schema: { $ref: '#/components/schemas/Problem' }, examples: entry.content[problemMediaType].examples } },
    };
  }
  const everyResponse: DocumentedHeader[] = v1 ? ['X-Request-Id', 'RateLimit-Policy', 'RateLimit'] : ['X-Request-Id'];
  for (const response of Object.values(responses)) response.headers = { ...response.headers, ...headerRefs(...everyResponse) };
  operation.responses = Object.fromEntries(Object.entries(responses).sort(([a], [b]) => a.localeCompare(b)));
}
