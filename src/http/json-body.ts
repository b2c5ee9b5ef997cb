/**
 * Reads a JSON request body into an operation input. The bytes are read with the
 * request-body budget (src/http/upload.ts), decoded strictly and parsed by the same parser
 * (src/inputs/bodies.ts) wherever it runs: on the event loop for a body up to
 * `JSON_INLINE_PARSE_BYTES`, on a pool thread beyond, admitted and cancelled like any pool
 * work — a 16 MiB body of a million items must not hold the loop for seconds.
 */
import type { Context } from 'hono';
import { type JsonBodyInput, type JsonBodyName, parseJsonBody } from '../inputs/bodies.js';
import { checkUtf8Text, invalidUtf8Text } from '../inputs/mapreduce.js';
import type { Services } from '../services.js';
import { dispatchOptions } from './dispatch-options.js';
import type { AppEnv } from './env.js';
import { ProblemError } from './problems.js';
import { readUpload } from './upload.js';

export const jsonMediaType = /^application\/([a-z0-9.+-]+\+)?json\s*(;|$)/i;

/** Parsing and checking JSON runs at about this many bytes per microsecond (50 MB/s), measured on number arrays. */
const parseBytesPerMicro = 50;

export function isJsonRequest(c: Context): boolean {
  return jsonMediaType.test(c.req.header('content-type') ?? '');
}

/** UTF-8 is checked at about 1 GB/s: a 256 MiB upload would hold the loop for a quarter of a second. */
const utf8BytesPerMicro = 1_000;

/**
 * Refuses a text upload that is not UTF-8 (400 with the offset), checking it on the loop up to
 * JSON_INLINE_PARSE_BYTES and on a pool thread beyond.
 */
export async function checkUtf8Body(c: Context<AppEnv>, services: Services, bytes: Uint8Array): Promise<void> {
  if (bytes.length <= services.config.jsonInlineParseBytes) return checkUtf8Text(bytes);
  const { signal, admission } = dispatchOptions(c, services);
  const { value: offset } = await services.dispatcher.run(
    {
      operation: 'parse.utf8',
      costMicros: bytes.length / utf8BytesPerMicro,
      describe: `checking a ${bytes.length}-byte text`,
      poolOnly: true,
      inline: () => -1,
      pool: (run) => run('checkUtf8', { bytes }),
    },
    { ...(signal === undefined ? {} : { signal }), ...(admission === undefined ? {} : { admission }) },
  );
  if (offset >= 0) throw invalidUtf8Text(offset);
}

/** A JSON body's bytes, read with the request-body budget (large ones into shared memory, for a pool thread to parse). */
export async function readJsonBytes(c: Context<AppEnv>, services: Services): Promise<Uint8Array> {
  const { config } = services;
  if (!isJsonRequest(c)) {
    throw new ProblemError('unsupported-media-type', 'Send the body as JSON with `Content-Type: application/json`.');
  }
  return readUpload(c, {
    maxBytes: config.limits.maxBodyBytes,
    sharedFrom: config.jsonInlineParseBytes + 1,
    budget: services.budgets.requestBodies,
  });
}

export async function readJsonInput<K extends JsonBodyName>(c: Context<AppEnv>, services: Services, body: K): Promise<JsonBodyInput<K>> {
  const { config } = services;
  const bytes = await readJsonBytes(c, services);
  if (bytes.length <= config.jsonInlineParseBytes) return parseJsonBody(body, bytes, config.limits);
  const { signal, admission } = dispatchOptions(c, services);
  const outcome = await services.dispatcher.run(
    {
      operation: `parse.${body}`,
      costMicros: bytes.length / parseBytesPerMicro,
      describe: `parsing a ${bytes.length}-byte JSON body`,
      poolOnly: true,
      inline: () => parseJsonBody(body, bytes, config.limits),
      pool: (run) => run('parseBody', { body, bytes, limits: config.limits }) as Promise<JsonBodyInput<K>>,
    },
    { ...(signal === undefined ? {} : { signal }), ...(admission === undefined ? {} : { admission }) },
  );
  return outcome.value;
}
