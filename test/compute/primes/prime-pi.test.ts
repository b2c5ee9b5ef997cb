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
import { sieveFlags } from '../../helpers/reference.js';

/** Published values of pi(10^k) (OEIS A006880). 10^15 (bench: `bench/primes-count.ts 15`) is too slow for the suite. */
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
  [10_000_000_000_000n, 346_065_536_839n],
  [100_000_000_000_000n, 3_204_941_750_802n],
];

const REFERENCE_LIMIT = 100_000_000;
const BLOCK = 1 << 16;
let reference: { flags: Uint8Array; blocks: Uint32Array } | undefined;

/** pi(n) for n <= 10^8 from the plain sieve: a count per 2^16 block, then a scan. */
function referencePi(n: number): number {
  if (reference === undefined) {
    const flags = sieveFlags(REFERENCE_LIMIT + 1);
    const blocks = new Uint32Array(Math.ceil((REFERENCE_LIMIT + 1) / BLOCK) + 1);
    let count = 0;
    for (let i = 0; i <= REFERENCE_LIMIT; i++) {
      if (i % BLOCK === 0) blocks[i / BLOCK] = count;
      count += flags[i]!;
    }
    reference = { flags, blocks };
  }
  const block = Math.floor(n / BLOCK);
  let count = reference.blocks[block]!;
  for (let i = block * BLOCK; i <= n; i++) count += reference.flags[i]!;
  return count;
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

  test('every x below 10^5 against the sieve', () => {
    const flags = sieveFlags(100_000);
    let count = 0;
    for (let x = 0; x < 100_000; x++) {
      count += flags[x]!;
      assert.equal(primePi(BigInt(x)), BigInt(count), `pi(${x})`);
    }
  });

  test('random x up to 10^8 against the sieve', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: REFERENCE_LIMIT }), (x) => {
        assert.equal(primePi(BigInt(x)), BigInt(referencePi(x)));
      }),
      { numRuns: 300 },
    );
  });

  test('tiny segments and odd alphas still agree with the sieve', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 4, max: REFERENCE_LIMIT }),
        fc.constantFrom(128, 256, 1024, 4096),
        fc.double({ min: 0.5, max: 30, noNaN: true }),
        fc.integer({ min: 1, max: 9 }),
        (x, segment, alpha, shards) => {
          const plan = planPrimePi(BigInt(x), shards, { segment, alpha });
          const partials = Array.from({ length: shards }, (_, index) => runPrimePiShard(plan, index));
          assert.equal(combinePrimePi(plan, partials), BigInt(referencePi(x)));
        },
      ),
      { numRuns: 150 },
    );
  });

  test('PRIME_PI_MAX is at least 2^53', () => {
    assert.ok(PRIME_PI_MAX >= 2n ** 53n);
  });

  test('rejects x outside [0, PRIME_PI_MAX]', () => {
    assert.throws(() => primePi(-1n), ComputeInputError);
    assert.throws(() => primePi(PRIME_PI_MAX + 1n), ComputeInputError);
  });
});

describe('sharded pi(x)', () => {
  for (const x of [0n, 2n, 1_000n, 123_456_789n, 10n ** 10n + 7n, 10n ** 12n]) {
    for (const shards of [1, 2, 3, 7, 16]) {
      test(`pi(${x}) with ${shards} shard(s) equals the unsharded value`, () => {
        const plan = planPrimePi(x, shards);
        const roundTripped = JSON.parse(JSON.stringify(plan)) as typeof plan;
        const partials = Array.from({ length: shards }, (_, index) =>
          JSON.parse(JSON.stringify(runPrimePiShard(roundTripped, index))) as ReturnType<typeof runPrimePiShard>,
        );
        assert.equal(combinePrimePi(plan, partials.reverse()), primePi(x));
      });
    }
  }
});

test('runPrimePiShard refuses plans it did not make', () => {
  const plan = planPrimePi(10n ** 9n, 3);
  const broken = [
    { ...plan, bounds: plan.bounds.slice(1) },
    { ...plan, y: plan.y * 1000 },
    { ...plan, segment: 100 },
    { ...plan, bounds: [0, 1000, 999, plan.bounds[3]!] },
    { ...plan, bounds: [0, 129, 256, plan.bounds[3]!] },
    { ...plan, bounds: [...plan.bounds.slice(0, 3), plan.bounds[3]! + 1] },
  ];
  for (const bad of broken) assert.throws(() => runPrimePiShard(bad, 0), RangeError);
  assert.throws(() => runPrimePiShard(plan, 3), RangeError);
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
