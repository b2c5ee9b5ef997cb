/** The Hono environment shared by every route: per-request variables set by middleware. */
import type { OpenAPIHono } from '@hono/zod-openapi';
import type { HttpBindings } from '@hono/node-server';
import type { Logger } from 'pino';

export interface AppEnv {
  /** Node's request and response under @hono/node-server; absent when the app is called through `fetch`. */
  Bindings: Partial<HttpBindings>;
  Variables: {
    requestId: string;
    log: Logger;
  };
}

export type AppHono = OpenAPIHono<AppEnv>;
