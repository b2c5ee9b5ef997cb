/**
 * Every endpoint family called through the client @hey-api/openapi-ts generates from
 * openapi/openapi.json (into ./generated/hey-api by test/contract/generated-clients.test.ts),
 * with no casts: the generated types have to be right for this to compile, and the generated
 * calls have to send the right bytes for the answers to match the expectations.
 */
import assert from 'node:assert/strict';
import { client } from './generated/hey-api/client.gen.js';
import {
  cancelJob,
  checkPrime,
  checkPrimes,
  countPrimes,
  factorNumbers,
  getHealth,
  getJob,
  getMetrics,
  getPoolLoad,
  getReadiness,
  listJobs,
  listPrimes,
  reduce,
  reduceBinary,
  runMapReduce,
  runMapReduceText,
  streamJobEvents,
} from './generated/hey-api/index.js';
import type { Job } from './generated/hey-api/types.gen.js';
import * as expected from './expectations.js';

async function finished(id: string): Promise<Job> {
  for (let attempt = 0; attempt < 500; attempt += 1) {
    const { data } = await getJob({ path: { id } });
    assert.ok(data !== undefined);
    if (data.status === 'succeeded' || data.status === 'failed' || data.status === 'cancelled') return data;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  throw new Error(`job ${id} did not finish`);
}

export function checks(baseUrl: string): Array<[string, () => Promise<void>]> {
  client.setConfig({ baseUrl });
  return [
    [
      'primes: check one, check many, a typed problem',
      async () => {
        const one = await checkPrime({ path: { n: '18446744073709551557' } });
        assert.equal(one.response.status, 200);
        assert.ok(one.data !== undefined && 'prime' in one.data);
        assert.deepEqual(one.data, { n: '18446744073709551557', prime: true, test: 'deterministic' });
        assert.match(one.response.headers.get('x-crunch-route') ?? '', /^(inline|sliced|pool)$/);

        const many = await checkPrimes({ body: { numbers: [4, 5, '9999999999999917'] } });
        assert.ok(many.data !== undefined && 'results' in many.data);
        assert.deepEqual(
          many.data.results.map((result) => result.prime),
          [false, true, true],
        );

        const bad = await checkPrimes({ body: { numbers: [-1] } });
        assert.equal(bad.response.status, 422);
        assert.equal(bad.error?.type, 'https://crunch.dev/problems/validation-failed');
        assert.equal(bad.error?.errors?.[0]?.pointer, '/numbers/0');
      },
    ],
    [
      'primes: list in pages, count, factor',
      async () => {
        const first = await listPrimes({ query: { from: '0', to: '100', limit: 10 } });
        assert.ok(first.data !== undefined && 'primes' in first.data);
        assert.deepEqual(first.data.primes, expected.primesTo100.slice(0, 10));
        assert.ok(first.data.cursor !== null);
        assert.match(first.response.headers.get('link') ?? '', /rel="next"/);
        const rest = await listPrimes({ query: { cursor: first.data.cursor, limit: 100 } });
        assert.ok(rest.data !== undefined && 'primes' in rest.data);
        assert.deepEqual([...first.data.primes, ...rest.data.primes], expected.primesTo100);
        assert.equal(rest.data.cursor, null);

        const count = await countPrimes({ query: { to: '1000000' } });
        assert.ok(count.data !== undefined && 'count' in count.data);
        assert.equal(count.data.count, expected.primeCountTo1e6);

        const factor = await factorNumbers({ body: { numbers: [String(expected.factored), 1] } });
        assert.ok(factor.data !== undefined && 'results' in factor.data);
        assert.deepEqual(factor.data.results[0]?.factors, expected.factorsOfFactored);
        assert.deepEqual(factor.data.results[1]?.factors, []);
      },
    ],
    [
      'reduce: JSON and a binary upload',
      async () => {
        const json = await reduce({ body: { op: 'sum', type: 'float64', values: [...expected.floatValues] } });
        assert.ok(json.data !== undefined && 'result' in json.data);
        assert.equal(json.data.result, expected.floatSum);

        const floats = await reduceBinary({
          query: { op: 'sum', type: 'float64' },
          body: new Blob([expected.littleEndianBytes(expected.floatValues)]),
        });
        assert.equal(floats.response.status, 200, JSON.stringify(floats.error));
        assert.ok(floats.data !== undefined && 'result' in floats.data);
        assert.deepEqual(floats.data, { op: 'sum', type: 'float64', count: expected.floatValues.length, result: expected.floatSum });

        const ints = await reduceBinary({
          query: { op: 'sum', type: 'int' },
          body: new Blob([expected.littleEndianBytes(expected.intValues)]),
        });
        assert.ok(ints.data !== undefined && 'result' in ints.data);
        assert.equal(ints.data.result, expected.intSum);
      },
    ],
    [
      'mapreduce: JSON documents and a text upload count the same words',
      async () => {
        const json = await runMapReduce({ body: { job: 'wordcount', documents: [expected.text], top: 5 } });
        assert.ok(json.data !== undefined && 'job' in json.data && json.data.job === 'wordcount');
        const text = await runMapReduceText({ query: { job: 'wordcount', top: 5 }, body: expected.text });
        assert.equal(text.response.status, 200, JSON.stringify(text.error));
        assert.ok(text.data !== undefined && 'job' in text.data && text.data.job === 'wordcount');
        assert.deepEqual(text.data, json.data);
        assert.equal(text.data.totalWords, expected.totalWords);
        assert.equal(text.data.distinctWords, expected.distinctWords);
        assert.deepEqual(text.data.top, expected.top5);
      },
    ],
    [
      'jobs: submit, get, list, stream events, cancel',
      async () => {
        const accepted = await countPrimes({ query: { to: '1000000' }, headers: { prefer: 'respond-async' } });
        assert.equal(accepted.response.status, 202);
        assert.ok(accepted.data !== undefined && 'operation' in accepted.data);
        const { id } = accepted.data;
        assert.equal(accepted.response.headers.get('location'), `/v1/jobs/${id}`);

        const job = await finished(id);
        assert.equal(job.status, 'succeeded');
        assert.ok(job.operation === 'primes.count');
        // Typed by the operation: a PrimeCount, no cast.
        assert.equal(job.result?.count, expected.primeCountTo1e6);

        const list = await listJobs({ query: { limit: 10 } });
        assert.ok(list.data?.jobs.some((listed) => listed.id === id));

        const { stream } = await streamJobEvents({ path: { id }, sseMaxRetryAttempts: 1 });
        // The generator yields each event's data parsed as JSON.
        const events: unknown[] = [];
        for await (const data of stream) events.push(data);
        const last = events.at(-1);
        assert.ok(expected.isStreamedJob(last));
        assert.equal(last.id, id);
        assert.equal(last.status, 'succeeded');

        const slow = await countPrimes({ query: expected.slowCount, headers: { prefer: 'respond-async' } });
        assert.ok(slow.data !== undefined && 'operation' in slow.data);
        const cancelled = await cancelJob({ path: { id: slow.data.id } });
        assert.equal(cancelled.data?.status, 'cancelled');
        const again = await cancelJob({ path: { id: slow.data.id } });
        assert.equal(again.response.status, 409);
        assert.equal(again.error?.type, 'https://crunch.dev/problems/job-finished');

        const missing = await getJob({ path: { id: 'no-such-job' } });
        assert.equal(missing.response.status, 404);
        assert.equal(missing.error?.type, 'https://crunch.dev/problems/job-not-found');
      },
    ],
    [
      'system: health, readiness, metrics text, pool',
      async () => {
        assert.deepEqual((await getHealth()).data, { status: 'ok' });
        const ready = await getReadiness();
        assert.equal(ready.data?.status, 'ready');
        const metrics = await getMetrics();
        assert.equal(typeof metrics.data, 'string');
        assert.match(metrics.data ?? '', /^# HELP crunch_/m);
        const pool = await getPoolLoad();
        assert.equal(pool.data?.threads, 2);
      },
    ],
  ];
}
