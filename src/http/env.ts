/** The Hono environment shared by every route: per-request variables set by middleware. */
import type { OpenAPIHono } from '@hono/zod-openapi';
import type { HttpBindings } from '@hono/node-server';
import type { Logger } from 'pino';
import type { Placement } from '../dispatch/placement.js';
import type { BodyCharge } from './upload.js';

export interface AppEnv {
  /** Node's request and response under @hono/node-server; absent when the app is called through `fetch`. */
  Bindings: Partial<HttpBindings>;
  Variables: {
    requestId: string;
    /** The handler wrote `X-Request-Id` into its own plain response headers (src/http/plain-response.ts). */
    requestIdSent: boolean | undefined;
    log: Logger;
    /** Who is calling: the tenant of the API key, or '' when no keys are configured (src/http/auth.ts). */
    tenant: string;
    /** Request-body bytes this request holds (src/http/upload.ts); credited when it ends. */
    bodyCharge: BodyCharge | undefined;
    /** The request body as read by src/http/upload.ts (it identifies the request for Idempotency-Key). */
    body: Uint8Array | undefined;
    /** For the access log: where the work ran, the problem answered, the job concerned, what went wrong. */
    placement: Placement | undefined;
    problemType: string | undefined;
    jobId: string | undefined;
    error: unknown;
  };
}

export type AppHono = OpenAPIHono<AppEnv>;
