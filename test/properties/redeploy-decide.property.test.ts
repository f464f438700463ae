import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { redeploySchema } from '../../lib/config/schema.js';
import { decideRedeploy, type LoadView, type RedeployInput, type RollView } from '../../lib/redeploy/decide.js';
import type { RedeployMarker } from '../../lib/fleet/roll-marker.js';
import { REDEPLOY_REASONS } from '../../lib/redeploy/reasons.js';

const NOW = new Date('2026-01-15T08:00:00Z');
const MINUTE = 60_000;
const at = (minutesFromNow: number) => new Date(NOW.getTime() + minutesFromNow * MINUTE);

/** The redeploy section's valid ranges, drawn from the schema itself (parse fills the defaults). */
const sectionArb = fc
  .record({
    segmentSize: fc.integer({ min: 1, max: 1000 }),
    busyUtilization: fc.double({ min: 0.05, max: 1, noNaN: true }),
    stallMinutes: fc.integer({ min: 5, max: 720 }),
    windowMinutes: fc.integer({ min: 15, max: 720 }),
  })
  .map((s) => redeploySchema.parse({ enabled: true, ...s }));

const loadArb: fc.Arbitrary<LoadView> = fc.oneof(
  fc.record({ utilization: fc.double({ min: 0, max: 3, noNaN: true }), needed: fc.integer({ min: 0, max: 80 }) }),
  fc.record({ unknown: fc.constantFrom('MissingData' as const, 'StaleData' as const, 'PartialData' as const), utilization: fc.option(fc.double({ min: 0, max: 3, noNaN: true }), { nil: undefined }) }).map((l) => (l.utilization === undefined ? { unknown: l.unknown } : l)),
  fc.constant({}),
);

const rollArb: fc.Arbitrary<RollView> = fc.record({
  id: fc.constant('r-1'),
  state: fc.constantFrom('active' as const, 'cancelling' as const, 'succeeded' as const, 'failed' as const, 'cancelled' as const),
  status: fc.constant('InProgress'),
  startedAt: fc.integer({ min: -800, max: 0 }).map(at),
  left: fc.option(fc.integer({ min: 0, max: 60 }), { nil: undefined }),
}).map((r) => (r.left === undefined ? { id: r.id, state: r.state, status: r.status, startedAt: r.startedAt } : r));

const inputArb: fc.Arbitrary<RedeployInput> = fc
  .record({
    section: sectionArb,
    enabled: fc.boolean(),
    /** Minutes since the window opened; undefined: no window open now. */
    windowAge: fc.option(fc.integer({ min: 0, max: 719 }), { nil: undefined }),
    warmupSeconds: fc.integer({ min: 0, max: 3600 }),
    desired: fc.integer({ min: 0, max: 60 }),
    min: fc.integer({ min: 0, max: 60 }),
    spanToMax: fc.integer({ min: 0, max: 60 }),
    inServiceDelta: fc.integer({ min: -5, max: 5 }),
    busyByOther: fc.boolean(),
    /** Minutes since the scaler's last scale-out; undefined: none known. */
    scaleOutAgo: fc.option(fc.integer({ min: 0, max: 120 }), { nil: undefined }),
    hasDrainHook: fc.boolean(),
    load: loadArb,
    roll: fc.option(rollArb, { nil: undefined }),
    marker: fc.option(
      fc.record({
        phase: fc.constantFrom('rolling' as const, 'skipped' as const, 'done' as const),
        sameWindow: fc.boolean(),
        sinceAgo: fc.integer({ min: 0, max: 800 }),
        planned: fc.integer({ min: 0, max: 60 }),
        left: fc.option(fc.integer({ min: 0, max: 60 }), { nil: undefined }),
        progressAgo: fc.integer({ min: 0, max: 800 }),
        untilFromNow: fc.integer({ min: -120, max: 720 }),
        reason: fc.constantFrom('Busy', 'MissingData'),
      }),
      { nil: undefined },
    ),
  })
  .map((g): RedeployInput => {
    const window = g.windowAge === undefined ? undefined : { start: at(-g.windowAge), end: at(-g.windowAge + Math.max(g.section.windowMinutes, g.windowAge + 1)) };
    const max = Math.max(g.desired, g.min) + g.spanToMax;
    const markerWindow = g.marker?.sameWindow && window ? window : { start: at(-1440), end: at(-1440 + 180) };
    const marker: RedeployMarker | undefined = g.marker && {
      phase: g.marker.phase,
      window: markerWindow.start,
      until: g.marker.phase === 'rolling' ? at(g.marker.untilFromNow) : markerWindow.end,
      since: at(-g.marker.sinceAgo),
      planned: g.marker.planned,
      ...(g.marker.left === undefined ? {} : { left: g.marker.left, progressAt: at(-Math.min(g.marker.progressAgo, g.marker.sinceAgo)) }),
      reason: g.marker.reason,
    };
    return {
      now: NOW,
      enabled: g.enabled,
      ...(window ? { window } : {}),
      settings: { segmentSize: g.section.segmentSize, busyUtilization: g.section.busyUtilization, warmupSeconds: g.warmupSeconds, stallMinutes: g.section.stallMinutes ?? 60 },
      fleet: { desired: g.desired, min: Math.min(g.min, max), max, inService: Math.max(0, g.desired + g.inServiceDelta), busyByOther: g.busyByOther, ...(g.scaleOutAgo === undefined ? {} : { lastScaleOutAt: at(-g.scaleOutAgo) }) },
      ...(marker ? { marker } : {}),
      ...(g.roll ? { roll: g.roll } : {}),
      load: g.load,
      hasDrainHook: g.hasDrainHook,
    };
  });

describe('decideRedeploy: invariants over random fleets, rolls, markers, loads and windows', () => {
  it('starts only in an open window, on known load at or under busyUtilization, with a drain hook, no scale-out still warming up, launching before terminating and fitting the window', () => {
    let starts = 0;
    fc.assert(
      fc.property(inputArb, (input) => {
        const action = decideRedeploy(input);
        expect(Object.keys(REDEPLOY_REASONS)).toContain(action.reason);
        if (action.kind !== 'start') return;
        starts++;
        const { window, load, settings, fleet } = input;
        expect(input.enabled).toBe(true);
        expect(window).toBeDefined();
        expect(NOW.getTime()).toBeGreaterThanOrEqual(window!.start.getTime());
        expect(NOW.getTime()).toBeLessThan(window!.end.getTime());
        expect(input.marker?.phase).not.toBe('rolling');
        expect(load.unknown).toBeUndefined();
        // utilisation <= busyUtilization <= 1: today's serving capacity covers today's load
        expect(load.utilization).toBeLessThanOrEqual(settings.busyUtilization);
        expect(input.hasDrainHook).toBe(true);
        expect(fleet.busyByOther).toBe(false);
        // No instance the scaler just added is still warming up: the refresh would take it first.
        if (fleet.lastScaleOutAt) expect(NOW.getTime() - fleet.lastScaleOutAt.getTime()).toBeGreaterThanOrEqual((settings.warmupSeconds + 120) * 1000);
        expect(fleet.desired).toBeGreaterThan(0);
        expect(input.roll === undefined || !['active', 'cancelling'].includes(input.roll.state)).toBe(true);
        // MinHealthy 100: no old instance leaves before a warm replacement; MaxHealthy > 100: at least one surge instance
        expect(action.plan.minHealthyPercentage).toBe(100);
        expect(Math.floor((fleet.desired * action.plan.maxHealthyPercentage) / 100) - fleet.desired).toBeGreaterThanOrEqual(1);
        expect(action.plan.maxHealthyPercentage).toBeLessThanOrEqual(200);
        expect(action.plan.estimatedMinutes).toBeLessThanOrEqual(Math.floor((window!.end.getTime() - NOW.getTime()) / MINUTE));
      }),
      { numRuns: 3000 },
    );
    // Not vacuous: the generator reaches the start.
    expect(starts).toBeGreaterThan(0);
  });

  it('outside its window and with no roll of its own it only idles or closes the night record', () => {
    fc.assert(
      fc.property(inputArb, (input) => {
        fc.pre(input.window === undefined && input.marker?.phase !== 'rolling');
        expect(['idle', 'close']).toContain(decideRedeploy(input).kind);
      }),
      { numRuns: 1000 },
    );
  });

  it('in its window, busier than the threshold or with missing, stale or partial data, it skips and says why', () => {
    fc.assert(
      fc.property(inputArb, (input) => {
        const busyOrBlind = input.load.unknown !== undefined || input.load.utilization === undefined || input.load.utilization > input.settings.busyUtilization;
        fc.pre(input.enabled && input.window !== undefined && input.marker?.phase !== 'rolling' && busyOrBlind);
        const action = decideRedeploy(input);
        expect(action.kind).not.toBe('start');
        if (action.kind === 'skip' && ['Busy', 'MissingData', 'StaleData', 'PartialData'].includes(action.reason)) {
          if (action.reason === 'Busy') expect(input.load.utilization).toBeGreaterThan(input.settings.busyUtilization);
          else expect(input.load.unknown ?? 'MissingData').toBe(action.reason);
        }
      }),
      { numRuns: 2000 },
    );
  });

  it('a running roll of its own is stopped (cancel and page) once it stalls or its window has closed', () => {
    let stops = 0;
    fc.assert(
      fc.property(inputArb, (input) => {
        const { marker, roll } = input;
        fc.pre(marker?.phase === 'rolling' && roll !== undefined && roll.state === 'active');
        const since = marker!.since ?? marker!.window;
        fc.pre(roll!.startedAt.getTime() >= since.getTime() - 60_000);
        const progressAt = roll!.left !== undefined && roll!.left !== marker!.left ? NOW : (marker!.progressAt ?? since);
        const stalled = Math.round((NOW.getTime() - progressAt.getTime()) / MINUTE) >= input.settings.stallMinutes;
        const overrun = NOW.getTime() >= marker!.until.getTime();
        const action = decideRedeploy(input);
        if (stalled || overrun) {
          stops++;
          expect(action).toMatchObject({ kind: 'stop', reason: overrun ? 'WindowOverrun' : 'Stalled' });
        } else expect(['wait', 'stop']).toContain(action.kind);
      }),
      { numRuns: 2000 },
    );
    expect(stops).toBeGreaterThan(0);
  });

  it('settling returns to a baseline inside the bounds, and never below the current count on unknown load', () => {
    fc.assert(
      fc.property(inputArb, (input) => {
        const action = decideRedeploy(input);
        if (action.kind !== 'settle') return;
        const { fleet, load } = input;
        expect(action.baseline).toBeGreaterThanOrEqual(fleet.min);
        expect(action.baseline).toBeLessThanOrEqual(fleet.max);
        if (load.unknown !== undefined || load.needed === undefined) expect(action.baseline).toBeGreaterThanOrEqual(Math.min(fleet.max, fleet.desired));
      }),
      { numRuns: 2000 },
    );
  });
});
