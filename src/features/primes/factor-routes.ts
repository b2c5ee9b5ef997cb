/**
 * POST /v1/primes/factor: prime factorizations with multiplicity. A synchronous batch below
 * 2^64 is packed where it is parsed and factored and encoded on the pool threads, so the loop
 * copies bytes in and out.
 */
import type { Context } from 'hono';
import type { IntegerBatch } from '../../compute/primes/integer.js';
import { dispatchWork, respondBytes, respondCompute } from '../../http/compute-endpoint.js';
import { dispatchOptions, requestedPlacement } from '../../http/dispatch-options.js';
import type { AppEnv } from '../../http/env.js';
import { parsePrefer } from '../../http/prefer.js';
import { parseJsonBody } from '../../inputs/bodies.js';
import { parseFactorBatch } from '../../pool/tasks/primes.js';
import { bodyProblems, computeRoute } from '../../http/compute-route.js';
import type { AppHono } from '../../http/env.js';
import { readJsonBytes, readJsonInput } from '../../http/json-body.js';
import { ownBodyRoute } from '../../http/own-body-route.js';
import type { Services } from '../../services.js';
import { FactorResponseSchema, factorRequestSchema } from './factor-schemas.js';
import { type PackedFactorBatch, factorEncodedWork, packFactorBatch, primesFactor } from '../../operations/primes-factor.js';

export function registerPrimeFactorRoutes(app: AppHono, services: Services): void {
  const { limits } = services.config;

  const factor = computeRoute({
    method: 'post',
    path: '/v1/primes/factor',
    operationId: 'factorNumbers',
    tags: ['primes'],
    summary: 'Factor integers into primes',
    description:
      `Up to ${limits.maxBatchItems} integers of 1 to ${limits.maxFactorBits} bits each (0 is refused: it has no ` +
      'factorization; 1 has none either and answers `[]`). Trial division, then Pollard–Brent rho; every factor is ' +
      'certified prime, deterministically below 2^64 and by Baillie–PSW (probable) beyond. Numbers below 2^64 take at ' +
      'most about a millisecond; beyond, the time grows with the square root of the second-largest prime factor, and ' +
      'the request deadline problem names the numbers not finished.',
    request: {
      body: { required: true, content: { 'application/json': { schema: factorRequestSchema(limits) } } },
    },
    responses: {
      200: { description: 'One factorization per number, in order', content: { 'application/json': { schema: FactorResponseSchema } } },
    },
  }, bodyProblems);

  ownBodyRoute(app, factor, async (c) => {
    const preference = parsePrefer(c.req.header('prefer'));
    const placement = requestedPlacement(c, services);
    if (preference.respondAsync || preference.waitSeconds !== undefined || placement === 'inline' || placement === 'sliced') {
      return respondCompute(c, services, { operation: primesFactor, input: await readJsonInput(c, services, 'primes.factor') });
    }
    const batch = await readFactorBatch(c, services);
    // Numbers of 2^64 and beyond can take any time: their factoring keeps the operation's
    // own work, whose deadline problem names the numbers not finished.
    if (batch.largeValues.length > 0) return respondCompute(c, services, { operation: primesFactor, input: { values: unpack(batch) } });
    const { planContext } = services;
    const outcome = await dispatchWork(c, services, factorEncodedWork(batch, planContext.threads, planContext.loopDeadlineMs));
    const pieces: Uint8Array[] = [Buffer.from(`{"count":${batch.count},"results":[`)];
    const comma = Buffer.from(',');
    outcome.value.forEach((piece, index) => pieces.push(...(index > 0 ? [comma, piece] : [piece])));
    pieces.push(Buffer.from(']}'));
    return respondBytes(c, services, outcome, Buffer.concat(pieces), 'application/json');
  });
}

/** Parsing and checking costs about a microsecond per 50 bytes (src/http/json-body.ts). */
const parseBytesPerMicro = 50;

/** The body packed, parsed on the loop when small and on a pool thread beyond JSON_INLINE_PARSE_BYTES. */
async function readFactorBatch(c: Context<AppEnv>, services: Services): Promise<PackedFactorBatch> {
  const { config, dispatcher } = services;
  const bytes = await readJsonBytes(c, services);
  if (bytes.length <= config.jsonInlineParseBytes) return packFactorBatch(parseJsonBody('primes.factor', bytes, config.limits).values);
  const { signal, admission } = dispatchOptions(c, services);
  const input = { bytes, limits: config.limits };
  const outcome = await dispatcher.run(
    {
      operation: 'parse.primes.factor',
      costMicros: bytes.length / parseBytesPerMicro,
      describe: `parsing a ${bytes.length}-byte JSON body`,
      poolOnly: true,
      inline: () => parseFactorBatch(input),
      pool: (run) => run('parseFactorBatch', input),
    },
    { ...(signal === undefined ? {} : { signal }), ...(admission === undefined ? {} : { admission }) },
  );
  return outcome.value;
}

function unpack(batch: IntegerBatch): bigint[] {
  const large = new Map(batch.largeIndex.map((index, position) => [index, batch.largeValues[position] as bigint]));
  return Array.from({ length: batch.count }, (_, index) => large.get(index) ?? (batch.small[index] as bigint));
}
