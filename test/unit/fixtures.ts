import { fleetSchema, type FleetConfig } from '../../lib/config/schema.js';
import type { PeriodObservation } from '../../lib/fleet/observation.js';
import type { FleetSnapshot } from '../../lib/scaling/decide.js';

export const T0 = new Date('2026-03-02T12:00:30Z');
export const PERIOD_MS = 60_000;

export function fleet(overrides: Record<string, unknown> = {}): FleetConfig {
  return fleetSchema.parse({
    name: 'engine',
    target: { type: 'asg', autoScalingGroupName: 'dg-engine' },
    kinds: { stream: { capacity: 100 } },
    targetUtilization: 0.5,
    tolerance: 0.1,
    minInstances: 1,
    maxInstances: 20,
    scaleUp: { stabilizationSeconds: 0, cooldownSeconds: 0, maxInstancesPerStep: 100, maxPercentPerStep: 100 },
    scaleDown: { stabilizationSeconds: 0, cooldownSeconds: 0, maxInstancesPerStep: 100, maxPercentPerStep: 100 },
    ...overrides,
  });
}

export function snapshot(overrides: Partial<FleetSnapshot> = {}): FleetSnapshot {
  return { current: 4, groupMin: 0, groupMax: 100, servingInstances: 4, bootingInstances: 0, drainingInstances: 0, ...overrides };
}

/**
 * Observations ending at the newest complete period before `now` (T0 12:00:30 ->
 * the 11:59 period), oldest first; `undefined` makes a period missing.
 */
export function streams(values: Array<number | undefined>, extra: Partial<PeriodObservation> = {}, now: Date = T0): PeriodObservation[] {
  const newestMs = Math.floor(now.getTime() / PERIOD_MS) * PERIOD_MS - PERIOD_MS;
  return values.map((value, i) => ({
    at: new Date(newestMs - (values.length - 1 - i) * PERIOD_MS),
    load: value === undefined ? {} : { stream: value },
    reportingInstances: value === undefined ? undefined : 4,
    ...extra,
  }));
}
