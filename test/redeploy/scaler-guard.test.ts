import { describe, expect, it } from 'vitest';
import { formatMarker, REDEPLOY_TAG } from '../../lib/fleet/roll-marker.js';
import { readRollGuard } from '../../lib/fleet/roll-guard.js';
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
    const guarded = guardDuringRoll(decision(current, proposed, reason), readRollGuard(tags, now));
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
    expect(readRollGuard(rollingTag, new Date(at)).inProgress).toBe(held);
  });
});

// Issue 13: a marker a person edited. until=2099 held every scale-in until then (until + 15 min).
describe('a redeploy marker whose times cannot be true', () => {
  const marker = (fields: string) => ({ [REDEPLOY_TAG]: `phase=rolling ${fields}` });
  it.each([
    {
      name: 'until decades away',
      tags: marker('window=2025-01-15T08:00:00.000Z until=2099-01-01T00:00:00.000Z'),
      says: 'until must be after window by at most 720 minutes (the longest redeploy window a fleet document allows), got until=2099-01-01T00:00:00.000Z for window=2025-01-15T08:00:00.000Z',
    },
    {
      name: 'a window that has not begun, with its until',
      tags: marker('window=2099-01-01T00:00:00.000Z until=2099-01-01T03:00:00.000Z'),
      says: 'window must not be after now (2025-01-15T09:00:00.000Z, 120 s allowed for clock skew), got 2099-01-01T00:00:00.000Z',
    },
    {
      name: 'a roll started in the future',
      tags: marker('window=2025-01-15T08:00:00.000Z until=2025-01-15T11:00:00.000Z since=2025-01-15T09:05:00.000Z'),
      says: 'since must not be after now (2025-01-15T09:00:00.000Z, 120 s allowed for clock skew), got 2025-01-15T09:05:00.000Z',
    },
  ])('$name holds nothing, and says why', ({ tags, says }) => {
    const read = readRollGuard(tags, now);
    expect(read).toEqual({ inProgress: false, problem: 'ImplausibleMarker', detail: expect.stringContaining(says) });
    const guarded = guardDuringRoll(decision(10, 8, 'ScaleDown'), read);
    expect(guarded).toMatchObject({ desired: 8, reason: 'ScaleDown', numbers: { rollMarkerProblem: 'ImplausibleMarker' } });
  });

  it('a corrupt marker is reported too', () => {
    expect(readRollGuard({ [REDEPLOY_TAG]: 'rolling' }, now)).toEqual({ inProgress: false, problem: 'UnreadableMarker', detail: expect.stringMatching(/"rolling" is not key=value/) });
  });

  it.each([
    // 08:00 + 720 min = 20:00: the longest window a fleet document allows
    ['the longest window', 'window=2025-01-15T08:00:00.000Z until=2025-01-15T20:00:00.000Z'],
    // now 09:00 + 120 s of clock skew
    ['a start two minutes ahead of this clock', 'window=2025-01-15T08:00:00.000Z until=2025-01-15T11:00:00.000Z since=2025-01-15T09:02:00.000Z'],
  ])('%s is taken at its word', (_name, fields) => {
    expect(readRollGuard(marker(fields), now)).toEqual({ inProgress: true });
  });
});
