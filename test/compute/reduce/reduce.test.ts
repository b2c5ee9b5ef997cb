import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { ComputeInputError } from '../../../src/compute/errors.js';
import { packInts } from '../../../src/compute/reduce/int-reduce.js';
import {
  type ReduceOp,
  type ReducePartial,
  type ReduceValues,
  SHARD_ALIGN,
  combinePartials,
  finishReduction,
  intOps,
  reduceAll,
  reduceShard,
} from '../../../src/compute/reduce/reduce.js';
import { referenceRatio, referenceSum } from './float-reference.js';

// Plain BigInt references, written without the kernel's fast paths.
function refGcd(a: bigint, b: bigint): bigint {
  a = a < 0n ? -a : a;
  b = b < 0n ? -b : b;
  while (b > 0n) [a, b] = [b, a % b];
  return a;
}
const refAbs = (x: bigint) => (x < 0n ? -x : x);
const intReference: Record<ReduceOp, (values: bigint[]) => bigint | number> = {
  sum: (v) => v.reduce((a, b) => a + b, 0n),
  product: (v) => v.reduce((a, b) => a * b, 1n),
  min: (v) => v.reduce((a, b) => (b < a ? b : a)),
  max: (v) => v.reduce((a, b) => (b > a ? b : a)),
  mean: (v) => referenceRatio(v.reduce((a, b) => a + b, 0n), BigInt(v.length)),
  gcd: (v) => v.reduce(refGcd, 0n),
  lcm: (v) => v.reduce((a, b) => (a === 0n || b === 0n ? 0n : (refAbs(a) * refAbs(b)) / refGcd(a, b)), 1n),
  and: (v) => v.reduce((a, b) => a & b, -1n),
  or: (v) => v.reduce((a, b) => a | b, 0n),
  xor: (v) => v.reduce((a, b) => a ^ b, 0n),
};

const int64 = fc.bigInt({ min: -(1n << 63n), max: (1n << 63n) - 1n });
const anyInt = fc.oneof(
  fc.bigInt({ min: -1000n, max: 1000n }),
  int64,
  fc.bigInt({ min: -(1n << 200n), max: 1n << 200n }),
  fc.constantFrom(0n, -1n, 1n, 1n << 53n, -(1n << 53n), (1n << 53n) + 1n, -(1n << 63n), (1n << 63n) - 1n),
);
const options = { maxBits: 1 << 16 };

/** Splits at random points, reduces each shard, and combines in random contiguous groups. */
function sharded(op: ReduceOp, type: 'int' | 'float64', values: ReduceValues, cuts: number[], shape: number[]) {
  const n = values.length;
  const points = [...new Set(cuts.map((c) => Math.floor(c * n)))].sort((a, b) => a - b);
  const bounds = [0, ...points, n];
  let partials: ReducePartial[] = [];
  for (let i = 0; i + 1 < bounds.length; i += 1) {
    const piece = Array.isArray(values)
      ? (values as bigint[]).slice(bounds[i], bounds[i + 1])
      : (values as Float64Array | BigInt64Array).subarray(bounds[i], bounds[i + 1]);
    partials.push(reduceShard(op, type, piece, options));
  }
  let turn = 0;
  while (partials.length > 1) {
    const size = 2 + ((shape[turn++ % shape.length] ?? 0) % 3);
    const at = (shape[turn++ % shape.length] ?? 0) % (partials.length - 1);
    const group = partials.slice(at, at + size);
    partials = [...partials.slice(0, at), combinePartials(op, type, group, options), ...partials.slice(at + size)];
  }
  return finishReduction(op, type, partials[0] ?? combinePartials(op, type, [], options), n, options);
}

describe('int reductions against BigInt references', () => {
  for (const op of intOps) {
    test(`${op}: int64 and bigint[] inputs, whole and sharded`, () => {
      fc.assert(
        fc.property(
          fc.oneof(fc.array(int64, { minLength: 1, maxLength: 60 }), fc.array(anyInt, { minLength: 1, maxLength: 60 })),
          fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { maxLength: 8 }),
          fc.array(fc.nat(), { minLength: 1, maxLength: 8 }),
          (values, cuts, shape) => {
            const expected = intReference[op](values);
            const packed = packInts(values);
            assert.equal(reduceAll(op, 'int', packed, options), expected);
            assert.equal(reduceAll(op, 'int', values, options), expected);
            assert.equal(sharded(op, 'int', packed, cuts, shape), expected);
            assert.equal(sharded(op, 'int', values, cuts, shape), expected);
          },
        ),
        { numRuns: op === 'lcm' || op === 'product' ? 60 : 150 },
      );
    });
  }

  test('int64 sums past the 2^20-value block and the double range of a block', () => {
    const values = new BigInt64Array((1 << 20) + 5).fill((1n << 63n) - 1n);
    values[3] = -(1n << 63n);
    const expected = ((1n << 63n) - 1n) * BigInt(values.length - 1) - (1n << 63n);
    assert.equal(reduceAll('sum', 'int', values), expected);
  });

  test('gcd falls back to BigInt beyond 2^53 and stays exact', () => {
    // Found by the property test: a small value after a big one once rounded 2^53 + 1 to 2^53.
    assert.equal(reduceAll('gcd', 'int', packInts([(1n << 53n) + 1n, 0n]), options), (1n << 53n) + 1n);
    assert.equal(reduceAll('gcd', 'int', packInts([(1n << 60n) + 3n, 5n, 0n]), options), refGcd((1n << 60n) + 3n, 5n));
    const big = (1n << 62n) - 57n;
    assert.equal(reduceAll('gcd', 'int', new BigInt64Array([0n, big * 1n, big * 1n])), big);
    assert.equal(reduceAll('gcd', 'int', new BigInt64Array([-12n, 18n, (1n << 60n) * 3n])), 6n);
  });

  test('empty arrays give the identities', () => {
    const empty = new BigInt64Array(0);
    const identities: Array<[ReduceOp, bigint]> = [
      ['sum', 0n],
      ['product', 1n],
      ['gcd', 0n],
      ['lcm', 1n],
      ['and', -1n],
      ['or', 0n],
      ['xor', 0n],
    ];
    for (const [op, expected] of identities) {
      assert.equal(reduceAll(op, 'int', empty), expected, op);
      assert.equal(reduceAll(op, 'int', [] as bigint[]), expected, op);
    }
  });

  test('min, max and mean of nothing are refused as input errors', () => {
    for (const op of ['min', 'max', 'mean'] as const) {
      assert.throws(() => reduceAll(op, 'int', new BigInt64Array(0)), (e: unknown) => e instanceof ComputeInputError && /no values/.test(e.message));
      assert.throws(() => reduceAll(op, 'float64', new Float64Array(0)), ComputeInputError);
    }
  });

  test('products beyond the bit limit are refused, unless a zero makes them 0', () => {
    const big = new BigInt64Array(200).fill((1n << 62n) + 1n);
    assert.throws(() => reduceAll('product', 'int', big, { maxBits: 4096 }), /more than 4096 bits/);
    assert.throws(() => reduceAll('lcm', 'int', Array.from({ length: 300 }, (_, i) => (1n << 61n) - BigInt(2 * i + 1)), { maxBits: 4096 }), /bits/);
    const withZero = big.slice();
    withZero[150] = 0n;
    assert.equal(reduceAll('product', 'int', withZero, { maxBits: 4096 }), 0n);
    // Sharded: the too-large shard and the zero shard meet only in the combine.
    const left = reduceShard('product', 'int', big, { maxBits: 4096 });
    const right = reduceShard('product', 'int', new BigInt64Array([5n, 0n]), { maxBits: 4096 });
    assert.equal(finishReduction('product', 'int', combinePartials('product', 'int', [left, right]), 202), 0n);
  });
});

describe('float64 min, max, product', () => {
  const doubles = fc.oneof(fc.double(), fc.constantFrom(0, -0, NaN, Infinity, -Infinity));
  const refMin = (v: number[]) => (v.some(Number.isNaN) ? NaN : v.reduce((a, b) => (b < a || (b === a && Object.is(b, -0)) ? b : a)));
  const refMax = (v: number[]) => (v.some(Number.isNaN) ? NaN : v.reduce((a, b) => (b > a || (b === a && Object.is(b, 0)) ? b : a)));

  test('min and max: NaN wins, -0 < +0, shard independent', () => {
    fc.assert(
      fc.property(
        fc.array(doubles, { minLength: 1, maxLength: 80 }),
        fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { maxLength: 8 }),
        fc.array(fc.nat(), { minLength: 1, maxLength: 8 }),
        (list, cuts, shape) => {
          const values = Float64Array.from(list);
          assert.ok(Object.is(reduceAll('min', 'float64', values), refMin(list)));
          assert.ok(Object.is(reduceAll('max', 'float64', values), refMax(list)));
          assert.ok(Object.is(sharded('min', 'float64', values, cuts, shape), refMin(list)));
          assert.ok(Object.is(sharded('max', 'float64', values, cuts, shape), refMax(list)));
        },
      ),
    );
    assert.ok(Object.is(reduceAll('min', 'float64', new Float64Array([0, -0, 1])), -0));
    assert.ok(Object.is(reduceAll('max', 'float64', new Float64Array([-0, 0, -1])), 0));
  });

  test('product: fixed blocks in order, the same for any aligned sharding', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 4 * SHARD_ALIGN }), fc.array(fc.nat(), { maxLength: 6 }), fc.integer(), (length, cutBlocks, seed) => {
        let state = seed >>> 0;
        const values = Float64Array.from({ length }, () => {
          state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
          return 0.5 + state / 2 ** 32;
        });
        // Plain reference of the documented grouping.
        let expected = 1;
        for (let start = 0; start < length; start += SHARD_ALIGN) {
          let block = 1;
          for (let i = start; i < Math.min(length, start + SHARD_ALIGN); i += 1) block *= values[i]!;
          expected *= block;
        }
        assert.ok(Object.is(reduceAll('product', 'float64', values), expected));
        const points = [...new Set(cutBlocks.map((b) => Math.min(length, (b % 5) * SHARD_ALIGN)))].sort((a, b) => a - b);
        const bounds = [0, ...points, length];
        const partials = bounds.slice(1).map((end, i) => reduceShard('product', 'float64', values.subarray(bounds[i], end)));
        assert.ok(Object.is(finishReduction('product', 'float64', combinePartials('product', 'float64', partials), length), expected));
      }),
      { numRuns: 30 },
    );
    assert.equal(reduceAll('product', 'float64', new Float64Array(0)), 1);
    assert.ok(Number.isNaN(reduceAll('product', 'float64', new Float64Array([Infinity, 0]))));
  });

  test('int-only ops are refused for float64', () => {
    assert.throws(() => reduceShard('gcd', 'float64', new Float64Array([1])), ComputeInputError);
  });
});

describe('the tree reduction of the classic concurrency book', () => {
  /**
   * Pairs reduced round by round: a queue of tasks, each adding two numbers, the results
   * of one round feeding the next, an odd one out carried over.
   */
  async function pairwiseTree(values: number[], add: (a: number, b: number) => number): Promise<number> {
    let round = values.slice();
    while (round.length > 1) {
      const queue: Array<() => Promise<number>> = [];
      for (let i = 0; i + 1 < round.length; i += 2) {
        const a = round[i]!;
        const b = round[i + 1]!;
        queue.push(() => new Promise((resolve) => setImmediate(() => resolve(add(a, b)))));
      }
      const next = await Promise.all(queue.map((task) => task()));
      if (round.length % 2 === 1) next.push(round[round.length - 1]!);
      round = next;
    }
    return round[0] ?? 0;
  }

  test('0..19 gives 190, like our sharded sum', async () => {
    const values = Array.from({ length: 20 }, (_, i) => i);
    const tree = await pairwiseTree(values, (a, b) => a + b);
    assert.equal(tree, 190);
    const typed = Float64Array.from(values);
    assert.equal(sharded('sum', 'float64', typed, [0.2, 0.45, 0.8], [1, 2, 3]), 190);
    assert.equal(reduceAll('sum', 'int', packInts(values.map(BigInt))), 190n);
  });

  test('on doubles, pairing rounds differently from the exact (and sharded) sum', async () => {
    const values = [1, 1e16, 1, -1e16, 3, 3, 3, 3];
    const tree = await pairwiseTree(values, (a, b) => a + b);
    const exact = referenceSum(values);
    assert.equal(exact, 14);
    assert.equal(sharded('sum', 'float64', Float64Array.from(values), [0.5], [0]), exact);
    assert.notEqual(tree, exact);
  });
});
