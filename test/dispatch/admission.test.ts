import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { Admission } from '../../src/dispatch/admission.js';
import { OverloadedError } from '../../src/dispatch/errors.js';

describe('admission by estimated thread time', () => {
  test('admits while the backlog per thread stays within the budget, then refuses with a Retry-After', () => {
    const admission = new Admission({ threads: 2, maxBacklogMs: 100 });
    // 200 ms of thread time over 2 threads is exactly the 100 ms budget.
    const first = admission.admit(150_000);
    const second = admission.admit(50_000);
    assert.equal(admission.backlogMs, 100);
    assert.throws(() => admission.admit(1), (error: unknown) => {
      assert.ok(error instanceof OverloadedError);
      assert.ok(error.retryAfterSeconds >= 1);
      assert.equal(error.extensions['backlogMs'], 100);
      return true;
    });
    first.release();
    assert.equal(admission.backlogMs, 25);
    admission.admit(100_000).release();
    second.release();
    assert.equal(admission.admitted, 0);
  });

  test('a request larger than the whole budget still runs when nothing else is admitted, and only then', () => {
    const admission = new Admission({ threads: 1, maxBacklogMs: 10 });
    const huge = admission.admit(60_000_000);
    assert.equal(admission.wouldAdmit(1), false);
    huge.release();
    assert.equal(admission.wouldAdmit(60_000_000), true);
  });

  test('releasing twice frees the cost once; the backlog returns to zero whatever the order', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 1_000_000 }), { maxLength: 30 }), fc.array(fc.nat()), (costs, order) => {
        const admission = new Admission({ threads: 3, maxBacklogMs: 1_000_000 });
        const tickets = costs.map((cost) => admission.admit(cost));
        const shuffled = tickets.map((ticket, index) => ({ ticket, key: order[index] ?? index })).sort((a, b) => a.key - b.key);
        for (const { ticket } of shuffled) {
          ticket.release();
          ticket.release();
        }
        assert.equal(admission.backlogMs, 0);
        assert.equal(admission.admitted, 0);
      }),
    );
  });
});

test('a refusal for want of capacity is remembered for readiness; a tenant quota refusal is not', () => {
  const admission = new Admission({ threads: 1, maxBacklogMs: 1, maxTenantBacklogMs: 1 });
  assert.equal(admission.refusedWithin(1_000), false);
  const first = admission.admit(500, 'a');
  assert.throws(() => admission.admit(600, 'a'), (error: Error) => error.name === 'QuotaExceededError');
  assert.equal(admission.refusedWithin(1_000), false);
  assert.throws(() => admission.admit(600, 'b'), OverloadedError);
  const refusedAt = performance.now();
  first.release();
  assert.equal(admission.wouldAdmit(1_000), true, 'the backlog is empty again');
  assert.equal(admission.refusedWithin(1_000, refusedAt + 500), true);
  assert.equal(admission.refusedWithin(1_000, refusedAt + 1_500), false);
});
