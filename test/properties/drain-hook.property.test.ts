import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { drainSchema } from '../../lib/config/schema.js';
import { hookSpecFor } from '../../lib/drain/hook.js';

/** Auto Scaling ends a hook after 100 heartbeat timeouts or 48 hours, whichever is shorter, however often it is heartbeated. */
const globalTimeoutSeconds = (heartbeatTimeoutSeconds: number) => Math.min(100 * heartbeatTimeoutSeconds, 172_800);

/** Every grace period the fleet document accepts: the schema's own bounds, found by asking it. */
// Half the runs near the 48-hour limit, where the hook's own ceiling bites.
const acceptedGrace = fc.oneof(fc.integer({ min: 1, max: 200_000 }), fc.integer({ min: 170_000, max: 173_000 })).filter((grace) => drainSchema.safeParse({ gracePeriodSeconds: grace }).success);

describe('the termination hook over every grace period the document accepts', () => {
  it('survives four lost one-minute ticks, stays inside Auto Scaling limits, and outlives the grace deadline by the tick that releases (at the 48-hour limit, Auto Scaling ends it at the grace)', () => {
    fc.assert(
      fc.property(acceptedGrace, (grace) => {
        const spec = hookSpecFor(grace);
        expect(spec.heartbeatTimeoutSeconds).toBeGreaterThanOrEqual(300);
        expect(spec.heartbeatTimeoutSeconds).toBeLessThanOrEqual(7200);
        // The drain clock starts at the first command, sent by a tick after the hook opens, and the
        // releasing tick follows the deadline: 900 s (lib/drain/hook.ts GLOBAL_MARGIN_S) covers both.
        // No hook outlives 48 h: a grace within 900 s of it is held until Auto Scaling's own end.
        expect({ grace, global: globalTimeoutSeconds(spec.heartbeatTimeoutSeconds) >= Math.min(grace + 900, 172_800) }).toEqual({ grace, global: true });
        expect(globalTimeoutSeconds(spec.heartbeatTimeoutSeconds)).toBeGreaterThanOrEqual(grace);
        expect(spec.defaultResult).toBe('CONTINUE');
      }),
      { numRuns: 2000 },
    );
  });
});
