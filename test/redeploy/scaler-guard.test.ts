import { describe, expect, it } from 'vitest';
import { formatMarker, REDEPLOY_TAG } from '../../lib/fleet/roll-marker.js';
import { rollInProgress } from '../../lib/fleet/roll-guard.js';
import { guardDuringRoll } from '../../lib/scaling/roll-guard.js';
import type { Decision } from '../../lib/scaling/decide.js';

const now = new Date('2025-01-15T09:00:00Z');
const rollingTag = {
  [REDEPLOY_TAG]: formatMarker({ phase: 'rolling', window: new Date('2025-01-15T08:00:00Z'), until: new Date('2025-01-15T11:00:00Z'), since: new Date('2025-01-15T08:05:00Z'), planned: 10 }),
};

function decision(current: number, desired: number, reason: Decision['reason']): Decision {
  return { desired, reason, numbers: { current, desired, min: 2, max: 20, load: { stream: 300 }, capacityPerInstance: { stream: 150 }, servingInstances: current + 2, bootingInstances: 0, drainingInstances: 0 } };
}

describe('guardDuringRoll', () => {
  it.each([
    { name: 'scale-in during a roll is held', tags: rollingTag, current: 10, proposed: 8, reason: 'ScaleDown' as const, desired: 10, expectedReason: 'RedeployInProgress' },
    { name: 'scale-out during a roll passes', tags: rollingTag, current: 10, proposed: 13, reason: 'ScaleUp' as const, desired: 13, expectedReason: 'ScaleUp' },
    { name: 'no change during a roll passes', tags: rollingTag, current: 10, proposed: 10, reason: 'WithinTolerance' as const, desired: 10, expectedReason: 'WithinTolerance' },
    { name: 'scale-in without a roll passes', tags: {}, current: 10, proposed: 8, reason: 'ScaleDown' as const, desired: 8, expectedReason: 'ScaleDown' },
    {
      name: 'a finished roll does not hold',
      tags: { [REDEPLOY_TAG]: formatMarker({ phase: 'done', window: new Date('2025-01-15T08:00:00Z'), until: new Date('2025-01-15T11:00:00Z'), outcome: 'Successful' }) },
      current: 10,
      proposed: 8,
      reason: 'ScaleDown' as const,
      desired: 8,
      expectedReason: 'ScaleDown',
    },
    { name: 'a corrupt marker holds nothing', tags: { [REDEPLOY_TAG]: 'rolling' }, current: 10, proposed: 8, reason: 'ScaleDown' as const, desired: 8, expectedReason: 'ScaleDown' },
  ])('$name', ({ tags, current, proposed, reason, desired, expectedReason }) => {
    const guarded = guardDuringRoll(decision(current, proposed, reason), tags, now);
    expect(guarded.desired).toBe(desired);
    expect(guarded.reason).toBe(expectedReason);
    expect(guarded.numbers.desired).toBe(desired);
  });

  it.each([
    { name: 'inside the window', at: '2025-01-15T10:59:00Z', held: true },
    // until 11:00 + 15 min grace
    { name: 'in the grace after the window', at: '2025-01-15T11:14:59Z', held: true },
    { name: 'a forgotten marker stops holding', at: '2025-01-15T11:15:00Z', held: false },
  ])('rolling marker $name -> held $held', ({ at, held }) => {
    expect(rollInProgress(rollingTag, new Date(at))).toBe(held);
  });
});
