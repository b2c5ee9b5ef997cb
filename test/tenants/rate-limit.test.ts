/** The in-memory token buckets: `takeIfAllowed`, the inline lane's take, agrees with `take` and changes nothing when it declines. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { MemoryRateLimiter } from '../../src/tenants/rate-limit.js';

test('takeIfAllowed takes exactly when take would allow, and leaves the bucket as it was when not', () => {
  fc.assert(
    fc.property(
      fc.integer({ min: 1, max: 600 }),
      fc.integer({ min: 1, max: 20 }),
      fc.array(fc.record({ advanceMs: fc.integer({ min: 0, max: 5_000 }), tenant: fc.constantFrom('', 'a', 'b'), lane: fc.boolean() }), { maxLength: 60 }),
      (perMinute, burst, steps) => {
        let now = 0;
        const clock = () => now;
        const mixed = new MemoryRateLimiter(perMinute, burst, clock);
        const reference = new MemoryRateLimiter(perMinute, burst, clock);
        for (const step of steps) {
          now += step.advanceMs;
          const expected = reference.take(step.tenant);
          if (step.lane) {
            const taken = mixed.takeIfAllowed(step.tenant);
            if (expected.allowed) assert.deepEqual(taken, expected);
            else assert.equal(taken, undefined);
            // A declined lane request goes on to Hono, whose take refuses it with the same answer.
            if (taken === undefined) assert.deepEqual(mixed.take(step.tenant), expected);
          } else {
            assert.deepEqual(mixed.take(step.tenant), expected);
          }
        }
      },
    ),
  );
});
