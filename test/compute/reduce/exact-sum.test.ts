import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { combinePartials, finishReduction, reduceAll, reduceShard } from '../../../src/compute/reduce/reduce.js';
import type { ReducePartial } from '../../../src/compute/reduce/reduce.js';
import { referenceMean, referenceSum } from './float-reference.js';

const sum = (values: number[]): number => reduceAll('sum', 'float64', Float64Array.from(values)) as number;
const mean = (values: number[]): number => reduceAll('mean', 'float64', Float64Array.from(values)) as number;

/** Bit-level equality: NaN equals NaN, -0 differs from +0. */
function assertSameDouble(actual: unknown, expected: number, message?: string): void {
  assert.ok(Object.is(actual, expected), `${message ?? ''} got ${String(actual)}, expected ${expected}`);
}

describe('exact float64 sum: classic cases', () => {
  const cases: Array<[string, number[], number]> = [
    ['[0.1] * 10 is exactly 1', Array<number>(10).fill(0.1), 1],
    ['[1e308, 1e308, -1e308, -1e308, 1]', [1e308, 1e308, -1e308, -1e308, 1], 1],
    ['[1e100, 1, -1e100]', [1e100, 1, -1e100], 1],
    ['[1, 1e100, 1, -1e100]', [1, 1e100, 1, -1e100], 2],
    ['overflow to Infinity', [1.7976931348623157e308, 1.7976931348623157e308], Infinity],
    ['overflow to -Infinity', [-1.7976931348623157e308, -1e300], -Infinity],
    ['max double survives', [1.7976931348623157e308, 1e290, -1e290], 1.7976931348623157e308],
    ['NaN', [1, NaN, 2], NaN],
    ['+Inf and -Inf', [Infinity, 1, -Infinity], NaN],
    ['one infinity', [Infinity, -1e308, 5], Infinity],
    ['subnormals add exactly', [5e-324, 5e-324, 1e-310], 1.0000000000001e-310],
    ['cancellation leaves the tiny tail', [2 ** 60, 2 ** -60, -(2 ** 60)], 2 ** -60],
    ['ties to even', [1, 2 ** -53], 1],
    ['just above the tie', [1, 2 ** -53, 2 ** -1000], 1 + 2 ** -52],
    ['empty sum', [], 0],
    ['NaN after several fast chunks', [...Array<number>(3000).fill(0.5), NaN, 1], NaN],
    ['Infinity after several fast chunks', [...Array<number>(2500).fill(-0.25), Infinity, ...Array<number>(2000).fill(3)], Infinity],
    ['a huge value after small chunks', [...Array<number>(2048).fill(2 ** -30), 1e300, ...Array<number>(1000).fill(1), -1e300], 2048 * 2 ** -30 + 1000],
    ['exact zero is +0', [-0, -0], 0],
  ];
  for (const [name, values, expected] of cases) {
    test(name, () => {
      assertSameDouble(sum(values), expected);
      assertSameDouble(referenceSum(values), expected, 'reference:');
    });
  }
});

const anyDouble = fc.oneof(
  fc.double({ noNaN: true, noDefaultInfinity: true }),
  fc.double({ min: -1e-300, max: 1e-300, noNaN: true }),
  fc.integer({ min: -1074, max: 1023 }).chain((e) => fc.integer({ min: -(2 ** 20), max: 2 ** 20 }).map((m) => m * 2 ** e)),
  fc.constantFrom(0, -0, 5e-324, -5e-324, 1.7976931348623157e308, -1.7976931348623157e308, 1, -1, 0.1),
);

/** Arrays that cancel: each value followed later by its negation plus a small perturbation. */
const cancelling = fc.array(fc.double({ noNaN: true, noDefaultInfinity: true }), { maxLength: 40 }).chain((xs) =>
  fc
    .array(fc.double({ min: -1, max: 1, noNaN: true }), { minLength: xs.length, maxLength: xs.length })
    .chain((small) => fc.shuffledSubarray([...xs, ...xs.map((x) => -x), ...small], { minLength: 2 * xs.length + small.length })),
);

describe('exact float64 sum: against an exact rational reference', () => {
  test('random doubles of every magnitude', () => {
    fc.assert(
      fc.property(fc.array(anyDouble, { maxLength: 300 }), (values) => {
        assertSameDouble(sum(values), referenceSum(values));
      }),
      { numRuns: 400 },
    );
  });

  test('catastrophic cancellation', () => {
    fc.assert(
      fc.property(cancelling, (values) => {
        assertSameDouble(sum(values), referenceSum(values));
      }),
      { numRuns: 300 },
    );
  });

  test('long arrays take the fast path and still agree', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1000, max: 5000 }),
        fc.integer({ min: -60, max: 60 }),
        fc.integer({ min: 0, max: 80 }),
        fc.integer(),
        (length, centre, spread, seed) => {
          let state = seed >>> 0;
          const next = () => {
            state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
            return state / 2 ** 32;
          };
          const values = Array.from({ length }, () => (next() - 0.5) * 2 ** (centre + Math.floor(next() * spread)));
          assertSameDouble(sum(values), referenceSum(values));
        },
      ),
      { numRuns: 40 },
    );
  });

  test('chunks whose magnitudes jump (wrong guesses are redone, never trusted)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: -1070, max: 1020 }), { minLength: 2, maxLength: 6 }),
        fc.array(fc.integer({ min: -1074, max: 1023 }), { maxLength: 4 }),
        fc.integer(),
        (chunkExponents, strays, seed) => {
          let state = seed >>> 0;
          const next = () => {
            state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
            return state / 2 ** 32;
          };
          const values: number[] = [];
          for (const e of chunkExponents) {
            for (let i = 0; i < 1024; i += 1) values.push((next() - 0.5) * 2 ** Math.min(1023, e + Math.floor(next() * 4)));
          }
          // Lone values far above or below their chunk, at random places.
          for (const e of strays) values[Math.floor(next() * values.length)] = (next() < 0.5 ? -1 : 1) * 2 ** e;
          assertSameDouble(sum(values), referenceSum(values));
        },
      ),
      { numRuns: 60 },
    );
  });

  test('NaN and infinities anywhere', () => {
    const withSpecials = fc.array(fc.oneof(anyDouble, fc.constantFrom(NaN, Infinity, -Infinity)), { maxLength: 50 });
    fc.assert(
      fc.property(withSpecials, (values) => {
        assertSameDouble(sum(values), referenceSum(values));
      }),
    );
  });

  test('mean is the exact mean rounded once', () => {
    fc.assert(
      fc.property(fc.array(anyDouble, { minLength: 1, maxLength: 100 }), (values) => {
        assertSameDouble(mean(values), referenceMean(values));
      }),
      { numRuns: 300 },
    );
    assertSameDouble(mean([1, 2, 3, 4]), 2.5);
    assertSameDouble(mean([0.1, 0.2, 0.3]), 0.2);
  });
});

/** Cuts `values` at random points and combines the shards' partials in a random tree. */
function shardedSum(values: Float64Array, cuts: number[], shape: number[], op: 'sum' | 'mean' = 'sum'): number {
  const points = [...new Set(cuts.map((c) => Math.floor(c * values.length)))].sort((a, b) => a - b);
  const bounds = [0, ...points, values.length];
  let partials: ReducePartial[] = [];
  for (let i = 0; i + 1 < bounds.length; i += 1) {
    partials.push(reduceShard(op, 'float64', values.subarray(bounds[i], bounds[i + 1])));
  }
  let turn = 0;
  while (partials.length > 1) {
    const size = 2 + ((shape[turn++ % Math.max(1, shape.length)] ?? 0) % 3);
    const at = (shape[turn++ % Math.max(1, shape.length)] ?? 0) % (partials.length - 1);
    const group = partials.slice(at, at + size);
    partials = [...partials.slice(0, at), combinePartials(op, 'float64', group), ...partials.slice(at + size)];
  }
  return finishReduction(op, 'float64', partials[0] ?? combinePartials(op, 'float64', []), values.length) as number;
}

describe('exact float64 sum: shard independence', () => {
  test('random cut points and random groupings give bit-identical results', () => {
    fc.assert(
      fc.property(
        fc.array(anyDouble, { maxLength: 400 }),
        fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { maxLength: 12 }),
        fc.array(fc.nat(), { minLength: 1, maxLength: 12 }),
        (list, cuts, shape) => {
          const values = Float64Array.from(list);
          const whole = sum(list);
          assertSameDouble(shardedSum(values, cuts, shape), whole);
          if (list.length > 0) assertSameDouble(shardedSum(values, cuts, shape, 'mean'), mean(list));
        },
      ),
      { numRuns: 300 },
    );
  });
});
