import { describe, expect, it } from 'vitest';
import type { Release, WaitEntry } from '../../sim/index.js';
import { checkBounds, checkEveryWaitReleased, checkIsolation, checkNoEarlyRelease, checkNoScaleInOnFaultyData, checkScaleInCooldown, type DecisionRecord } from './invariants.js';

const decision = (over: Partial<DecisionRecord>): DecisionRecord => ({ minute: 10, fleet: 'speech', current: 5, desired: 5, reason: 'WithinTolerance', dataFaulty: false, ...over });
const release = (over: Partial<Release>): Release => ({ minute: 20, group: 'asg-speech', instanceId: 'i-1', cause: 'lifecycle-complete', requestsCut: 0, waitMinute: 10, ...over });

describe('A: no scale-in on faulty data', () => {
  it.each([
    ['a scale-in on faulty data', decision({ desired: 4, reason: 'ScaleDown', dataFaulty: true }), 1],
    ['a scale-in on sound data', decision({ desired: 4, reason: 'ScaleDown' }), 0],
    ['a hold on faulty data', decision({ reason: 'MissingData', dataFaulty: true }), 0],
    ['a scale-out on faulty data', decision({ desired: 6, reason: 'ScaleUp', dataFaulty: true }), 0],
  ])('%s', (_name, record, violations) => {
    expect(checkNoScaleInOnFaultyData([record])).toHaveLength(violations);
  });
});

describe('B: bounds', () => {
  it.each([
    ['below min', 0, 1],
    ['at min', 1, 0],
    ['at max', 10, 0],
    ['above max', 11, 1],
  ])('%s', (_name, desired, violations) => {
    expect(checkBounds([{ minute: 3, group: 'g', desired, min: 1, max: 10 }])).toHaveLength(violations);
  });
});

describe('C: no early release', () => {
  const rules = { graceMinutes: () => 10 };
  it.each([
    ['requests cut before the deadline (wait 10 + grace 10 = 20, released at 19)', release({ minute: 19, requestsCut: 2 }), 1],
    ['requests cut at the deadline', release({ minute: 20, requestsCut: 2 }), 0],
    ['empty before the deadline', release({ minute: 12 }), 0],
    ['a hook timeout cutting requests early counts too', release({ minute: 15, cause: 'hook-timeout', requestsCut: 1 }), 1],
    ['terminated with requests and never held by the hook', release({ cause: 'no-hook', requestsCut: 3, waitMinute: undefined }), 1],
  ])('%s', (_name, record, violations) => {
    expect(checkNoEarlyRelease([record], rules)).toHaveLength(violations);
  });

  it('excuses instances the scenario released itself', () => {
    expect(checkNoEarlyRelease([release({ minute: 12, requestsCut: 2 })], { ...rules, excused: new Set(['i-1']) })).toEqual([]);
  });
});

describe('D: every wait released', () => {
  const waits: WaitEntry[] = [
    { minute: 5, group: 'g', instanceId: 'i-1' },
    { minute: 6, group: 'g', instanceId: 'i-2' },
  ];
  it('finds the instance still waiting at the end', () => {
    expect(checkEveryWaitReleased(waits, [release({ instanceId: 'i-1' })], 100)).toEqual([
      { invariant: 'D', minute: 100, subject: 'i-2', detail: 'entered Terminating:Wait at 6 in g, still not released at 100' },
    ]);
  });
  it('holds when both left', () => {
    expect(checkEveryWaitReleased(waits, [release({ instanceId: 'i-1' }), release({ instanceId: 'i-2' })], 100)).toEqual([]);
  });
});

describe('E: isolation', () => {
  const baseline = [decision({ minute: 1 }), decision({ minute: 2, desired: 6, reason: 'ScaleUp', written: 6 }), decision({ minute: 1, fleet: 'broken' })];
  it.each([
    ['the same decisions', [decision({ minute: 1 }), decision({ minute: 2, desired: 6, reason: 'ScaleUp', written: 6 })], 0],
    ['a different count', [decision({ minute: 1 }), decision({ minute: 2, desired: 7, reason: 'ScaleUp', written: 7 })], 1],
    // seeds 7, 9 and 29: the same counts under another reason code are the same decision
    ['the same counts for another reason', [decision({ minute: 1 }), decision({ minute: 2, desired: 6, reason: 'ScaleUpLimited', written: 6 })], 0],
    ['the same decision from another count', [decision({ minute: 1, current: 4 }), decision({ minute: 2, desired: 6, reason: 'ScaleUp', written: 6 })], 1],
    ['the same decision, nothing written (the write failed)', [decision({ minute: 1 }), decision({ minute: 2, desired: 6, reason: 'ScaleUp' })], 1],
    ['the same decision, another count written (victims spared)', [decision({ minute: 1 }), decision({ minute: 2, desired: 6, reason: 'ScaleUp', written: 5 })], 1],
    ['a tick without a decision', [decision({ minute: 1 })], 1],
  ])('%s', (_name, run, violations) => {
    expect(checkIsolation(run, baseline, ['speech'])).toHaveLength(violations);
  });

  it('ignores the faulty fleet and reports only the first divergence', () => {
    const run = [decision({ minute: 1, desired: 9 }), decision({ minute: 2, desired: 9 }), decision({ minute: 1, fleet: 'broken', desired: 0 })];
    expect(checkIsolation(run, baseline, ['speech']).map((v) => v.minute)).toEqual([1]);
  });
});

describe('F: scale-in cooldown', () => {
  const series = (desired: number[]) => desired.map((d, minute) => ({ minute, group: 'g', desired: d, min: 1, max: 20 }));
  it.each([
    ['drops 1 minute apart with a 5-minute cooldown', [5, 4, 3], 1],
    ['drops 5 minutes apart', [5, 4, 4, 4, 4, 4, 3], 0],
    ['drops 4 minutes apart', [5, 4, 4, 4, 4, 3], 1],
    ['a rise in between does not reset the cooldown', [5, 4, 5, 4], 1],
    ['only rises', [1, 2, 3, 4], 0],
  ])('%s', (_name, desired, violations) => {
    expect(checkScaleInCooldown(series(desired), 5)).toHaveLength(violations);
  });

  it('keeps groups apart', () => {
    const a = series([5, 4, 4]);
    const b = series([5, 5, 4]).map((r) => ({ ...r, group: 'h' }));
    expect(checkScaleInCooldown([...a, ...b].sort((x, y) => x.minute - y.minute), 5)).toEqual([]);
  });
});
