import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, test } from 'node:test';
import fc from 'fast-check';
import { referenceMean, referenceSum } from '../compute/reduce/float-reference.js';
import { type TestApp, problemOf, startTestApp } from '../helpers/app.js';

const maxValues = 1 << 20;
const maxBinaryBytes = 16 * 1024 * 1024;

let app: TestApp;
before(() => {
  app = startTestApp({ MAX_REDUCE_VALUES: String(maxValues), MAX_BINARY_BODY_BYTES: String(maxBinaryBytes) });
});
after(() => app.close());

const reduceJson = (body: unknown, route?: string) => {
  const request = app.request.post('/v1/reduce');
  if (route !== undefined) request.set('X-Crunch-Route', route);
  return request.send(body as object);
};

function reduceBinary(query: string, bytes: Uint8Array, route?: string) {
  const request = app.request.post(`/v1/reduce${query}`).set('Content-Type', 'application/octet-stream');
  if (route !== undefined) request.set('X-Crunch-Route', route);
  return request.send(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
}

const bytesOf = (values: Float64Array | BigInt64Array) => new Uint8Array(values.buffer, values.byteOffset, values.byteLength);

/** The wire form of a float64 result, written plainly. */
const wireFloat = (x: number): number | string => (Number.isNaN(x) ? 'NaN' : x === Infinity ? 'Infinity' : x === -Infinity ? '-Infinity' : x);

describe('POST /v1/reduce with JSON', () => {
  const floatCases: Array<[string, string, unknown[], number | string]> = [
    ['[0.1] * 10 sums to exactly 1', 'sum', Array<number>(10).fill(0.1), 1],
    ['[1e308, 1e308, -1e308, -1e308, 1]', 'sum', [1e308, 1e308, -1e308, -1e308, 1], 1],
    ['[1e100, 1, -1e100]', 'sum', [1e100, 1, -1e100], 1],
    ['overflow gives "Infinity"', 'sum', [1.7976931348623157e308, 1.7976931348623157e308], 'Infinity'],
    ['"NaN" in, "NaN" out', 'sum', [1, 'NaN'], 'NaN'],
    ['"Infinity" and "-Infinity" give "NaN"', 'sum', ['Infinity', '-Infinity'], 'NaN'],
    ['"-Infinity" is the min', 'min', [3, '-Infinity', 2], '-Infinity'],
    ['max', 'max', [3, -7, 2.5], 3],
    ['mean is exactly rounded', 'mean', [0.1, 0.2, 0.3], 0.2],
    ['product', 'product', [1.5, -2, 4], -12],
    ['empty sum is 0', 'sum', [], 0],
    ['empty product is 1', 'product', [], 1],
  ];
  for (const [name, op, values, result] of floatCases) {
    test(`float64 ${name}`, async () => {
      const response = await reduceJson({ op, type: 'float64', values }).expect(200);
      assert.deepEqual(response.body, { op, type: 'float64', count: values.length, result });
    });
  }

  const big = '-18446744073709551617';
  const intCases: Array<[string, unknown[], string | number]> = [
    ['sum', [1, big, '18446744073709551617', 41], '42'],
    ['product', ['4294967296', '4294967296', -1], '-18446744073709551616'],
    ['min', [5, big, 7], big],
    ['max', [5, big, '9223372036854775808'], '9223372036854775808'],
    ['mean', [1, 2], 1.5],
    ['gcd', [-12, 18, '-30'], '6'],
    ['lcm', [-4, 6, 10], '60'],
    ['and', [-1, 12, 10], '8'],
    ['or', [-16, 3], '-13'],
    ['xor', [5, 3, big], (BigInt(big) ^ 6n).toString()],
    ['and', [], '-1'],
    ['gcd', [], '0'],
  ];
  for (const [op, values, result] of intCases) {
    test(`int ${op} of ${JSON.stringify(values)}`, async () => {
      const response = await reduceJson({ op, type: 'int', values }).expect(200);
      assert.deepEqual(response.body, { op, type: 'int', count: values.length, result });
    });
  }

  test('a JSON literal beyond the double range reads as Infinity, as IEEE parsing does', async () => {
    const response = await app.request
      .post('/v1/reduce')
      .set('Content-Type', 'application/json')
      .send('{"op": "sum", "type": "float64", "values": [1e400, 1]}')
      .expect(200);
    assert.equal(response.body.result, 'Infinity');
  });

  test('the tree reduction of 0..19 is 190 in both types', async () => {
    const values = Array.from({ length: 20 }, (_, i) => i);
    assert.equal((await reduceJson({ op: 'sum', type: 'int', values }).expect(200)).body.result, '190');
    assert.equal((await reduceJson({ op: 'sum', type: 'float64', values }).expect(200)).body.result, 190);
  });

  test('random int arrays agree with a BigInt reference', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.bigInt({ min: -(1n << 100n), max: 1n << 100n }), { maxLength: 30 }), async (values) => {
        const response = await reduceJson({ op: 'sum', type: 'int', values: values.map(String) }).expect(200);
        assert.equal(response.body.result, values.reduce((a, b) => a + b, 0n).toString());
      }),
      { numRuns: 25 },
    );
  });

  test('random float arrays agree with the exact rational reference', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.double({ noNaN: true, noDefaultInfinity: true }), { minLength: 1, maxLength: 40 }), async (values) => {
        const sum = await reduceJson({ op: 'sum', type: 'float64', values }).expect(200);
        assert.equal(sum.body.result, wireFloat(referenceSum(values)) === 0 ? 0 : wireFloat(referenceSum(values)));
        const mean = await reduceJson({ op: 'mean', type: 'float64', values }).expect(200);
        assert.equal(mean.body.result, wireFloat(referenceMean(values)) || 0);
      }),
      { numRuns: 25 },
    );
  });
});

describe('POST /v1/reduce with a binary body', () => {
  test('float64 sum, little-endian', async () => {
    const values = new Float64Array([1, 2, 3, 0.1]);
    const response = await reduceBinary('?op=sum&type=float64', bytesOf(values)).expect(200);
    assert.deepEqual(response.body, { op: 'sum', type: 'float64', count: 4, result: 6.1 });
  });

  test('int64 min and sum past 2^64', async () => {
    const values = new BigInt64Array([(1n << 63n) - 1n, (1n << 63n) - 1n, -(1n << 63n), 5n]);
    const sum = await reduceBinary('?op=sum&type=int', bytesOf(values)).expect(200);
    assert.equal(sum.body.result, ((1n << 63n) - 1n + 5n - 1n).toString());
    const min = await reduceBinary('?op=min&type=int', bytesOf(values)).expect(200);
    assert.equal(min.body.result, (-(1n << 63n)).toString());
  });

  test('reused body buffers never leak one request into the next', async () => {
    const make = (length: number, start: number) => Float64Array.from({ length }, (_, i) => start + i);
    const plainSum = (values: Float64Array) => values.reduce((a, b) => a + b, 0); // exact: small integers
    const sizes = [200_000, 150_000, 199_999, 120_000, 200_000];
    for (const [index, size] of sizes.entries()) {
      const values = make(size, index * 7);
      const response = await reduceBinary('?op=sum&type=float64', bytesOf(values), index % 2 === 0 ? 'pool' : 'inline').expect(200);
      assert.deepEqual(response.body, { op: 'sum', type: 'float64', count: size, result: plainSum(values) });
    }
    const together = await Promise.all(sizes.map((size, index) => reduceBinary('?op=max&type=float64', bytesOf(make(size, index)), 'pool').expect(200)));
    together.forEach((response, index) => assert.equal(response.body.result, (sizes[index] as number) - 1 + index));
  });

  test('an empty body gives the identity', async () => {
    const response = await reduceBinary('?op=product&type=float64', new Uint8Array(0)).expect(200);
    assert.deepEqual(response.body, { op: 'product', type: 'float64', count: 0, result: 1 });
  });
});

describe('routes agree bit for bit', () => {
  /** Doubles over ~120 binades, signs mixed, plus exact cancellations: rounding would show. */
  function wideValues(length: number, seed: number): Float64Array {
    let state = seed >>> 0;
    const next = () => {
      state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
      return state / 2 ** 32;
    };
    const values = new Float64Array(length);
    for (let i = 0; i < length; i += 1) values[i] = (next() - 0.5) * 2 ** Math.floor(next() * 120 - 60);
    for (let i = 0; i + 7 < length; i += 7) values[i + 7] = -values[i]!;
    return values;
  }

  test('inline, sliced and pool give the exact sum, mean, min, max and product (binary and JSON)', async () => {
    const values = wideValues(300_000, 7);
    const list = [...values];
    const expected: Record<string, number> = {
      sum: referenceSum(list),
      mean: referenceMean(list),
      min: list.reduce((a, b) => (b < a ? b : a)),
      max: list.reduce((a, b) => (b > a ? b : a)),
    };
    const results = new Map<string, unknown>();
    for (const op of ['sum', 'mean', 'min', 'max', 'product']) {
      for (const route of ['inline', 'sliced', 'pool']) {
        const response = await reduceBinary(`?op=${op}&type=float64`, bytesOf(values), route).expect(200);
        assert.equal(response.headers['x-crunch-route'], route);
        assert.equal(response.body.count, values.length);
        if (op in expected) assert.equal(response.body.result, expected[op], `${op} via ${route}`);
        const previous = results.get(op);
        if (previous === undefined) results.set(op, response.body.result);
        else assert.equal(response.body.result, previous, `${op} via ${route}`);
      }
    }
    const json = await reduceJson({ op: 'sum', type: 'float64', values: list.slice(0, 50_000) }, 'pool').expect(200);
    assert.equal(json.body.result, referenceSum(list.slice(0, 50_000)));
  });

  test('int ops over the pool equal BigInt references', async () => {
    const values = new BigInt64Array(200_000);
    let state = 12345n;
    for (let i = 0; i < values.length; i += 1) {
      state = (state * 6364136223846793005n + 1442695040888963407n) & ((1n << 64n) - 1n);
      values[i] = BigInt.asIntN(64, state);
    }
    const list = [...values];
    const expected: Record<string, bigint> = {
      sum: list.reduce((a, b) => a + b, 0n),
      min: list.reduce((a, b) => (b < a ? b : a)),
      max: list.reduce((a, b) => (b > a ? b : a)),
      and: list.reduce((a, b) => a & b, -1n),
      or: list.reduce((a, b) => a | b, 0n),
      xor: list.reduce((a, b) => a ^ b, 0n),
    };
    for (const [op, value] of Object.entries(expected)) {
      for (const route of ['inline', 'pool']) {
        const response = await reduceBinary(`?op=${op}&type=int`, bytesOf(values), route).expect(200);
        assert.equal(response.body.result, value.toString(), `${op} via ${route}`);
      }
    }
  });

  test('a big array leaves the inline route by itself', async () => {
    const values = new Float64Array(maxValues).fill(0.1);
    const response = await reduceBinary('?op=sum&type=float64', bytesOf(values)).expect(200);
    assert.notEqual(response.headers['x-crunch-route'], 'inline');
    // 2^20 copies of the double nearest 0.1 sum exactly to that double times 2^20.
    assert.equal(response.body.result, 0.1 * 2 ** 20);
    const gcd = await reduceBinary('?op=gcd&type=int', bytesOf(new BigInt64Array(maxValues).fill(6n))).expect(200);
    assert.equal(gcd.headers['x-crunch-route'], 'pool');
    assert.equal(gcd.body.result, '6');
  });

  test('as a job, with progress per shard, the result is the sync body', async () => {
    const values = wideValues(400_000, 3);
    const sync = await reduceBinary('?op=sum&type=float64', bytesOf(values), 'pool').expect(200);
    const accepted = await reduceBinary('?op=sum&type=float64', bytesOf(values), 'pool').set('Prefer', 'respond-async').expect(202);
    let job: { status: string; result?: unknown; progress: { phase: string; done: number; total: number } | null } | undefined;
    for (let attempt = 0; attempt < 200; attempt += 1) {
      job = (await app.request.get(accepted.headers['location'] as string).expect(200)).body;
      if (job?.status === 'succeeded' || job?.status === 'failed') break;
      await sleep(25);
    }
    assert.equal(job?.status, 'succeeded');
    assert.deepEqual(job?.result, sync.body);
    assert.equal(job?.progress?.phase, 'reduce');
    assert.equal(job?.progress?.done, job?.progress?.total);
  });
});

describe('problems', () => {
  const type = (name: string) => `https://crunch.dev/problems/${name}`;

  test('min, max and mean of nothing: 422', async () => {
    for (const op of ['min', 'max', 'mean']) {
      const problem = problemOf(await reduceJson({ op, type: 'float64', values: [] }).expect(422));
      assert.equal(problem.type, type('validation-failed'));
      assert.equal(problem.errors?.[0]?.pointer, '/values');
      assert.match(problem.detail, /no values/);
    }
    problemOf(await reduceBinary('?op=max&type=int', new Uint8Array(0)).expect(422));
  });

  test('int-only ops on float64: 422 naming op', async () => {
    const problem = problemOf(await reduceJson({ op: 'gcd', type: 'float64', values: [4, 6] }).expect(422));
    assert.equal(problem.errors?.[0]?.pointer, '/op');
    const binary = problemOf(await reduceBinary('?op=xor&type=float64', new Uint8Array(8)).expect(422));
    assert.equal(binary.errors?.[0]?.pointer, '#/query/op');
  });

  test('unknown op and type, missing fields, unknown fields: 422 with pointers', async () => {
    const cases: Array<[unknown, string]> = [
      [{ op: 'median', type: 'float64', values: [1] }, '/op'],
      [{ op: 'sum', type: 'float32', values: [1] }, '/type'],
      [{ op: 'sum', type: 'int' }, '/values'],
      [{ op: 'sum', type: 'int', values: [1], extra: true }, ''],
      [{ op: 'sum', type: 'int', values: [true] }, '/values/0'],
    ];
    for (const [body, pointer] of cases) {
      const problem = problemOf(await reduceJson(body).expect(422));
      assert.equal(problem.type, type('validation-failed'));
      assert.equal(problem.errors?.[0]?.pointer, pointer, JSON.stringify(body));
    }
  });

  test('bad values: 422 at the value, saying what to send', async () => {
    const cases: Array<[string, unknown[], string, RegExp]> = [
      ['int', [1, 2 ** 60], '/values/1', /decimal string/],
      ['int', [1.5], '/values/0', /not an integer/],
      ['int', ['0x10'], '/values/0', /decimal string/],
      ['int', [`1${'0'.repeat(2000)}`], '/values/0', /limit of 4096 bits/],
      ['float64', [1, 'nan'], '/values/1', /"NaN"/],
      ['float64', ['1.5'], '/values/0', /JSON number/],
      ['float64', [1, true], '/values/1', /not a float64/],
      ['int', [null], '/values/0', /not an integer/],
      ['int', ['Infinity'], '/values/0', /not an integer/],
    ];
    for (const [valueType, values, pointer, message] of cases) {
      const problem = problemOf(await reduceJson({ op: 'sum', type: valueType, values }).expect(422));
      assert.equal(problem.errors?.[0]?.pointer, pointer);
      assert.match(problem.errors?.[0]?.message ?? '', message);
    }
  });

  test('a product beyond the result bit limit: 422, not 500', async () => {
    const values = Array.from({ length: 100 }, () => '18446744073709551557');
    const problem = problemOf(await reduceJson({ op: 'product', type: 'int', values }).expect(422));
    assert.match(problem.detail, /more than 4096 bits/);
    const pooled = problemOf(await reduceJson({ op: 'lcm', type: 'int', values: values.map((v, i) => (BigInt(v) - BigInt(2 * i)).toString()) }, 'pool').expect(422));
    assert.match(pooled.detail, /bits/);
  });

  test('binary: length not a multiple of 8 is 400; missing query is 422', async () => {
    const odd = problemOf(await reduceBinary('?op=sum&type=float64', new Uint8Array(12)).expect(400));
    assert.equal(odd.type, type('bad-request'));
    assert.match(odd.detail, /12 bytes, not a multiple of 8/);
    const missing = problemOf(await reduceBinary('', new Uint8Array(8)).expect(422));
    assert.deepEqual(
      missing.errors?.map((e) => e.pointer),
      ['#/query/op', '#/query/type'],
    );
    const badType = problemOf(await reduceBinary('?op=sum&type=int32', new Uint8Array(8)).expect(422));
    assert.equal(badType.errors?.[0]?.pointer, '#/query/type');
  });

  test('too many values: 422; too many bytes: 413', async () => {
    const tooMany = problemOf(await reduceBinary('?op=sum&type=int', new Uint8Array((maxValues + 1) * 8)).expect(422));
    assert.match(tooMany.errors?.[0]?.message ?? '', /above the limit of 1048576/);
    const tooBig = problemOf(await reduceBinary('?op=sum&type=int', new Uint8Array(maxBinaryBytes + 8)).expect(413));
    assert.equal(tooBig.type, type('body-too-large'));
  });

  test('other media types: 415; malformed JSON: 400', async () => {
    const text = problemOf(await app.request.post('/v1/reduce?op=sum&type=int').set('Content-Type', 'text/csv').send('1,2,3').expect(415));
    assert.equal(text.type, type('unsupported-media-type'));
    const malformed = problemOf(await app.request.post('/v1/reduce').set('Content-Type', 'application/json').send('{"op": "sum",').expect(400));
    assert.equal(malformed.type, type('malformed-json'));
  });
});
