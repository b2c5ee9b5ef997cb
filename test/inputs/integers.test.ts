import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { parseIntegerBatch } from '../../src/inputs/integers.js';
import { InputError } from '../../src/inputs/errors.js';

/** The batch's values, read back as bigints in input order. */
function valuesOf(batch: ReturnType<typeof parseIntegerBatch>): bigint[] {
  const values = [...batch.small];
  batch.largeIndex.forEach((index, position) => (values[index] = batch.largeValues[position] as bigint));
  return values;
}

describe('parseIntegerBatch', () => {
  test('decimal strings and safe numbers come back exactly, whatever their size (BigInt reference)', () => {
    const decimal = fc.oneof(
      fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }),
      fc.bigInt({ min: (1n << 64n) - 1000n, max: (1n << 64n) + 1000n }),
      fc.bigInt({ min: 0n, max: 10n ** 20n + 10n ** 8n }),
      fc.bigInt({ min: 0n, max: 1n << 200n }),
      fc.integer({ min: 0, max: 10 ** 9 }).map(BigInt),
    );
    const item = fc.oneof(
      decimal.map((value) => ({ raw: value.toString() as number | string, value })),
      fc.maxSafeNat().map((value) => ({ raw: value as number | string, value: BigInt(value) })),
    );
    fc.assert(
      fc.property(fc.array(item, { minLength: 1, maxLength: 50 }), (items) => {
        const batch = parseIntegerBatch(
          items.map((entry) => entry.raw),
          '/numbers',
          4096,
        );
        assert.deepEqual(valuesOf(batch), items.map((entry) => entry.value));
        for (const index of batch.largeIndex) assert.ok((items[index] as { value: bigint }).value >= 1n << 64n);
      }),
      { numRuns: 500 },
    );
  });

  test('edges around 2^32, 2^53, 10^15..10^20 and 2^64', () => {
    const edges = [
      0n, 1n, 9n, 10n, (1n << 32n) - 1n, 1n << 32n, (1n << 53n) - 1n, 1n << 53n, 10n ** 15n - 1n, 10n ** 15n, 10n ** 16n,
      10n ** 19n, 10n ** 20n - 1n, (1n << 64n) - 1n, 1n << 64n, 10n ** 20n, 99999999999999999999n, 18446744073709551616n,
    ];
    const batch = parseIntegerBatch(edges.map(String), '/numbers', 4096);
    assert.deepEqual(valuesOf(batch), edges);
  });

  test('anything not a canonical non-negative integer is refused with the pointer of each bad item', () => {
    const bad = ['', '-1', '+1', ' 1', '1 ', '01', '0x10', '1e3', '1.5', '１２', '12a', 1.5, -1, 2 ** 53, null, true];
    for (const raw of bad) {
      assert.throws(
        () => parseIntegerBatch([7, raw], '/numbers', 4096),
        (error: unknown) => error instanceof InputError && error.errors[0]?.pointer === '/numbers/1',
        `accepted ${JSON.stringify(raw)}`,
      );
    }
  });

  test('the bit limit holds on every path', () => {
    assert.throws(() => parseIntegerBatch([(1n << 64n).toString()], '/numbers', 64), InputError);
    assert.deepEqual(valuesOf(parseIntegerBatch([((1n << 64n) - 1n).toString()], '/numbers', 64)), [(1n << 64n) - 1n]);
    assert.throws(() => parseIntegerBatch([256], '/numbers', 8), InputError);
    assert.deepEqual(valuesOf(parseIntegerBatch([255, '255'], '/numbers', 8)), [255n, 255n]);
  });
});
