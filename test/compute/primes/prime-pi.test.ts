/**
 * pi(x) against published values and a plain sieve written here (see reference.ts): the
 * kernel and the references share no code.
 */
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import {
  PRIME_PI_MAX,
  combinePrimePi,
  estimatePrimePiMicros,
  planPrimePi,
  primePi,
  runPrimePiShard,
} from '../../../src/compute/primes/prime-pi.js';
import { ComputeInputError } from '../../../src/compute/errors.js';
import { sieveFlags } from './reference.js';

/** Published values of pi(10^k) (OEIS A006880). */
const powersOfTen: readonly (readonly [bigint, bigint])[] = [
  [10n, 4n],
  [100n, 25n],
  [1_000n, 168n],
  [10_000n, 1_229n],
  [100_000n, 9_592n],
  [1_000_000n, 78_498n],
  [10_000_000n, 664_579n],
  [100_000_000n, 5_761_455n],
  [1_000_000_000n, 50_847_534n],
  [10_000_000_000n, 455_052_511n],
  [100_000_000_000n, 4_118_054_813n],
  [1_000_000_000_000n, 37_607_912_018n],
];

const REFERENCE_LIMIT = 10_000_000;
let cumulative: Uint32Array | undefined;

/** cumulative[n] = number of primes <= n, from the plain sieve, built once. */
function referencePi(): Uint32Array {
  if (cumulative === undefined) {
    const flags = sieveFlags(REFERENCE_LIMIT + 1);
    cumulative = new Uint32Array(REFERENCE_LIMIT + 1);
    let count = 0;
    for (let n = 0; n <= REFERENCE_LIMIT; n++) {
      count += flags[n]!;
      cumulative[n] = count;
    }
  }
  return cumulative;
}

describe('primePi', () => {
  for (const [x, expected] of powersOfTen) {
    test(`pi(${x}) = ${expected}`, () => {
      assert.equal(primePi(x), expected);
    });
  }

  test('pi(2^32) = 203280221', () => {
    assert.equal(primePi(2n ** 32n), 203_280_221n);
  });

  test('edges 0..4', () => {
    assert.deepEqual([0n, 1n, 2n, 3n, 4n].map(primePi), [0n, 0n, 1n, 2n, 2n]);
  });

  test('every x below 3000 against the sieve', () => {
    const pi = referencePi();
    for (let x = 0; x < 3000; x++) assert.equal(primePi(BigInt(x)), BigInt(pi[x]!), `pi(${x})`);
  });

  test('random x up to 10^7 against the sieve', () => {
    const pi = referencePi();
    fc.assert(
      fc.property(fc.integer({ min: 0, max: REFERENCE_LIMIT }), (x) => {
        assert.equal(primePi(BigInt(x)), BigInt(pi[x]!));
      }),
      { numRuns: 200 },
    );
  });

  test('rejects x outside [0, PRIME_PI_MAX]', () => {
    assert.throws(() => primePi(-1n), ComputeInputError);
    assert.throws(() => primePi(PRIME_PI_MAX + 1n), ComputeInputError);
  });
});

describe('sharded pi(x)', () => {
  for (const x of [0n, 2n, 1_000n, 123_456_789n, 10n ** 10n + 7n]) {
    for (const shards of [1, 2, 3, 7]) {
      test(`pi(${x}) with ${shards} shard(s) equals the unsharded value`, () => {
        const plan = planPrimePi(x, shards);
        const roundTripped = JSON.parse(JSON.stringify(plan)) as typeof plan;
        const partials = Array.from({ length: shards }, (_, index) =>
          JSON.parse(JSON.stringify(runPrimePiShard(roundTripped, index))) as ReturnType<typeof runPrimePiShard>,
        );
        assert.equal(combinePrimePi(plan, partials), primePi(x));
      });
    }
  }
});

test('estimatePrimePiMicros grows with x and is positive', () => {
  let last = 0;
  for (let e = 0n; e <= 15n; e++) {
    const micros = estimatePrimePiMicros(10n ** e);
    assert.ok(micros > 0 && Number.isFinite(micros));
    assert.ok(micros >= last);
    last = micros;
  }
});
