/**
 * Every endpoint family called through the fetch client orval generates from
 * openapi/openapi.json (into ./generated/orval by test/contract/generated-clients.test.ts, its
 * `baseUrl` the server under test), with no casts: orval's answers are unions keyed by
 * `status`, so checking the status narrows the body to its schema.
 */
import assert from 'node:assert/strict';
import {
  type Job,
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
} from './generated/orval/crunch.js';
import * as expected from './expectations.js';

const respondAsync = { headers: { prefer: 'respond-async' } };

async function finished(id: string): Promise<Job> {
  for (let attempt = 0; attempt < 500; attempt += 1) {
    const answer = await getJob(id);
    assert.equal(answer.status, 200);
    if (answer.status !== 200) break;
    const { status } = answer.data;
    if (status === 'succeeded' || status === 'failed' || status === 'cancelled') return answer.data;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  throw new Error(`job ${id} did not finish`);
}

export function checks(_baseUrl: string): Array<[string, () => Promise<void>]> {
  return [
    [
      'primes: check one, check many, a typed problem',
      async () => {
        const one = await checkPrime('18446744073709551557');
        assert.equal(one.status, 200);
        if (one.status !== 200) return;
        assert.deepEqual(one.data, { n: '18446744073709551557', prime: true, test: 'deterministic' });
        assert.match(one.headers.get('x-crunch-route') ?? '', /^(inline|sliced|pool)$/);

        const many = await checkPrimes({ numbers: [4, 5, '9999999999999917'] });
        assert.equal(many.status, 200);
        if (many.status !== 200) return;
        assert.deepEqual(
          many.data.results.map((result) => result.prime),
          [false, true, true],
        );

        const bad = await checkPrimes({ numbers: [-1] });
        assert.equal(bad.status, 422);
        if (bad.status !== 422) return;
        assert.equal(bad.data.type, 'https://crunch.dev/problems/validation-failed');
        assert.equal(bad.data.errors?.[0]?.pointer, '/numbers/0');
      },
    ],
    [
      'primes: list in pages, count, factor',
      async () => {
        const first = await listPrimes({ from: '0', to: '100', limit: 10 });
        assert.equal(first.status, 200);
        if (first.status !== 200) return;
        assert.deepEqual(first.data.primes, expected.primesTo100.slice(0, 10));
        assert.match(first.headers.get('link') ?? '', /rel="next"/);
        assert.ok(first.data.cursor !== null);
        const rest = await listPrimes({ cursor: first.data.cursor, limit: 100 });
        assert.equal(rest.status, 200);
        if (rest.status !== 200) return;
        assert.deepEqual([...first.data.primes, ...rest.data.primes], expected.primesTo100);
        assert.equal(rest.data.next, null);

        const count = await countPrimes({ to: '1000000' });
        assert.equal(count.status, 200);
        if (count.status !== 200) return;
        assert.equal(count.data.count, expected.primeCountTo1e6);

        const factor = await factorNumbers({ numbers: [String(expected.factored), 1] });
        assert.equal(factor.status, 200);
        if (factor.status !== 200) return;
        assert.deepEqual(factor.data.results[0]?.factors, expected.factorsOfFactored);
        assert.deepEqual(factor.data.results[1]?.factors, []);
      },
    ],
    [
      'reduce: JSON and a binary upload',
      async () => {
        const json = await reduce({ op: 'sum', type: 'float64', values: [...expected.floatValues] });
        assert.equal(json.status, 200);
        if (json.status !== 200) return;
        assert.equal(json.data.result, expected.floatSum);

        const floats = await reduceBinary(new Blob([expected.littleEndianBytes(expected.floatValues)]), { op: 'sum', type: 'float64' });
        assert.equal(floats.status, 200, JSON.stringify(floats.data));
        if (floats.status !== 200) return;
        assert.deepEqual(floats.data, { op: 'sum', type: 'float64', count: expected.floatValues.length, result: expected.floatSum });

        const ints = await reduceBinary(new Blob([expected.littleEndianBytes(expected.intValues)]), { op: 'sum', type: 'int' });
        assert.equal(ints.status, 200);
        if (ints.status !== 200) return;
        assert.equal(ints.data.result, expected.intSum);
      },
    ],
    [
      'mapreduce: JSON documents and a text upload count the same words',
      async () => {
        const json = await runMapReduce({ job: 'wordcount', documents: [expected.text], top: 5 });
        assert.equal(json.status, 200);
        const text = await runMapReduceText(expected.text, { job: 'wordcount', top: 5 });
        assert.equal(text.status, 200, JSON.stringify(text.data));
        if (json.status !== 200 || text.status !== 200) return;
        assert.deepEqual(text.data, json.data);
        assert.ok(text.data.job === 'wordcount');
        assert.equal(text.data.totalWords, expected.totalWords);
        assert.equal(text.data.distinctWords, expected.distinctWords);
        assert.deepEqual(text.data.top, expected.top5);
      },
    ],
    [
      'jobs: submit, get, list, stream events, cancel',
      async () => {
        const accepted = await countPrimes({ to: '1000000' }, respondAsync);
        assert.equal(accepted.status, 202);
        if (accepted.status !== 202) return;
        const { id } = accepted.data;
        assert.equal(accepted.headers.get('location'), `/v1/jobs/${id}`);

        const job = await finished(id);
        assert.equal(job.status, 'succeeded');
        assert.ok(job.operation === 'primes.count');
        // Typed by the operation: a PrimeCount, no cast.
        assert.equal(job.result?.count, expected.primeCountTo1e6);

        const list = await listJobs({ limit: 10 });
        assert.equal(list.status, 200);
        if (list.status !== 200) return;
        assert.ok(list.data.jobs.some((listed) => listed.id === id));

        // The stream of a finished job ends after its final state: the whole body as text.
        const events = await streamJobEvents(id);
        assert.equal(events.status, 200);
        if (events.status !== 200) return;
        assert.equal(typeof events.data, 'string');
        const last = expected.sseData(events.data).at(-1);
        assert.ok(expected.isStreamedJob(last));
        assert.equal(last.id, id);
        assert.equal(last.status, 'succeeded');

        const slow = await countPrimes(expected.slowCount, respondAsync);
        assert.equal(slow.status, 202);
        if (slow.status !== 202) return;
        const cancelled = await cancelJob(slow.data.id);
        assert.equal(cancelled.status, 200);
        if (cancelled.status !== 200) return;
        assert.equal(cancelled.data.status, 'cancelled');
        const again = await cancelJob(slow.data.id);
        assert.equal(again.status, 409);
        if (again.status !== 409) return;
        assert.equal(again.data.type, 'https://crunch.dev/problems/job-finished');

        const missing = await getJob('no-such-job');
        assert.equal(missing.status, 404);
        if (missing.status !== 404) return;
        assert.equal(missing.data.type, 'https://crunch.dev/problems/job-not-found');
      },
    ],
    [
      'system: health, readiness, metrics text, pool',
      async () => {
        const health = await getHealth();
        assert.equal(health.status, 200);
        if (health.status !== 200) return;
        assert.deepEqual(health.data, { status: 'ok' });
        const ready = await getReadiness();
        assert.equal(ready.status, 200);
        const metrics = await getMetrics();
        assert.equal(metrics.status, 200);
        if (metrics.status !== 200) return;
        assert.equal(typeof metrics.data, 'string');
        assert.match(metrics.data, /^# HELP crunch_/m);
        const pool = await getPoolLoad();
        assert.equal(pool.status, 200);
        if (pool.status !== 200) return;
        assert.equal(pool.data.threads, 2);
      },
    ],
  ];
}
