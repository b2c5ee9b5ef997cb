/**
 * POST /v1/reduce (JSON values) and POST /v1/reduce/binary (a raw little-endian body, op and
 * type in the query). The JSON route still takes a binary body from earlier clients.
 */
import type { Context } from 'hono';
import type { ReduceOp, ReduceType } from '../../compute/reduce/reduce.js';
import { respondCompute } from '../../http/compute-endpoint.js';
import { bodyProblems, computeRoute } from '../../http/compute-route.js';
import type { AppEnv, AppHono } from '../../http/env.js';
import { isJsonRequest, readJsonInput } from '../../http/json-body.js';
import { ownBodyRoute, validQuery } from '../../http/own-body-route.js';
import { ProblemError, validationProblem } from '../../http/problems.js';
import { readUpload } from '../../http/upload.js';
import { checkReduceOp, tooManyValues } from '../../inputs/reduce.js';
import { type ReduceInput, reduce as reduceOperation } from '../../operations/reduce.js';
import type { Services } from '../../services.js';
import { BinaryValuesSchema, ReduceBinaryQuerySchema, ReduceQuerySchema, ReduceResponseSchema, reduceRequestSchema } from './schemas.js';

const binaryMediaType = /^application\/octet-stream\s*(;|$)/i;

export function registerReduceRoutes(app: AppHono, services: Services): void {
  const { limits } = services.config;
  const identities =
    `At most ${limits.maxReduceValues} values. Empty arrays give the identity where there is one ` +
    '(sum 0, product 1, gcd 0, lcm 1, and -1, or 0, xor 0) and 422 for min, max and mean.';

  const reduceJson = computeRoute(
    {
      method: 'post',
      path: '/v1/reduce',
      operationId: 'reduce',
      tags: ['reduce'],
      summary: 'Reduce an array: sum, product, min, max, mean, gcd, lcm, and, or, xor',
      description:
        'JSON `{ op, type, values }`; for large arrays send raw bytes to `POST /v1/reduce/binary` instead (about 25 times ' +
        'cheaper to read). float64 sum and mean are exactly rounded, so the answer does not depend on how the array was ' +
        `sharded over the worker threads; int is exact. ${identities} ` +
        '(Earlier clients may still send `application/octet-stream` here with `?op=&type=`; it is answered as `/v1/reduce/binary`.)',
      request: {
        body: { required: true, content: { 'application/json': { schema: reduceRequestSchema(limits) } } },
      },
      responses: {
        200: { description: 'The result', content: { 'application/json': { schema: ReduceResponseSchema } } },
      },
    },
    bodyProblems,
  );

  ownBodyRoute(app, reduceJson, async (c) => {
    const query = validQuery(c, ReduceQuerySchema);
    if (binaryMediaType.test(c.req.header('content-type') ?? '')) return respondBinary(c, services, query);
    if (!isJsonRequest(c)) {
      throw new ProblemError(
        'unsupported-media-type',
        'Send `Content-Type: application/json` with { "op", "type", "values" }, or the raw values to POST /v1/reduce/binary?op=&type=.',
      );
    }
    const stray = Object.entries(query).filter(([, value]) => value !== undefined);
    if (stray.length > 0) {
      throw validationProblem(stray.map(([key]) => ({ pointer: `#/query/${key}`, message: 'with a JSON body, put op and type in the body' })));
    }
    return respondCompute(c, services, { operation: reduceOperation, input: await readJsonInput(c, services, 'reduce') });
  });

  const reduceBinary = computeRoute(
    {
      method: 'post',
      path: '/v1/reduce/binary',
      operationId: 'reduceBinary',
      tags: ['reduce'],
      summary: 'Reduce a raw array of little-endian float64 or int64 values',
      description:
        'The body is the values back to back, 8 bytes each, read straight into shared memory and sharded over the worker ' +
        `threads without a copy; \`op\` and \`type\` go in the query. Up to ${limits.maxBinaryBodyBytes} bytes. ${identities}`,
      request: {
        query: ReduceBinaryQuerySchema,
        body: { required: true, content: { 'application/octet-stream': { schema: BinaryValuesSchema } } },
      },
      responses: {
        200: { description: 'The result', content: { 'application/json': { schema: ReduceResponseSchema } } },
      },
    },
    ['bad-request', 'unsupported-media-type', 'body-too-large'],
  );

  ownBodyRoute(app, reduceBinary, async (c) => {
    const query = validQuery(c, ReduceQuerySchema);
    if (!binaryMediaType.test(c.req.header('content-type') ?? '')) {
      throw new ProblemError(
        'unsupported-media-type',
        'Send the values as `Content-Type: application/octet-stream`; for a JSON body use POST /v1/reduce.',
      );
    }
    return respondBinary(c, services, query);
  });
}

async function respondBinary(
  c: Context<AppEnv>,
  services: Services,
  query: { op?: ReduceOp | undefined; type?: ReduceType | undefined },
): Promise<Response> {
  const { input, upload } = await readBinary(c, services, query);
  return respondCompute(c, services, { operation: reduceOperation, input, upload });
}

async function readBinary(
  c: Context<AppEnv>,
  services: Services,
  query: { op?: ReduceOp | undefined; type?: ReduceType | undefined },
): Promise<{ input: ReduceInput; upload: Uint8Array }> {
  const { maxBinaryBodyBytes: maxBytes, maxReduceValues: maxValues } = services.config.limits;
  const missing = [
    ...(query.op === undefined ? [{ pointer: '#/query/op', message: 'required with a binary body, e.g. ?op=sum' }] : []),
    ...(query.type === undefined ? [{ pointer: '#/query/type', message: 'required with a binary body: float64 or int (int64)' }] : []),
  ];
  if (query.op === undefined || query.type === undefined) throw validationProblem(missing);
  const { op, type } = query;
  checkReduceOp(op, type, '#/query/op');
  // Refuse a declared oversize body before reading it.
  const declared = Number(c.req.header('content-length') ?? Number.NaN);
  if (declared / 8 > maxValues) throw tooManyValues(Math.floor(declared / 8), maxValues);
  // Shared memory always: shards go to the threads as views of it.
  const upload = await readUpload(c, { maxBytes, sharedFrom: 0, budget: services.budgets.requestBodies });
  const { buffer, byteOffset, length } = upload;
  if (length % 8 !== 0) {
    throw new ProblemError(
      'bad-request',
      `The binary body has ${length} bytes, not a multiple of 8: send whole little-endian ${type === 'int' ? 'int64' : 'float64'} values.`,
    );
  }
  if (length / 8 > maxValues) throw tooManyValues(length / 8, maxValues);
  const values = type === 'int' ? new BigInt64Array(buffer, byteOffset, length / 8) : new Float64Array(buffer, byteOffset, length / 8);
  return { input: { op, type, values }, upload };
}
