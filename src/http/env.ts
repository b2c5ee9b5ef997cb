/** The Hono environment shared by every route: per-request variables set by middleware. */
import type { OpenAPIHono } from '@hono/zod-openapi';
import type { Logger } from 'pino';

export interface AppEnv {
  Variables: {
    requestId: string;
    log: Logger;
  };
}

export type AppHono = OpenAPIHono<AppEnv>;
