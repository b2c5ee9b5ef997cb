import assert from 'node:assert/strict';
import { test } from 'node:test';
import { WritePacer } from '../../src/http/write-pacer.js';

test('writes beyond the bytes of one turn wait for the next turn, in order; one larger than a turn goes alone', async () => {
  const pacer = new WritePacer({ bytesPerTurn: 8 });
  const order: string[] = [];
  // Scheduled first, so it runs at the end of this turn, before the pacer's own turn end.
  setImmediate(() => order.push('next turn'));
  await Promise.all([
    pacer.reserve(5).then(() => order.push('a')),
    pacer.reserve(5).then(() => order.push('b (over the turn)')),
    pacer.reserve(2).then(() => order.push('c (behind b, with it)')),
  ]);
  assert.deepEqual(order, ['a', 'next turn', 'b (over the turn)', 'c (behind b, with it)']);

  const alone: string[] = [];
  setImmediate(() => alone.push('next turn'));
  await pacer.reserve(100).then(() => alone.push('large'));
  await pacer.reserve(1).then(() => alone.push('small'));
  assert.deepEqual(alone, ['large', 'next turn', 'small']);
});

test('each turn admits the waiters it has room for, first come first served', async () => {
  const pacer = new WritePacer({ bytesPerTurn: 10 });
  const turns = countTurns();
  const admitted: Array<[number, number]> = [];
  await Promise.all(Array.from({ length: 1_000 }, (_, index) => pacer.reserve(index % 2 === 0 ? 4 : 6).then(() => admitted.push([index, turns.now()]))));
  turns.stop();
  assert.deepEqual(admitted.map(([index]) => index), Array.from({ length: 1_000 }, (_, index) => index));
  // 4 + 6 bytes fill a turn: two waiters per turn, so 500 turns; no turn admits more.
  const perTurn = new Map<number, number>();
  for (const [, at] of admitted) perTurn.set(at, (perTurn.get(at) ?? 0) + 1);
  assert.ok([...perTurn.values()].every((count) => count <= 2), JSON.stringify([...perTurn]));
  assert.ok(perTurn.size >= 500, `${perTurn.size} turns`);
});

test('each write is charged its fixed cost besides its bytes: many small writes spread over turns too', async () => {
  // 1 byte + 10 for the write: 9 of them fill a turn of 100.
  const pacer = new WritePacer({ bytesPerTurn: 100, bytesPerWrite: 10 });
  assert.ok(Math.max(...(await admissionsPerTurn(pacer))) <= 9);
  // Without the fixed cost all 90 bytes fit one turn.
  assert.deepEqual(await admissionsPerTurn(new WritePacer({ bytesPerTurn: 100 })), [90]);
});

/** Counts turns of the loop (setImmediate) until stopped. */
function countTurns(): { now(): number; stop(): void } {
  let turn = 0;
  let counting = true;
  const counter = (): void => {
    turn += 1;
    if (counting) setImmediate(counter);
  };
  setImmediate(counter);
  return { now: () => turn, stop: () => (counting = false) };
}

/** How many of 90 one-byte writes each turn admits. */
async function admissionsPerTurn(pacer: WritePacer): Promise<number[]> {
  const turns = countTurns();
  const perTurn = new Map<number, number>();
  await Promise.all(Array.from({ length: 90 }, () => pacer.reserve(1).then(() => perTurn.set(turns.now(), (perTurn.get(turns.now()) ?? 0) + 1))));
  turns.stop();
  return [...perTurn.values()];
}
