/** POST /v1/reduce: JSON values, or a raw little-endian binary body with op and type in the query. */
import type { z } from '@hono/zod-openapi';
import type { Context } from 'hono';
import { packInts } from '../../compute/reduce/int-reduce.js';
import { type ReduceOp, type ReduceType, type ReduceValues, isOpAllowed } from '../../compute/reduce/reduce.js';
import { respondCompute } from '../../http/compute-endpoint.js';
import { computeResponseHeaders, computeRoute } from '../../http/compute-route.js';
import type { AppHono } from '../../http/env.js';
import { readUpload } from '../../http/upload.js';
import { ProblemError, problemResponses, validationProblem } from '../../http/problems.js';
import type { Services } from '../../services.js';
import {
  BinaryValuesSchema,
  ReduceQuerySchema,
  ReduceResponseSchema,
  parseValues,
  reduceRequestSchema,
} from './schemas.js';
import { reduce as reduceOperation } from '../../operations/reduce.js';

const binaryMediaType = /^application\/octet-stream\s*(;|$)/i;
const jsonMediaType = /^application\/([a-z.-]+\+)?json\s*(;|$)/i;

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

  app.openapi(reduce, async (c) => {
    const contentType = c.req.header('content-type') ?? '';
    let op: ReduceOp;
    let type: ReduceType;
    let values: ReduceValues;
    let upload: Uint8Array | undefined;
    if (binaryMediaType.test(contentType)) {
      ({ op, type, values, upload } = await readBinary(c, c.req.valid('query'), limits.maxBinaryBodyBytes, limits.maxReduceValues));
    } else if (jsonMediaType.test(contentType)) {
      // Validated against the JSON schema whenever the content type is JSON.
      const body = c.req.valid('json') as z.infer<ReturnType<typeof reduceRequestSchema>>;
      op = body.op;
      type = body.type;
      checkOp(op, type, '/op');
      if (body.values.length > limits.maxReduceValues) throw tooMany(body.values.length, limits.maxReduceValues);
      const parsed = parseValues(type, body.values, limits.maxIntegerBits);
      if (!parsed.ok) throw validationProblem(parsed.errors);
      values = 'floats' in parsed ? parsed.floats : packInts(parsed.ints, true);
    } else {
      throw new ProblemError(
        'unsupported-media-type',
        'Send `Content-Type: application/json` with { "op", "type", "values" }, or `application/octet-stream` with ?op=&type= in the query.',
      );
    }
    return (await respondCompute(c, services, {
      operation: reduceOperation,
      input: { op, type, values },
      ...(upload === undefined ? {} : { upload }),
    })) as never;
  });
}

function checkOp(op: ReduceOp, type: ReduceType, pointer: string): void {
  if (!isOpAllowed(op, type)) {
    throw validationProblem([{ pointer, message: `${op} is defined for type int only; use type "int" or one of sum, product, min, max, mean` }]);
  }
}

function tooMany(count: number, max: number): ProblemError {
  return validationProblem([
    { pointer: '/values', message: `${count} values, above the limit of ${max}: split the array and reduce the partial results` },
  ]);
}

async function readBinary(
  c: Context,
  query: { op?: ReduceOp | undefined; type?: ReduceType | undefined },
  maxBytes: number,
  maxValues: number,
): Promise<{ op: ReduceOp; type: ReduceType; values: ReduceValues; upload: Uint8Array }> {
  const missing = [
    ...(query.op === undefined ? [{ pointer: '#/query/op', message: 'required with a binary body, e.g. ?op=sum' }] : []),
    ...(query.type === undefined ? [{ pointer: '#/query/type', message: 'required with a binary body: float64 or int (int64)' }] : []),
  ];
  if (query.op === undefined || query.type === undefined) throw validationProblem(missing);
  const { op, type } = query;
  checkOp(op, type, '#/query/op');
  // Refuse a declared oversize body before reading it.
  const declared = Number(c.req.header('content-length') ?? Number.NaN);
  if (declared / 8 > maxValues) throw tooMany(Math.floor(declared / 8), maxValues);
  // Shared memory always: shards go to the threads as views of it.
  const upload = await readUpload(c, { maxBytes, sharedFrom: 0 });
  const { buffer, byteOffset, length } = upload;
  if (length % 8 !== 0) {
    throw new ProblemError(
      'bad-request',
      `The binary body has ${length} bytes, not a multiple of 8: send whole little-endian ${type === 'int' ? 'int64' : 'float64'} values.`,
    );
  }
  if (length / 8 > maxValues) throw tooMany(length / 8, maxValues);
  const values = type === 'int' ? new BigInt64Array(buffer, byteOffset, length / 8) : new Float64Array(buffer, byteOffset, length / 8);
  return { op, type, values, upload };
}
