import { describe, expect, it } from 'vitest';
import { decideApiFleet, type ApiDecision } from '../../lib/scaling/api-fleet.js';

const api = { target: { type: 'asg' as const, autoScalingGroupName: 'api' }, ratio: 4, minInstances: 1, maxInstances: 10 };

describe('the API fleet follows the Engine fleet', () => {
  const cases: Array<{ name: string; engine: number; group: { min: number; max: number }; expected: Pick<ApiDecision, 'desired' | 'reason'> }> = [
    // ceil(9 / 4) = 3
    { name: 'one API instance per four Engines, rounded up', engine: 9, group: { min: 0, max: 50 }, expected: { desired: 3, reason: 'FollowsEngine' } },
    // ceil(0 / 4) = 0 < min 1
    { name: 'never below its minimum', engine: 0, group: { min: 0, max: 50 }, expected: { desired: 1, reason: 'ApiMinimum' } },
    // ceil(0 / 4) = 0 < max(api min 1, group min 2) = 2
    { name: 'never below its group\'s minimum', engine: 0, group: { min: 2, max: 50 }, expected: { desired: 2, reason: 'ApiMinimum' } },
    // ceil(100 / 4) = 25 > api max 10
    { name: 'never above its maximum', engine: 100, group: { min: 0, max: 50 }, expected: { desired: 10, reason: 'ApiMaximum' } },
    // ceil(100 / 4) = 25 > min(api max 10, group max 6) = 6
    { name: 'never above its group\'s maximum', engine: 100, group: { min: 0, max: 6 }, expected: { desired: 6, reason: 'ApiMaximum' } },
  ];
  it.each(cases)('$name', ({ engine, group, expected }) => {
    expect(decideApiFleet(api, engine, group)).toMatchObject(expected);
  });

  it('returns the numbers it decided from', () => {
    expect(decideApiFleet(api, 9, { min: 0, max: 50 }).numbers).toEqual({ engineDesired: 9, ratio: 4, needed: 3, min: 1, max: 10 });
  });
});
