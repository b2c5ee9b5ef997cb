/**
 * Answers moved from the pool threads rather than copied: which buffers may move (a view's
 * whole own buffer, marked by its task), that the thread's reply lists them for Piscina, and
 * that through a real pool they arrive whole and equal to the inline answer.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import fc from 'fast-check';
import { transferableSymbol, valueSymbol } from 'piscina';
import { encodePrimes, sieveList } from '../../src/pool/tasks/primes.js';
import { handOver, handedOverBuffers, wholeBuffer } from '../../src/pool/transfer.js';
import { WorkerPool } from '../../src/pool/pool.js';
import runTask from '../../src/pool/worker.js';

describe('which buffers may move', () => {
  test('only a view that covers its own buffer whole, never a part, a small pooled Buffer or shared memory', () => {
    const own = new Uint8Array(64);
    assert.equal(wholeBuffer(own), own.buffer);
    assert.equal(wholeBuffer(own.subarray(1)), undefined);
    assert.equal(wholeBuffer(own.subarray(0, 63)), undefined);
    // Node cuts small Buffers out of one shared slab: moving one would take its neighbours.
    assert.equal(wholeBuffer(Buffer.from('small')), undefined);
    assert.equal(wholeBuffer(new Uint8Array(new SharedArrayBuffer(64))), undefined);
    assert.equal(wholeBuffer(new Uint8Array(0)), undefined);
    const memory = new WebAssembly.Memory({ initial: 1 });
    assert.equal(wholeBuffer(new Uint8Array(memory.buffer, 8, 16)), undefined);
  });

  test('only what a task handed over, found in the answer itself or one property down', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 10_000 }), fc.boolean(), (size, marked) => {
        const view = new Float64Array(size);
        if (marked) handOver(view);
        const expected = marked ? [view.buffer] : [];
        assert.deepEqual(handedOverBuffers(view), expected);
        assert.deepEqual(handedOverBuffers({ answer: view, count: size }), expected);
        // Deeper than one property is not looked at: answers that nest views copy them.
        assert.deepEqual(handedOverBuffers({ nested: { answer: view } }), []);
      }),
    );
    // A part cannot be handed over, so a task cannot give away a buffer it shares.
    const scratch = new Uint8Array(1024);
    assert.deepEqual(handedOverBuffers(handOver(scratch.subarray(0, 10))), []);
    assert.deepEqual(handedOverBuffers(null), []);
    assert.deepEqual(handedOverBuffers(42), []);
  });
});

describe("a pool thread's reply", () => {
  test('lists the handed-over answer for Piscina to move, beside the envelope', async () => {
    const primes = sieveList({ from: 1_000_000_000n, to: 1_000_100_000n, limit: 10_000 });
    const reply = (await runTask({ task: 'encodePrimes', input: { primes } })) as unknown as Record<symbol, unknown>;
    const envelope = reply[valueSymbol] as { ok: boolean; value: Uint8Array };
    assert.equal(envelope.ok, true);
    assert.deepEqual(reply[transferableSymbol], [envelope.value.buffer]);
    assert.deepEqual(Buffer.from(envelope.value), Buffer.from(encodePrimes({ primes })));
  });

  test('an answer nothing was handed over in is the bare envelope', async () => {
    const reply = await runTask({ task: 'sieveCount', input: { from: 0n, to: 1_000n } });
    assert.deepEqual(reply.ok ? reply.value : undefined, 168);
    assert.equal(transferableSymbol in reply, false);
  });
});

describe('through a real pool', () => {
  let pool: WorkerPool;
  before(() => {
    pool = new WorkerPool({ threads: 2, maxQueuedTasks: 16 });
  });
  after(() => pool.close());

  test('moved answers arrive whole and equal to the same task run here, one after another on the same threads', async () => {
    for (const [from, to] of [[2n, 2_000_000n], [1_000_000_000n, 1_001_000_000n], [10n ** 15n, 10n ** 15n + 3_000_000n]] as const) {
      const here = sieveList({ from, to, limit: 200_000 });
      const [listed, again] = await Promise.all([pool.run('sieveList', { from, to, limit: 200_000 }), pool.run('sieveList', { from, to, limit: 200_000 })]);
      assert.deepEqual(listed.value, here);
      assert.deepEqual(again.value, here);
      const encoded = await pool.run('encodePrimes', { primes: here });
      assert.equal(Buffer.from(encoded.value).toString('latin1'), Buffer.from(encodePrimes({ primes: here })).toString('latin1'));
    }
  });
});
