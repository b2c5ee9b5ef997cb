/**
 * The response headers crunch sends, documented once: routes and problem responses refer to
 * them by name (`#/components/headers/<name>`), and src/http/openapi.ts adds to the document's
 * components exactly the ones referred to.
 */
import { placements } from '../dispatch/placement.js';

interface HeaderDoc {
  readonly description: string;
  readonly schema: { readonly type: 'string' | 'integer'; readonly enum?: readonly string[]; readonly minimum?: number; readonly pattern?: string };
}

export const documentedHeaders = {
  'X-Request-Id': {
    description:
      'The id of this request (the one the client sent in `X-Request-Id` when it is 1 to 128 of `A-Za-z0-9._:-`, or a new UUID): ' +
      'it names the request in the server log; quote it when reporting a problem.',
    schema: { type: 'string' },
  },
  'X-Crunch-Route': {
    description:
      'Where the work ran (its placement): `inline` (event loop), `sliced` (event loop, in yielding slices) or `pool` (worker threads). ' +
      'Sent when the answer was computed by this request, not when it is the result of a job.',
    schema: { type: 'string', enum: placements },
  },
  'Server-Timing': {
    description:
      'Queue wait, compute time and total in milliseconds, and the placement, e.g. ' +
      '`queue;dur=0.1, compute;dur=2.5, total;dur=2.9, route;desc="pool"`. Sent with `X-Crunch-Route`.',
    schema: { type: 'string' },
  },
  Location: { description: 'The job: `/v1/jobs/{id}`.', schema: { type: 'string' } },
  'Content-Location': {
    description: 'The job this answer belongs to (`/v1/jobs/{id}`), when the request ran as a job (`Prefer: respond-async` or `wait`).',
    schema: { type: 'string' },
  },
  'Preference-Applied': {
    description: 'Which preference of `Prefer` was honoured: `respond-async`, or `wait=N`.',
    schema: { type: 'string' },
  },
  'Idempotent-Replayed': {
    description: '`true` when an earlier submission with the same `Idempotency-Key` made this job: the answer describes that job.',
    schema: { type: 'string', enum: ['true'] },
  },
  'Retry-After': {
    description: 'Seconds to wait before trying again (or before polling the job again).',
    schema: { type: 'integer', minimum: 0 },
  },
  Link: { description: '`<next page URL>; rel="next"` when more remain.', schema: { type: 'string' } },
  'WWW-Authenticate': {
    description: 'The authentication scheme to use: `Bearer` (RFC 6750), with the reason when a key was given but refused.',
    schema: { type: 'string' },
  },
  'RateLimit-Policy': {
    description:
      'The rate limit policy of the caller’s tenant (IETF draft `RateLimit-Policy`, e.g. `"minute";q=600;w=60`). ' +
      'Sent when rate limits are configured.',
    schema: { type: 'string' },
  },
  RateLimit: {
    description:
      'What is left of the caller’s quota and when it resets (IETF draft `RateLimit`, e.g. `"minute";r=598;t=42`). ' +
      'Sent when rate limits are configured.',
    schema: { type: 'string' },
  },
} as const satisfies Record<string, HeaderDoc>;

export type DocumentedHeader = keyof typeof documentedHeaders;

export function headerRef(name: DocumentedHeader): { $ref: string } {
  return { $ref: `#/components/headers/${name}` };
}

/** `headers` of a response entry, as references. */
export function headerRefs(...names: DocumentedHeader[]): Record<string, { $ref: string }> {
  return Object.fromEntries(names.map((name) => [name, headerRef(name)]));
}
