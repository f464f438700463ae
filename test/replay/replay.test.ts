import { describe, expect, it } from 'vitest';
import { validateConfig } from '../../lib/config/load.js';
import { replayPolicy, type ReplayInput } from '../../lib/replay/replay.js';
import type { PeriodObservation } from '../../lib/fleet/observation.js';

const T0 = Date.parse('2026-03-02T10:00:00Z');
const MIN = 60_000;
const fleet = validateConfig(
  {
    version: 1,
    fleets: [
      {
        name: 'a',
        target: { type: 'asg', autoScalingGroupName: 'dg-a' },
        kinds: { stream: { capacity: 100 } },
        targetUtilization: 0.5,
        minInstances: 1,
        maxInstances: 20,
        warmupSeconds: 120,
        scaleUp: { stabilizationSeconds: 0, cooldownSeconds: 0, maxInstancesPerStep: 10, maxPercentPerStep: 100 },
        scaleDown: { stabilizationSeconds: 0, cooldownSeconds: 0, maxInstancesPerStep: 10, maxPercentPerStep: 100 },
      },
    ],
  },
  'test',
).fleets[0]!;

/** Loads per minute from minute -5; the recorded fleet reported `recorded` instances throughout. */
function input(loads: (minute: number) => number | undefined, recorded: number, minutes = 10): ReplayInput {
  const observations: PeriodObservation[] = [];
  const recordedInstances = new Map<number, number>();
  for (let m = -5; m < minutes; m++) {
    const load = loads(m);
    observations.push({ at: new Date(T0 + m * MIN), load: load === undefined ? {} : { stream: load }, reportingInstances: recorded });
    recordedInstances.set(T0 + m * MIN, recorded);
  }
  return { fleet, settings: { periodSeconds: 60, staleAfterSeconds: 180 }, from: new Date(T0), to: new Date(T0 + minutes * MIN), observations, lookbackPeriods: 4, recordedInstances };
}

describe('replayPolicy', () => {
  it('a rise the recorded fleet never followed: the policy scales out and is short only while booting', async () => {
    // 100 streams before minute 0, 300 from minute 0; planned 50 per instance; the fleet stayed at 2.
    const result = await replayPolicy(input((m) => (m < 0 ? 100 : 300), 2));
    // tick 0 sees minute -1 (100): 2 is right. Tick 1 sees minute 0 (300): ceil(300/50) = 6, serving from tick 3.
    expect(result.decisions).toEqual([{ at: new Date(T0 + MIN), from: 2, to: 6, reason: 'ScaleUp', load: 300 }]);
    // short at ticks 0, 1, 2 by 300 - 2 x 100 = 100 each
    expect(result.replayed).toEqual({ instanceHours: Math.round(((2 + 9 * 6) / 60) * 100) / 100, minutesShort: 3, requestMinutesShort: 300, scaleActions: 1, heldByForecast: 0 });
    // the recorded fleet: 2 instances for 10 minutes, short every minute by 100
    expect(result.actual).toEqual({ instanceHours: Math.round((20 / 60) * 100) / 100, minutesShort: 10, requestMinutesShort: 1000 });
  });

  it('an oversized recorded fleet: the policy gives instances back', async () => {
    // 100 streams throughout; the fleet ran 8 -> the policy goes to ceil(100/50) = 2 at tick 0
    const result = await replayPolicy(input(() => 100, 8));
    expect(result.decisions[0]).toMatchObject({ from: 8, to: 2, reason: 'ScaleDown' });
    expect(result.replayed.instanceHours).toBe(Math.round(((10 * 2) / 60) * 100) / 100); // 0.33
    expect(result.actual.instanceHours).toBe(Math.round(((10 * 8) / 60) * 100) / 100); // 1.33
    expect(result.replayed.minutesShort).toBe(0);
  });

  it('missing history never shrinks the replayed fleet', async () => {
    const result = await replayPolicy(input(() => undefined, 8));
    expect(result.decisions).toEqual([]);
    expect(result.replayed.instanceHours).toBe(Math.round((80 / 60) * 100) / 100);
  });

  it('a forecast raises ahead of the rise and is named in the reason', async () => {
    const result = await replayPolicy({ ...input(() => 100, 2), forecast: async ({ now }) => (now.getTime() >= T0 + 5 * MIN ? { instances: 5, source: 'WeeklyPattern' } : undefined) });
    expect(result.decisions).toEqual([{ at: new Date(T0 + 5 * MIN), from: 2, to: 5, reason: 'ScaleUpPredicted', load: 100, forecast: { source: 'WeeklyPattern', instances: 5 } }]);
  });

  it('refuses an empty span', async () => {
    await expect(replayPolicy({ ...input(() => 100, 2), to: new Date(T0) })).rejects.toThrow(/--to must be after --from/);
  });
});
