import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decide, type DecisionInput } from '../../lib/scaling/decide.js';
import type { PeriodObservation } from '../../lib/fleet/observation.js';
import { fleet, T0 } from './fixtures.js';

const PERIOD_MS = 60_000;
const NEWEST_MS = Math.floor(T0.getTime() / PERIOD_MS) * PERIOD_MS - PERIOD_MS;

const step = fc.record({
  stabilizationSeconds: fc.integer({ min: 0, max: 600 }),
  cooldownSeconds: fc.integer({ min: 0, max: 600 }),
  maxInstancesPerStep: fc.integer({ min: 1, max: 20 }),
  maxPercentPerStep: fc.integer({ min: 1, max: 200 }),
});

const fleetArb = fc
  .record({
    // At least 1: a fleet document refuses minInstances 0 without a backlog signal.
    min: fc.integer({ min: 1, max: 30 }),
    span: fc.integer({ min: 0, max: 60 }),
    targetUtilization: fc.double({ min: 0.1, max: 1, noNaN: true }),
    tolerance: fc.double({ min: 0, max: 0.5, noNaN: true }),
    capacity: fc.integer({ min: 1, max: 500 }),
    scaleUp: step,
    scaleDown: step,
  })
  .map((f) =>
    fleet({
      minInstances: f.min,
      maxInstances: Math.max(1, f.min + f.span),
      targetUtilization: f.targetUtilization,
      tolerance: f.tolerance,
      kinds: { stream: { capacity: f.capacity } },
      scaleUp: f.scaleUp,
      scaleDown: f.scaleDown,
    }),
  );

/** Up to 20 periods ending at the newest complete one; each may be missing, partial or carry rejections. */
const observationsArb = fc.array(
  fc.option(fc.record({ load: fc.integer({ min: 0, max: 20_000 }), reporting: fc.integer({ min: 0, max: 100 }), rejected: fc.option(fc.integer({ min: 0, max: 500 }), { nil: undefined }) }), { nil: undefined }),
  { maxLength: 20 },
);

function toObservations(values: Array<{ load: number; reporting: number; rejected?: number } | undefined>): PeriodObservation[] {
  return values.map((v, i) => ({
    at: new Date(NEWEST_MS - (values.length - 1 - i) * PERIOD_MS),
    load: v === undefined ? {} : { stream: v.load },
    reportingInstances: v?.reporting,
    rejected: v?.rejected,
  }));
}

const inputArb = fc
  .record({
    fleet: fleetArb,
    current: fc.integer({ min: 0, max: 120 }),
    groupMax: fc.integer({ min: 1, max: 200 }),
    serving: fc.integer({ min: 0, max: 120 }),
    observations: observationsArb,
    lastScalingAgo: fc.option(fc.integer({ min: 0, max: 3600 }), { nil: undefined }),
    forecast: fc.option(fc.integer({ min: 0, max: 150 }), { nil: undefined }),
  })
  .map(
    (r): DecisionInput => ({
      fleet: r.fleet,
      settings: { periodSeconds: 60, staleAfterSeconds: 180 },
      now: T0,
      snapshot: {
        current: r.current,
        groupMin: 0,
        groupMax: r.groupMax,
        servingInstances: r.serving,
        bootingInstances: 0,
        drainingInstances: 0,
        lastScaling: r.lastScalingAgo === undefined ? undefined : { at: new Date(T0.getTime() - r.lastScalingAgo * 1000), direction: 'up' },
      },
      observations: toObservations(r.observations),
      forecastInstances: r.forecast,
    }),
  );

function bounds(input: DecisionInput) {
  const max = Math.min(input.fleet.maxInstances, input.snapshot.groupMax);
  const min = Math.min(input.fleet.minInstances, max);
  return { min, max };
}

describe('decide: invariants over random signals and configs', () => {
  it('never leaves min/max', () => {
    fc.assert(
      fc.property(inputArb, (input) => {
        const { min, max } = bounds(input);
        const d = decide(input);
        expect(d.desired).toBeGreaterThanOrEqual(min);
        expect(d.desired).toBeLessThanOrEqual(max);
      }),
      { numRuns: 2000 },
    );
  });

  it('never shrinks a fleet (inside its bounds) when the newest period is missing, partial or stale', () => {
    fc.assert(
      fc.property(inputArb, (input) => {
        const { max } = bounds(input);
        const newest = input.observations.at(-1);
        const newestMissing = newest === undefined || newest.load.stream === undefined || newest.at.getTime() !== NEWEST_MS;
        const partial = newest?.reportingInstances === undefined || newest.reportingInstances < input.snapshot.servingInstances;
        fc.pre(newestMissing || partial);
        const d = decide(input);
        expect(d.desired).toBeGreaterThanOrEqual(Math.min(input.snapshot.current, max));
      }),
      { numRuns: 2000 },
    );
  });

  it('with no data at all, only the bounds can move the count', () => {
    fc.assert(
      fc.property(inputArb, (input) => {
        const blind = { ...input, observations: input.observations.map((o) => ({ ...o, load: {} })) };
        const { min, max } = bounds(blind);
        expect(decide(blind).desired).toBe(Math.min(max, Math.max(min, blind.snapshot.current)));
      }),
      { numRuns: 1000 },
    );
  });

  it('moves at most one step per tick, unless the bounds demand more', () => {
    fc.assert(
      fc.property(inputArb, (input) => {
        const { min, max } = bounds(input);
        const d = decide(input);
        const current = input.snapshot.current;
        const upStep = Math.max(input.fleet.scaleUp.maxInstancesPerStep, Math.ceil((current * input.fleet.scaleUp.maxPercentPerStep) / 100));
        const downStep = Math.max(input.fleet.scaleDown.maxInstancesPerStep, Math.floor((current * input.fleet.scaleDown.maxPercentPerStep) / 100));
        if (d.desired > current) expect(d.desired).toBeLessThanOrEqual(Math.max(current + upStep, min));
        if (d.desired < current) expect(d.desired).toBeGreaterThanOrEqual(Math.min(current - downStep, max));
      }),
      { numRuns: 2000 },
    );
  });

  it('always explains itself: a reason and the numbers agree with the count', () => {
    fc.assert(
      fc.property(inputArb, (input) => {
        const d = decide(input);
        expect(typeof d.reason).toBe('string');
        expect(d.numbers.desired).toBe(d.desired);
        expect(d.numbers.current).toBe(input.snapshot.current);
      }),
      { numRuns: 500 },
    );
  });
});
