/** GET /v1/primes/{n}, POST /v1/primes/check (JSON) and POST /v1/primes/check/text (one number per line). */
import { respondCompute } from '../../http/compute-endpoint.js';
import { bodyProblems, computeRoute } from '../../http/compute-route.js';
import type { AppHono } from '../../http/env.js';
import type { Context } from 'hono';
import type { IntegerBatch } from '../../compute/primes/integer.js';
import { estimateCheckMicros } from '../../compute/primes/is-prime.js';
import { dispatchOptions, requestedPlacement } from '../../http/dispatch-options.js';
import type { AppEnv } from '../../http/env.js';
import { isJsonRequest } from '../../http/json-body.js';
import { holdForResponse } from '../../http/json-stream.js';
import { plainResponse } from '../../http/plain-response.js';
import { parsePrefer } from '../../http/prefer.js';
import { outcomeHeaders } from '../../http/timing.js';
import { assertUtf8Charset, readUpload, releaseUpload } from '../../http/upload.js';
import { type CheckBodyFormat, parseCheckBodyBytes } from '../../inputs/primes.js';
import { checkAnswerFor, checkAnswerMediaTypes, encodeCheckAnswer } from '../../operations/primes-check-answers.js';
import { checkPrimesBody, parseCheckBody } from '../../pool/tasks/primes.js';
import { ownBodyRoute } from '../../http/own-body-route.js';
import { parseIntegerInput } from '../../inputs/integers.js';
import { ProblemError, validationProblem } from '../../http/problems.js';
import type { Services } from '../../services.js';
import { IntegerLinesSchema, PrimeCheckBatchResponseSchema, PrimeCheckSchema, PrimeParamsSchema, primeCheckBatchRequestSchema, verdictContent } from './check-schemas.js';
import { primesCheck, primesIsPrime } from '../../operations/primes-check.js';

export function registerPrimeCheckRoutes(app: AppHono, services: Services): void {
  const { config } = services;
  const { limits } = config;

  const checkOne = computeRoute({
    method: 'get',
    path: '/v1/primes/{n}',
    operationId: 'checkPrime',
    tags: ['primes'],
    summary: 'Check whether one integer is prime',
    description:
      `Any non-negative integer up to ${limits.maxIntegerBits} bits, in decimal. Deterministic below 2^64, ` +
      'Baillie–PSW (probable) beyond. Small numbers are answered on the event loop, large ones on the worker pool.',
    request: { params: PrimeParamsSchema },
    responses: {
      200: { description: 'The verdict', content: { 'application/json': { schema: PrimeCheckSchema } } },
    },
  });

  // Mounted without @hono/zod-openapi's validators: its path parameter and headers are
  // strings that zod passes as they are (parseIntegerInput and respondCompute check them),
  // and validating headers makes the adapter build a web Headers of every request header.
  ownBodyRoute(app, checkOne, async (c) => {
    const parsed = parseIntegerInput(c.req.param('n'), limits.maxIntegerBits);
    if (!parsed.ok) throw validationProblem([{ pointer: '#/path/n', message: parsed.message }]);
    return respondCompute(c, services, { operation: primesIsPrime, input: { n: parsed.value } });
  });

  const checkMany = computeRoute({
    method: 'post',
    path: '/v1/primes/check',
    operationId: 'checkPrimes',
    tags: ['primes'],
    summary: 'Check many integers at once',
    description:
      `Up to ${limits.maxBatchItems} integers per request; results come back in input order. ` +
      'Large batches are parsed, checked and encoded on a worker thread; batches with numbers of 2^64 and beyond are ' +
      'sharded over every worker thread. For the most numbers per second, or a bitmap answer, send them as text to ' +
      '`POST /v1/primes/check/text`.',
    request: {
      body: { required: true, content: { 'application/json': { schema: primeCheckBatchRequestSchema(limits) } } },
    },
    responses: {
      200: { description: 'One verdict per number, in order', content: { 'application/json': { schema: PrimeCheckBatchResponseSchema } } },
    },
  }, bodyProblems);

  ownBodyRoute(app, checkMany, (c) => respondCheckBatch(c, services, 'json'));

  const checkText = computeRoute({
    method: 'post',
    path: '/v1/primes/check/text',
    operationId: 'checkPrimesText',
    tags: ['primes'],
    summary: 'Check many integers sent as text, one per line',
    description:
      `The batch of \`POST /v1/primes/check\` as \`text/plain\`, one decimal integer per line, up to ${limits.maxBatchItems} lines: ` +
      'about half the bytes of the JSON, and the cheapest to read. The answer follows `Accept`: `text/plain` (the default; ' +
      'one line per number, `1` prime, `0` not), `application/octet-stream` (a bitmap, one bit per number, least ' +
      "significant bit first) or `application/json` (one object per number). A job's result (`Prefer: respond-async`) is the JSON.",
    request: {
      body: { required: true, content: { 'text/plain': { schema: IntegerLinesSchema } } },
    },
    responses: {
      200: { description: 'One verdict per number, in order', content: verdictContent },
    },
  }, bodyProblems);

  ownBodyRoute(app, checkText, (c) => respondCheckBatch(c, services, 'text'));
}

const textMediaType = /^text\/plain\s*(;|$)/i;
/** Checking and encoding a 64-bit number costs about this much; its decimal line is about 21 bytes. */
const checkMicrosPerByte = estimateCheckMicros(64) / 21;
const parseBytesPerMicro = 50;

/**
 * A batch of checks in either request format. A large synchronous batch is one pool task
 * from the raw bytes to the encoded answer (`checkPrimesBody`): the loop reads the body and
 * writes the answer, nothing per number. A batch with numbers of 2^64 and beyond comes back
 * parsed and is sharded over every thread as before; small bodies, jobs and forced
 * placements take the operation's usual path.
 */
async function respondCheckBatch(c: Context<AppEnv>, services: Services, format: CheckBodyFormat): Promise<Response> {
  const { config, dispatcher, budgets } = services;
  const { limits } = config;
  const contentType = c.req.header('content-type') ?? '';
  if (format === 'json' && !isJsonRequest(c)) {
    throw new ProblemError(
      'unsupported-media-type',
      'Send the body as JSON with `Content-Type: application/json`, or one number per line as `text/plain` to POST /v1/primes/check/text.',
    );
  }
  if (format === 'text') {
    if (!textMediaType.test(contentType)) {
      throw new ProblemError('unsupported-media-type', 'Send one number per line as `Content-Type: text/plain`; for JSON use POST /v1/primes/check.');
    }
    assertUtf8Charset(contentType);
  }
  // The JSON route answers JSON, as its contract says (generated clients read it as such); the text route negotiates.
  const answer = format === 'text' ? checkAnswerFor(c.req.header('accept'), 'text') : 'json';
  const bytes = await readUpload(c, { maxBytes: limits.maxBodyBytes, sharedFrom: config.jsonInlineParseBytes + 1, budget: budgets.requestBodies });
  const preference = parsePrefer(c.req.header('prefer'));
  const synchronous = !preference.respondAsync && preference.waitSeconds === undefined;
  const placement = requestedPlacement(c, services);
  const large = bytes.length > config.jsonInlineParseBytes;
  let input: { batch: IntegerBatch };
  if (synchronous && large && placement !== 'inline' && placement !== 'sliced') {
    const outcome = await dispatcher.run(
      {
        operation: 'primes.check',
        costMicros: bytes.length / parseBytesPerMicro + bytes.length * checkMicrosPerByte,
        describe: `checking a ${bytes.length}-byte batch`,
        poolOnly: true,
        inline: () => checkPrimesBody({ format, bytes, limits, answer }),
        pool: (run) => run('checkPrimesBody', { format, bytes, limits, answer }),
      },
      dispatchOptions(c, services),
    );
    const result = outcome.value;
    if ('answer' in result) {
      releaseUpload(c, bytes);
      holdForResponse(c, budgets.responses, result.answer.length);
      return plainResponse(c, 200, result.answer, outcomeHeaders(c, outcome, { 'Content-Type': checkAnswerMediaTypes[answer] }));
    }
    input = result;
  } else if (!large) {
    input = { batch: parseCheckBodyBytes(format, bytes, limits).batch };
  } else {
    const { signal, admission } = dispatchOptions(c, services);
    const outcome = await dispatcher.run(
      {
        operation: 'parse.primes.check',
        costMicros: bytes.length / parseBytesPerMicro,
        describe: `parsing a ${bytes.length}-byte batch`,
        poolOnly: true,
        inline: () => parseCheckBody({ format, bytes, limits }),
        pool: (run) => run('parseCheckBody', { format, bytes, limits }),
      },
      { ...(signal === undefined ? {} : { signal }), ...(admission === undefined ? {} : { admission }) },
    );
    input = outcome.value;
  }
  if (answer === 'json') return respondCompute(c, services, { operation: primesCheck, input });
  return respondCompute(c, services, {
    operation: primesCheck,
    input,
    answer: { mediaType: checkAnswerMediaTypes[answer], encode: (flags) => encodeCheckAnswer(answer, flags, input.batch) },
  });
}
