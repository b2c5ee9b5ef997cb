/** POST /v1/reduce: JSON values, or a raw little-endian binary body with op and type in the query. */
import type { Context } from 'hono';
import type { ReduceOp, ReduceType } from '../../compute/reduce/reduce.js';
import { respondCompute } from '../../http/compute-endpoint.js';
import { computeResponseHeaders, computeRoute } from '../../http/compute-route.js';
import type { AppEnv, AppHono } from '../../http/env.js';
import { isJsonRequest, readJsonInput } from '../../http/json-body.js';
import { ownBodyRoute, validQuery } from '../../http/own-body-route.js';
import { ProblemError, problemResponses, validationProblem } from '../../http/problems.js';
import { readUpload } from '../../http/upload.js';
import { checkReduceOp, tooManyValues } from '../../inputs/reduce.js';
import { type ReduceInput, reduce as reduceOperation } from '../../operations/reduce.js';
import type { Services } from '../../services.js';
import { BinaryValuesSchema, ReduceQuerySchema, ReduceResponseSchema, reduceRequestSchema } from './schemas.js';

const binaryMediaType = /^application\/octet-stream\s*(;|$)/i;

export function registerReduceRoutes(app: AppHono, services: Services): void {
  const { limits } = services.config;

  const reduce = computeRoute({
    method: 'post',
    path: '/v1/reduce',
    tags: ['reduce'],
    summary: 'Reduce an array: sum, product, min, max, mean, gcd, lcm, and, or, xor',
    description:
      'Send JSON `{ op, type, values }`, or for large arrays a raw body (`application/octet-stream`) of ' +
      'little-endian float64 or int64 values with `?op=&type=`. float64 sum and mean are exactly rounded, so ' +
      'the answer does not depend on how the array was sharded over the worker threads; int is exact. ' +
      `At most ${limits.maxReduceValues} values. Empty arrays give the identity where there is one ` +
      '(sum 0, product 1, gcd 0, lcm 1, and -1, or 0, xor 0) and 422 for min, max and mean.',
    request: {
      query: ReduceQuerySchema,
      body: {
        required: false,
        content: {
          'application/json': { schema: reduceRequestSchema(limits) },
          'application/octet-stream': { schema: BinaryValuesSchema },
        },
      },
    },
    responses: {
      200: {
        description: 'The result',
        headers: computeResponseHeaders,
        content: { 'application/json': { schema: ReduceResponseSchema } },
      },
      ...problemResponses(400, 413, 415, 422, 503),
    },
  });

  ownBodyRoute(app, reduce, async (c) => {
    const query = validQuery(c, ReduceQuerySchema);
    if (binaryMediaType.test(c.req.header('content-type') ?? '')) {
      const { input, upload } = await readBinary(c, services, query);
      return respondCompute(c, services, { operation: reduceOperation, input, upload });
    }
    if (!isJsonRequest(c)) {
      throw new ProblemError(
        'unsupported-media-type',
        'Send `Content-Type: application/json` with { "op", "type", "values" }, or `application/octet-stream` with ?op=&type= in the query.',
      );
    }
    const stray = Object.entries(query).filter(([, value]) => value !== undefined);
    if (stray.length > 0) {
      throw validationProblem(stray.map(([key]) => ({ pointer: `#/query/${key}`, message: 'with a JSON body, put op and type in the body' })));
    }
    return respondCompute(c, services, { operation: reduceOperation, input: await readJsonInput(c, services, 'reduce') });
  });
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
