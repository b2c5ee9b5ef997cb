/**
 * Responses whose headers are a plain object, written by @hono/node-server straight into
 * Node's `writeHead`. Every `c.header` makes Hono build a web `Headers`, and the adapter then
 * walks it back into an object, both through undici's WebIDL conversions: for a cheap request
 * that costs more than its computation. A response built here carries `X-Request-Id` itself
 * (the request middleware adds it to every other response once it is finished).
 *
 * Only for handlers that set no header with `c.header` before: those would be left out.
 */
import type { Context } from 'hono';
import type { AppEnv } from './env.js';

export type PlainHeaders = Record<string, string>;

export function plainResponse(c: Context<AppEnv>, status: number, body: string | Uint8Array | ReadableStream<Uint8Array> | null, headers: PlainHeaders): Response {
  headers['X-Request-Id'] = c.get('requestId');
  c.set('requestIdSent', true);
  return new Response(body, { status, headers });
}
