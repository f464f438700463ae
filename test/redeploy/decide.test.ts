import { describe, expect, it } from 'vitest';
import { baselineOf, decideRedeploy, planRoll, type RedeployInput, type RollView } from '../../lib/redeploy/decide.js';
import { formatMarker, parseMarker, readMarker, type RedeployMarker } from '../../lib/fleet/roll-marker.js';

const T = (iso: string) => new Date(iso);
const window = { start: T('2025-01-15T08:00:00Z'), end: T('2025-01-15T11:00:00Z') };
const settings = { segmentSize: 2, busyUtilization: 0.5, warmupSeconds: 600, stallMinutes: 40 };
const fleet = { desired: 10, min: 2, max: 20, inService: 10, busyByOther: false };

function input(over: Partial<RedeployInput> = {}): RedeployInput {
  return { now: T('2025-01-15T08:05:00Z'), enabled: true, window, settings, fleet, load: { utilization: 0.2, needed: 4 }, hasDrainHook: true, ...over };
}

const rolling: RedeployMarker = { phase: 'rolling', window: window.start, until: window.end, since: T('2025-01-15T08:05:00Z'), planned: 10, left: 10, progressAt: T('2025-01-15T08:05:00Z') };
const roll = (over: Partial<RollView> = {}): RollView => ({ id: 'r-1', state: 'active', status: 'InProgress', startedAt: T('2025-01-15T08:05:01Z'), left: 10, ...over });

describe('decideRedeploy: before a roll', () => {
  it.each([
    { name: 'disabled', over: { enabled: false }, kind: 'idle', reason: 'Disabled' },
    { name: 'no window open', over: { window: undefined }, kind: 'idle', reason: 'OutsideWindow' },
    {
      name: 'tonight already done',
      over: { marker: { phase: 'done', window: window.start, until: window.end, outcome: 'Successful' } as RedeployMarker },
      kind: 'idle',
      reason: 'DoneTonight',
    },
    { name: 'EKS node group updating', over: { fleet: { ...fleet, busyByOther: true } }, kind: 'skip', reason: 'GroupBusy' },
    { name: "someone else's refresh running", over: { roll: roll({ startedAt: T('2025-01-15T07:00:00Z') }) }, kind: 'skip', reason: 'RollInProgressByOther' },
    { name: 'empty fleet', over: { fleet: { ...fleet, desired: 0, inService: 0, min: 0 } }, kind: 'skip', reason: 'EmptyFleet' },
    { name: 'no drain hook on the group', over: { hasDrainHook: false }, kind: 'skip', reason: 'NoDrainHook' },
    { name: 'missing data means do not start', over: { load: { unknown: 'MissingData' as const } }, kind: 'skip', reason: 'MissingData' },
    { name: 'stale data', over: { load: { unknown: 'StaleData' as const, utilization: 0.1 } }, kind: 'skip', reason: 'StaleData' },
    { name: 'partial data', over: { load: { unknown: 'PartialData' as const, utilization: 0.1 } }, kind: 'skip', reason: 'PartialData' },
    // 0.51 > busyUtilization 0.5
    { name: 'busy', over: { load: { utilization: 0.51, needed: 8 } }, kind: 'skip', reason: 'Busy' },
    // 5 segments x (10 min warm-up + 2 launch) = 60 min > 59 min left at 10:01
    { name: 'would overrun the window', over: { now: T('2025-01-15T10:01:00Z') }, kind: 'skip', reason: 'WouldOverrunWindow' },
    // exactly at the threshold is not busy
    { name: 'utilisation at the threshold starts', over: { load: { utilization: 0.5, needed: 8 } }, kind: 'start', reason: 'QuietWindow' },
    { name: 'quiet night starts', over: {}, kind: 'start', reason: 'QuietWindow' },
  ])('$name -> $kind $reason', ({ over, kind, reason }) => {
    const action = decideRedeploy(input(over as Partial<RedeployInput>));
    expect(action.kind).toBe(kind);
    expect(action.reason).toBe(reason);
  });

  it('writes the skipped marker only when the reason changes', () => {
    const first = decideRedeploy(input({ load: { utilization: 0.9, needed: 13 } }));
    expect(first).toMatchObject({ kind: 'skip', marker: { phase: 'skipped', reason: 'Busy' } });
    const again = decideRedeploy(input({ load: { utilization: 0.9, needed: 13 }, marker: (first as { marker: RedeployMarker }).marker }));
    expect(again.kind).toBe('skip');
    expect(again).not.toHaveProperty('marker');
  });

  it('a skipped night closes with its reason once the window has passed', () => {
    const marker: RedeployMarker = { phase: 'skipped', window: window.start, until: window.end, reason: 'Busy' };
    const action = decideRedeploy(input({ now: T('2025-01-15T11:00:00Z'), window: undefined, marker }));
    expect(action).toMatchObject({ kind: 'close', skippedBecause: 'Busy', marker: { phase: 'done', outcome: 'Skipped', reason: 'Busy' } });
  });

  it('starts with a marker that says rolling since now, planning every instance', () => {
    const action = decideRedeploy(input());
    expect(action).toMatchObject({ kind: 'start', marker: { phase: 'rolling', since: T('2025-01-15T08:05:00Z'), planned: 10, left: 10 } });
  });
});

describe('planRoll', () => {
  it.each([
    // 100 + ceil(100 x 2 / 10) = 120 -> floor(10 x 1.2) - 10 = 2 extra; ceil(10 / 2) = 5 segments; 5 x (10 + 2) = 60 min
    { name: '10 instances, segments of 2', desired: 10, segment: 2, max: 120, extra: 2, segments: 5, minutes: 60 },
    // 100 + ceil(100 / 3) = 134 -> floor(3 x 1.34) - 3 = 1
    { name: '3 instances, segments of 1', desired: 3, segment: 1, max: 134, extra: 1, segments: 3, minutes: 36 },
    // 100 + ceil(200 / 7) = 129 -> floor(7 x 1.29) - 7 = 2; ceil(7 / 2) = 4
    { name: '7 instances, segments of 2', desired: 7, segment: 2, max: 129, extra: 2, segments: 4, minutes: 48 },
    // a segment larger than the fleet is the whole fleet: 200 %
    { name: 'segment above the fleet', desired: 4, segment: 10, max: 200, extra: 4, segments: 1, minutes: 12 },
  ])('$name', ({ desired, segment, max, extra, segments, minutes }) => {
    const plan = planRoll(desired, { ...settings, segmentSize: segment }, window.end);
    expect(plan).toMatchObject({ minHealthyPercentage: 100, maxHealthyPercentage: max, segmentSize: extra, segments, estimatedMinutes: minutes, instances: desired });
  });
});

describe('decideRedeploy: a roll under way', () => {
  it.each([
    { name: 'started, refresh not visible yet', now: '2025-01-15T08:06:00Z', roll: undefined, kind: 'wait', reason: 'StartPending' },
    { name: 'marked but no refresh after 3 minutes', now: '2025-01-15T08:08:00Z', roll: undefined, kind: 'settle', reason: 'StartNotConfirmed' },
    { name: 'running, no progress yet', now: '2025-01-15T08:15:00Z', roll: roll(), kind: 'wait', reason: 'RollInProgress' },
    // 40 minutes without progress = stallMinutes 40
    { name: 'stalled', now: '2025-01-15T08:45:00Z', roll: roll(), kind: 'stop', reason: 'Stalled' },
    { name: 'window closed while running', now: '2025-01-15T11:00:00Z', roll: roll({ left: 2 }), kind: 'stop', reason: 'WindowOverrun' },
    // 2 replaced in 60 min -> 30 min each; 8 left -> 240 min -> 13:05 > 11:00
    { name: 'pace would overrun', now: '2025-01-15T09:05:00Z', roll: roll({ left: 8 }), kind: 'stop', reason: 'ProjectedOverrun' },
    { name: 'being cancelled', now: '2025-01-15T08:30:00Z', roll: roll({ state: 'cancelling', status: 'Cancelling' }), kind: 'wait', reason: 'Cancelling' },
    { name: 'succeeded', now: '2025-01-15T09:10:00Z', roll: roll({ state: 'succeeded', status: 'Successful', left: 0 }), kind: 'settle', reason: 'RollSucceeded' },
    { name: 'failed', now: '2025-01-15T09:10:00Z', roll: roll({ state: 'failed', status: 'Failed', left: 6 }), kind: 'settle', reason: 'RollFailed' },
    { name: 'cancelled', now: '2025-01-15T09:10:00Z', roll: roll({ state: 'cancelled', status: 'Cancelled', left: 6 }), kind: 'settle', reason: 'RollCancelled' },
  ])('$name -> $kind $reason', ({ now, roll: r, kind, reason }) => {
    const action = decideRedeploy(input({ now: T(now), marker: rolling, ...(r ? { roll: r } : {}) }));
    expect(action.kind).toBe(kind);
    expect(action.reason).toBe(reason);
  });

  it('records progress in the marker when instances are replaced, which resets the stall clock', () => {
    // 2 replaced at 08:20: 2 in 15 min, 8 left x 7.5 = 60 min -> 09:20, inside the window
    const action = decideRedeploy(input({ now: T('2025-01-15T08:20:00Z'), marker: rolling, roll: roll({ left: 8 }) }));
    expect(action).toMatchObject({ kind: 'wait', reason: 'RollInProgress', marker: { left: 8, progressAt: T('2025-01-15T08:20:00Z') }, progress: { replaced: 2, left: 8 } });
  });

  it('manages a running roll even after the fleet is disabled', () => {
    const action = decideRedeploy(input({ enabled: false, now: T('2025-01-15T09:10:00Z'), marker: rolling, roll: roll({ state: 'succeeded', status: 'Successful', left: 0 }) }));
    expect(action).toMatchObject({ kind: 'settle', outcome: 'Successful', progress: { replaced: 10 } });
  });

  it('pages on failure, not on success', () => {
    const ok = decideRedeploy(input({ now: T('2025-01-15T09:10:00Z'), marker: rolling, roll: roll({ state: 'succeeded', left: 0 }) }));
    const bad = decideRedeploy(input({ now: T('2025-01-15T09:10:00Z'), marker: rolling, roll: roll({ state: 'failed', left: 4 }) }));
    expect(ok).toMatchObject({ page: false });
    expect(bad).toMatchObject({ page: true, progress: { replaced: 6 } });
  });
});

describe('baselineOf', () => {
  it.each([
    { name: 'traffic needs more than the minimum', min: 2, needed: 6, desired: 14, unknown: undefined, expected: 6 },
    { name: 'the minimum wins at night', min: 4, needed: 1, desired: 10, unknown: undefined, expected: 4 },
    { name: 'never above the maximum', min: 2, needed: 40, desired: 10, unknown: undefined, expected: 20 },
    { name: 'unknown load never shrinks', min: 2, needed: 3, desired: 10, unknown: 'StaleData' as const, expected: 10 },
  ])('$name', ({ min, needed, desired, unknown, expected }) => {
    expect(baselineOf({ ...fleet, min, desired }, { needed, ...(unknown ? { unknown } : {}) })).toBe(expected);
  });
});

describe('redeploy marker', () => {
  it('round-trips through a tag value under 256 characters', () => {
    const text = formatMarker({ ...rolling, id: '3f0b6d5e-1c2a-4b7e-9d8f-0a1b2c3d4e5f', reason: 'RollInProgress' });
    expect(text.length).toBeLessThanOrEqual(256);
    expect(parseMarker(text)).toEqual({ ...rolling, id: '3f0b6d5e-1c2a-4b7e-9d8f-0a1b2c3d4e5f', reason: 'RollInProgress' });
  });

  it.each([
    { name: 'unknown phase', value: 'phase=paused window=2025-01-15T08:00:00.000Z until=2025-01-15T11:00:00.000Z', message: /phase must be rolling, skipped or done, got "paused"/ },
    { name: 'bad time', value: 'phase=done window=yesterday until=2025-01-15T11:00:00.000Z', message: /window must be an ISO-8601 time, got "yesterday"/ },
    { name: 'not key=value', value: 'rolling', message: /"rolling" is not key=value/ },
  ])('rejects $name', ({ value, message }) => {
    expect(() => parseMarker(value)).toThrow(message);
  });

  // Issue 13: a marker a person edited parses, but its times cannot be true; taken at its
  // word, until=2099 held the scaler's roll guard and kept the roll open until then.
  const now = T('2025-01-15T09:00:00Z');
  const tonight = 'window=2025-01-15T08:00:00.000Z until=2025-01-15T11:00:00.000Z';
  it.each([
    { name: 'until decades away', value: 'phase=rolling window=2025-01-15T08:00:00.000Z until=2099-01-01T00:00:00.000Z', field: 'until must be after window by at most 720 minutes' },
    // 08:00 + 720 min = 20:00; 20:01 is a minute longer than any window a fleet document allows
    { name: 'until past the longest window', value: 'phase=done window=2025-01-15T08:00:00.000Z until=2025-01-15T20:01:00.000Z outcome=Successful', field: 'until must be after window by at most 720 minutes' },
    { name: 'until before its window', value: 'phase=skipped window=2025-01-15T08:00:00.000Z until=2025-01-15T07:00:00.000Z', field: 'until must be after window' },
    { name: 'a window that has not opened', value: 'phase=rolling window=2099-01-01T00:00:00.000Z until=2099-01-01T03:00:00.000Z', field: 'window must not be after now (2025-01-15T09:00:00.000Z, 120 s allowed for clock skew), got 2099-01-01T00:00:00.000Z' },
    // now 09:00 + 120 s of skew = 09:02 < 09:02:01
    { name: 'a roll started in the future', value: `phase=rolling ${tonight} since=2025-01-15T09:02:01.000Z`, field: 'since must not be after now' },
    { name: 'progress in the future', value: `phase=rolling ${tonight} since=2025-01-15T08:05:00.000Z left=3@2099-01-01T00:00:00.000Z`, field: 'left@ must not be after now' },
    { name: 'a segment raised in the future', value: `phase=rolling ${tonight} since=2025-01-15T08:05:00.000Z seg=2@2099-01-01T00:00:00.000Z`, field: 'seg@ must not be after now' },
  ])('refuses $name, naming field, rule and value', ({ value, field }) => {
    expect(() => readMarker(value, now)).toThrow(expect.objectContaining({ name: 'MarkerError', code: 'ImplausibleMarker', message: expect.stringContaining(field) }));
    expect(() => readMarker(value, now)).toThrow(JSON.stringify(value));
  });

  it('takes every marker the decision writes at its word', () => {
    const start = decideRedeploy(input());
    const written = [start.kind === 'start' ? start.marker : undefined, rolling, { ...rolling, surge: 2, surgeAt: T('2025-01-15T08:20:00Z') }, { phase: 'done', window: window.start, until: window.end, outcome: 'Successful' } as RedeployMarker];
    for (const marker of written) {
      const value = formatMarker(marker as RedeployMarker);
      expect(readMarker(value, T('2025-01-15T08:20:00Z'))).toEqual(parseMarker(value));
    }
  });
});
