/**
 * The batch check's answers as bytes (src/operations/primes-check-answers.ts) against
 * independent references, for any batch: JSON against `JSON.stringify` of the operation's
 * rendered answer, lines and bitmaps against the verdicts one by one.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { integerBatchOf } from '../../src/compute/primes/batch.js';
import { checkPrimesBatch } from '../../src/compute/primes/is-prime.js';
import { encodeCheckAnswer } from '../../src/operations/primes-check-answers.js';
import { primesCheck } from '../../src/operations/primes-check.js';

/** Small, 64-bit and beyond-64-bit numbers (the last checked as `probable`), 0 and 1 too. */
const anyNumber = fc.oneof(fc.bigInt({ min: 0n, max: 1_000n }), fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }), fc.bigInt({ min: 2n ** 64n, max: 2n ** 90n }));

test('JSON: the same bytes as JSON.stringify of the rendered answer, with or without the decimals as sent', () => {
  fc.assert(
    fc.property(fc.array(anyNumber, { maxLength: 300, size: 'medium' }), fc.boolean(), (values, keepDecimals) => {
      const batch = integerBatchOf(values);
      const flags = checkPrimesBatch(batch);
      const decimals = keepDecimals ? values.map((value) => (value < 2n ** 53n && value % 3n === 0n ? Number(value) : value.toString())) : undefined;
      const expected = JSON.stringify(primesCheck.render(flags, { batch }));
      assert.equal(Buffer.from(encodeCheckAnswer('json', flags, batch, decimals)).toString('latin1'), expected);
    }),
  );
});

test('lines and bitmaps: one verdict per number, in order', () => {
  fc.assert(
    fc.property(fc.array(anyNumber, { maxLength: 300, size: 'medium' }), (values) => {
      const batch = integerBatchOf(values);
      const flags = checkPrimesBatch(batch);
      assert.equal(Buffer.from(encodeCheckAnswer('text', flags, batch)).toString('latin1'), [...flags].map((flag) => `${flag}\n`).join(''));
      const bitmap = encodeCheckAnswer('bitmap', flags, batch);
      assert.equal(bitmap.length, Math.ceil(values.length / 8));
      values.forEach((_, index) => assert.equal(((bitmap[index >> 3] as number) >> (index & 7)) & 1, flags[index]));
      if (values.length % 8 !== 0) assert.equal((bitmap[bitmap.length - 1] as number) >> (values.length % 8), 0);
    }),
  );
});
