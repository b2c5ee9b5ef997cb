import assert from 'node:assert/strict';
import { test } from 'node:test';
import { WritePacer } from '../../src/http/write-pacer.js';

test('writes beyond the bytes of one turn wait for the next turn; one larger than a turn goes alone', async () => {
  const pacer = new WritePacer(8);
  const order: string[] = [];
  // Scheduled first, so it runs at the end of this turn, before the pacer's own turn end.
  setImmediate(() => order.push('next turn'));
  await Promise.all([
    pacer.reserve(5).then(() => order.push('a')),
    pacer.reserve(5).then(() => order.push('b (over the turn)')),
    pacer.reserve(2).then(() => order.push('c (fits)')),
  ]);
  assert.deepEqual(order, ['a', 'c (fits)', 'next turn', 'b (over the turn)']);

  const alone: string[] = [];
  setImmediate(() => alone.push('next turn'));
  await pacer.reserve(100).then(() => alone.push('large'));
  await pacer.reserve(1).then(() => alone.push('small'));
  assert.deepEqual(alone, ['large', 'next turn', 'small']);
});
