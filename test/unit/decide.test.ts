import { describe, expect, it } from 'vitest';
import { decide, type DecisionInput } from '../../lib/scaling/decide.js';
import type { ReasonCode } from '../../lib/scaling/reasons.js';
import { fleet, snapshot, streams, T0 } from './fixtures.js';

const settings = { periodSeconds: 60, staleAfterSeconds: 180 };

interface Case {
  name: string;
  input: Partial<DecisionInput>;
  desired: number;
  reason: ReasonCode;
}

// Planned capacity per instance = 100 streams * 0.5 target = 50 unless a case says otherwise.
const cases: Case[] = [
  { name: 'steady load within tolerance keeps the count', input: { observations: streams([200]) }, desired: 4, reason: 'WithinTolerance' }, // 200 / (4*50) = 1.0
  { name: 'load above the band scales up', input: { observations: streams([300]) }, desired: 6, reason: 'ScaleUp' }, // ceil(300/50) = 6
  { name: 'load below the band scales down', input: { observations: streams([100]) }, desired: 2, reason: 'ScaleDown' }, // ceil(100/50) = 2
  { name: 'just inside the tolerance band holds', input: { observations: streams([219]) }, desired: 4, reason: 'WithinTolerance' }, // 219/200 = 1.095 <= 1.1
  { name: 'just outside the tolerance band moves', input: { observations: streams([221]) }, desired: 5, reason: 'ScaleUp' }, // 221/200 = 1.105; ceil(221/50) = 5
  { name: 'no data in the window holds', input: { observations: streams([undefined, undefined]) }, desired: 4, reason: 'MissingData' },
  { name: 'no data never lowers even far below', input: { observations: [] }, desired: 4, reason: 'MissingData' },
  {
    name: 'newest period missing blocks a scale-down',
    input: { observations: streams([100, undefined]) },
    desired: 4,
    reason: 'MissingData',
  },
  {
    name: 'newest period missing still allows scale-up on the data present',
    input: { observations: streams([400, undefined]) },
    desired: 8, // ceil(400/50)
    reason: 'ScaleUp',
  },
  {
    name: 'stale data never shrinks',
    input: { observations: streams([100, undefined, undefined, undefined]) }, // newest data 4 periods old: 240 s > 180 s
    desired: 4,
    reason: 'StaleData',
  },
  {
    name: 'fewer instances reporting than serving never shrinks',
    input: { observations: streams([100], { reportingInstances: 3 }) },
    desired: 4,
    reason: 'PartialData',
  },
  {
    name: 'partial data still scales out',
    input: { observations: streams([400], { reportingInstances: 3 }) },
    desired: 8,
    reason: 'ScaleUp',
  },
  {
    name: 'rejected requests push up even when active counts look fine',
    input: { observations: streams([200], { rejected: 30 }) },
    desired: 5, // max(ceil((200+30)/50)=5, current+1=5)
    reason: 'ScaleUpRejectedRequests',
  },
  {
    name: 'scale-up window takes its lowest recommendation',
    input: { fleet: fleet({ scaleUp: { stabilizationSeconds: 120, cooldownSeconds: 0, maxInstancesPerStep: 100, maxPercentPerStep: 100 } }), observations: streams([300, 400, 500]) },
    desired: 6, // min(6, 8, 10)
    reason: 'ScaleUp',
  },
  {
    name: 'one spike inside the scale-up window does not scale',
    input: { fleet: fleet({ scaleUp: { stabilizationSeconds: 120, cooldownSeconds: 0, maxInstancesPerStep: 100, maxPercentPerStep: 100 } }), observations: streams([200, 200, 500]) },
    desired: 4,
    reason: 'ScaleUpStabilized',
  },
  {
    name: 'scale-down window takes its highest recommendation',
    input: { fleet: fleet({ scaleDown: { stabilizationSeconds: 120, cooldownSeconds: 0, maxInstancesPerStep: 100, maxPercentPerStep: 100 } }), observations: streams([150, 100, 50]) },
    desired: 3, // max(3, 2, 1)
    reason: 'ScaleDown',
  },
  {
    name: 'a dip inside the scale-down window does not shrink',
    input: { fleet: fleet({ scaleDown: { stabilizationSeconds: 120, cooldownSeconds: 0, maxInstancesPerStep: 100, maxPercentPerStep: 100 } }), observations: streams([200, 200, 50]) },
    desired: 4,
    reason: 'ScaleDownStabilized',
  },
  {
    name: 'a gap inside the scale-down window blocks the scale-down',
    input: { fleet: fleet({ scaleDown: { stabilizationSeconds: 120, cooldownSeconds: 0, maxInstancesPerStep: 100, maxPercentPerStep: 100 } }), observations: streams([50, undefined, 50]) },
    desired: 4,
    reason: 'MissingData',
  },
  {
    // Found by the fault suite (test/faults): a silent instance in an older period made it look quiet.
    name: 'an instance missing from an older period of the scale-down window blocks the scale-down',
    input: {
      fleet: fleet({ scaleDown: { stabilizationSeconds: 120, cooldownSeconds: 0, maxInstancesPerStep: 100, maxPercentPerStep: 100 } }),
      observations: [...streams([150], { reportingInstances: 3 }, new Date(T0.getTime() - 120_000)), ...streams([100, 50], {}, T0)],
    },
    desired: 4, // 150 from 3 of 4 instances says 3 (4 x 150 / 3 = 200 would say 4); held
    reason: 'PartialData',
  },
  {
    name: 'scale-up cooldown holds',
    input: { fleet: fleet({ scaleUp: { stabilizationSeconds: 0, cooldownSeconds: 120, maxInstancesPerStep: 100, maxPercentPerStep: 100 } }), observations: streams([400]), snapshot: snapshot({ lastScaling: { at: new Date(T0.getTime() - 60_000), direction: 'up' } }) },
    desired: 4,
    reason: 'ScaleUpCooldown',
  },
  {
    name: 'scale-down cooldown holds after a scale-up',
    input: { fleet: fleet({ scaleDown: { stabilizationSeconds: 0, cooldownSeconds: 300, maxInstancesPerStep: 100, maxPercentPerStep: 100 } }), observations: streams([50]), snapshot: snapshot({ lastScaling: { at: new Date(T0.getTime() - 200_000), direction: 'up' } }) },
    desired: 4,
    reason: 'ScaleDownCooldown',
  },
  {
    name: 'cooldown over allows the move',
    input: { fleet: fleet({ scaleDown: { stabilizationSeconds: 0, cooldownSeconds: 300, maxInstancesPerStep: 100, maxPercentPerStep: 100 } }), observations: streams([50]), snapshot: snapshot({ lastScaling: { at: new Date(T0.getTime() - 301_000), direction: 'up' } }) },
    desired: 1,
    reason: 'ScaleDown',
  },
  {
    name: 'scale-up step is the larger of instances and percent',
    input: { fleet: fleet({ scaleUp: { stabilizationSeconds: 0, cooldownSeconds: 0, maxInstancesPerStep: 1, maxPercentPerStep: 50 } }), observations: streams([1000]) },
    desired: 6, // want 20; step max(1, ceil(4*50%)=2) -> 4+2
    reason: 'ScaleUpLimited',
  },
  {
    name: 'scale-down step is limited',
    input: { fleet: fleet({ scaleDown: { stabilizationSeconds: 0, cooldownSeconds: 0, maxInstancesPerStep: 1, maxPercentPerStep: 10 } }), observations: streams([10], { reportingInstances: 10 }), snapshot: snapshot({ current: 10, servingInstances: 10 }) },
    desired: 9, // want 1; step max(1, floor(10*10%)=1) -> 10-1
    reason: 'ScaleDownLimited',
  },
  { name: 'never above max', input: { fleet: fleet({ maxInstances: 6 }), observations: streams([2000]) }, desired: 6, reason: 'AtMax' },
  { name: 'never below min', input: { fleet: fleet({ minInstances: 3 }), observations: streams([10]) }, desired: 3, reason: 'AtMin' },
  { name: 'below min is raised even without data', input: { fleet: fleet({ minInstances: 6 }), observations: [] }, desired: 6, reason: 'BelowMin' },
  { name: 'above max is lowered even without data', input: { fleet: fleet({ maxInstances: 2 }), observations: [] }, desired: 2, reason: 'AboveMax' },
  { name: "the group's own max also bounds", input: { observations: streams([2000]), snapshot: snapshot({ groupMax: 7 }) }, desired: 7, reason: 'AtMax' },
  { name: 'an update in progress holds', input: { observations: streams([2000]), snapshot: snapshot({ busy: true }) }, desired: 4, reason: 'GroupBusy' },
  { name: 'a forecast raises capacity ahead of the rise', input: { observations: streams([200]), forecastInstances: 7 }, desired: 7, reason: 'ScaleUpPredicted' },
  {
    name: 'a forecast the step limit caps still says so',
    input: { fleet: fleet({ scaleUp: { stabilizationSeconds: 0, cooldownSeconds: 0, maxInstancesPerStep: 2, maxPercentPerStep: 10 } }), observations: streams([200]), forecastInstances: 10 },
    desired: 6, // forecast 10, step max(2, ceil(4 * 10 %) = 1) = 2 -> 4 + 2
    reason: 'ScaleUpPredictedLimited',
  },
  { name: 'a forecast holds off a scale-in', input: { observations: streams([50]), forecastInstances: 4, forecastSource: 'WeeklyPattern' }, desired: 4, reason: 'ScaleDownHeldByForecast' }, // reactive ceil(50/50) = 1, forecast 4 = current
  { name: 'a forecast above the count holds off a scale-in too', input: { observations: streams([50]), forecastInstances: 3 }, desired: 3, reason: 'ScaleDownToForecast' }, // reactive 1, forecast 3 < current 4
  { name: 'a rise due within the scale-in window after the boot time holds off a scale-in', input: { observations: streams([50]), forecastInstances: 2, forecastScaleInHold: 3 }, desired: 3, reason: 'ScaleDownToForecast' }, // reactive 1, within the boot time 2, through the window after it 3 < current 4
  { name: 'the scale-in hold never drives a scale-up', input: { observations: streams([200]), forecastInstances: 4, forecastScaleInHold: 9 }, desired: 4, reason: 'WithinTolerance' }, // ceil(200/50) = 4 = current; the hold only holds
  { name: 'a forecast below the reactive need changes nothing', input: { observations: streams([100]), forecastInstances: 1 }, desired: 2, reason: 'ScaleDown' }, // reactive ceil(100/50) = 2 > forecast 1
  { name: 'a forecast below the load now never lowers a scale-up', input: { observations: streams([300]), forecastInstances: 2 }, desired: 6, reason: 'ScaleUp' }, // ceil(300/50) = 6
  { name: 'a forecast that agrees with the load changes nothing', input: { observations: streams([200]), forecastInstances: 4 }, desired: 4, reason: 'WithinTolerance' },
  {
    name: 'the busiest kind wins',
    input: { fleet: fleet({ kinds: { stream: { capacity: 100 }, batch: { capacity: 10 } } }), observations: [{ ...streams([100])[0]!, load: { stream: 100, batch: 40 } }] },
    desired: 8, // stream ceil(100/50)=2, batch ceil(40/5)=8
    reason: 'ScaleUp',
  },
  {
    name: "the Engine's own capacity estimate is used",
    input: { fleet: fleet({ kinds: { stream: { capacity: 'engine', fallbackCapacity: 100 } } }), observations: streams([300], { streamCapacityPerInstance: 150 }) },
    desired: 4, // 300 / (4 * 75) = 1.0
    reason: 'WithinTolerance',
  },
  {
    name: 'the fallback capacity is used when no Engine reports one',
    input: { fleet: fleet({ kinds: { stream: { capacity: 'engine', fallbackCapacity: 100 } } }), observations: streams([300]) },
    desired: 6, // ceil(300/50)
    reason: 'ScaleUp',
  },
  {
    name: 'a fleet emptied behind its back scales up on load',
    input: { fleet: fleet(), observations: streams([120], { reportingInstances: 0 }), snapshot: snapshot({ current: 0, servingInstances: 0 }) },
    desired: 3, // ceil(120/50)
    reason: 'ScaleUp',
  },
];

describe('decide', () => {
  it.each(cases)('$name', ({ input, desired, reason }) => {
    const decision = decide({ fleet: fleet(), settings, now: T0, snapshot: snapshot(), observations: [], ...input });
    expect({ desired: decision.desired, reason: decision.reason }).toEqual({ desired, reason });
    expect(decision.numbers.desired).toBe(desired);
  });

  it('carries the forecast and the scale-in it held off in the numbers', () => {
    const decision = decide({ fleet: fleet(), settings, now: T0, snapshot: snapshot(), observations: streams([50]), forecastInstances: 4, forecastSource: 'DailyPattern' });
    expect(decision.numbers).toMatchObject({ forecastInstances: 4, forecastSource: 'DailyPattern', reactiveScaleDownRecommendation: 1, scaleDownRecommendation: 1 });
  });

  it.each([
    { name: 'no forecast (history short or unreadable)', forecastSource: 'NoForecast' as const },
    { name: 'predictive scaling off', forecastSource: undefined },
  ])('stays reactive and says where the forecast stood: $name', ({ forecastSource }) => {
    const decision = decide({ fleet: fleet(), settings, now: T0, snapshot: snapshot(), observations: streams([100]), forecastSource });
    // ceil(100/50) = 2: the reactive scale-in, unheld
    expect({ desired: decision.desired, reason: decision.reason, source: decision.numbers.forecastSource }).toEqual({ desired: 2, reason: 'ScaleDown', source: forecastSource });
  });

  it('returns the numbers that led to the count', () => {
    const decision = decide({ fleet: fleet(), settings, now: T0, snapshot: snapshot(), observations: streams([300]) });
    expect(decision.numbers).toMatchObject({
      current: 4,
      desired: 6,
      latestRecommendation: 6,
      load: { stream: 300 },
      capacityPerInstance: { stream: 100 },
      utilization: 1.5, // 300 / (4 * 50)
      reportingInstances: 4,
      dataAgeSeconds: 30, // newest period 11:59:00-12:00:00, now 12:00:30
    });
  });

  describe('targetUtilization unset: the reactive rule plans at 0.7, at 0.95 while a measured forecast stands', () => {
    const base = { fleet: fleet({ targetUtilization: undefined }), settings, now: T0, observations: streams([900], { reportingInstances: 10 }), snapshot: snapshot({ current: 10, servingInstances: 10 }) };
    it.each([
      // 900 / (100 x 0.95 x 10) = 0.947, within 0.1 of 1: hold
      { name: 'measured headroom: 0.95', forecast: { forecastInstances: 10, forecastSource: 'WeeklyPattern' as const, forecastHeadroom: { requests: 50, source: 'EmpiricalResiduals' as const, fraction: 0.05, samples: 300 } }, desired: 10, target: 0.95 },
      // 900 / (100 x 0.7) = 12.9 -> 13
      { name: 'assumed headroom (nothing measured yet): 0.7', forecast: { forecastInstances: 10, forecastSource: 'TrendOnly' as const, forecastHeadroom: { requests: 60, source: 'PoissonAssumed' as const } }, desired: 13, target: 0.7 },
      { name: 'no forecast: 0.7', forecast: { forecastSource: 'NoForecast' as const }, desired: 13, target: 0.7 },
    ])('$name', ({ forecast, desired, target }) => {
      const decision = decide({ ...base, ...forecast });
      expect(decision.desired).toBe(desired);
      expect(decision.numbers.targetUtilization).toBe(target);
    });
  });
});
