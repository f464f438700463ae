import { describe, expect, it } from 'vitest';
import type { RequestKind } from '../../lib/fleet/engine-metrics.js';
import { emptyInstanceSeries, observationsFromSeries, type FleetSeries, type InstanceSeries } from '../../lib/fleet/observation.js';
import { capacityOf, plannedCapacities } from '../../lib/fleet/recommend.js';
import { emptySeries } from '../../lib/fleet/read-signals.js';
import { decide } from '../../lib/scaling/decide.js';
import { fleet, snapshot, streams, T0 } from './fixtures.js';

const AT = T0.getTime();

interface Instance {
  id: string;
  state?: string;
  /** Per kind: the Sum of the newest period (samplesPerPeriod 1), or 'silent' (no datapoint). */
  kinds?: Partial<Record<RequestKind, number | 'silent'>>;
  /** engine_max_active_requests in the period; undefined = no heartbeat datapoint. */
  limit?: number;
  capacity?: number;
}

function series(instances: Instance[]): FleetSeries {
  const out = emptySeries();
  for (const instance of instances) {
    const raw: InstanceSeries = emptyInstanceSeries();
    for (const [kind, value] of Object.entries(instance.kinds ?? {})) raw.active[kind as RequestKind] = new Map(value === 'silent' ? [] : [[AT, value]]);
    if (instance.limit !== undefined) raw.limit.set(AT, instance.limit);
    if (instance.capacity !== undefined) raw.capacity.set(AT, instance.capacity);
    out.instances.set(instance.id, raw);
  }
  return out;
}

/** The newest period's observation; `listed` = the (instance, kind) series ListMetrics shows. */
function observe(instances: Instance[], kinds: RequestKind[], listed: Array<[string, RequestKind]> = []) {
  const presence = new Map<string, Set<RequestKind>>();
  for (const [id, kind] of listed) presence.set(id, new Set([...(presence.get(id) ?? []), kind]));
  return observationsFromSeries(series(instances), kinds, [AT], 1, {
    instances: instances.map((i) => ({ instanceId: i.id, lifecycleState: i.state ?? 'InService' })),
    presence,
    desired: instances.length,
  })[0]!;
}

describe('a fleet observation from its instances, one period', () => {
  it.each([
    {
      name: 'batch never requested on any instance: zero, and said so',
      instances: [{ id: 'a', kinds: { stream: 40 }, limit: 0 }, { id: 'b', kinds: { stream: 20 }, limit: 0 }],
      listed: [['a', 'stream'], ['b', 'stream']] as Array<[string, RequestKind]>,
      expected: { load: { stream: 60, batch: 0 }, neverRequested: ['batch'], reportingInstances: 2 }, // 40 + 20
    },
    {
      name: 'batch served on one instance only: the other has never been asked (zero), both whole',
      instances: [{ id: 'a', kinds: { stream: 40, batch: 3 }, limit: 0 }, { id: 'b', kinds: { stream: 20 }, limit: 0 }],
      listed: [['a', 'stream'], ['a', 'batch'], ['b', 'stream']] as Array<[string, RequestKind]>,
      expected: { load: { stream: 60, batch: 3 }, reportingInstances: 2 },
    },
    {
      name: 'batch listed on an instance but silent this period: that instance is not a reporter',
      instances: [{ id: 'a', kinds: { stream: 40, batch: 'silent' as const }, limit: 0 }, { id: 'b', kinds: { stream: 20 }, limit: 0 }],
      listed: [['a', 'stream'], ['a', 'batch'], ['b', 'stream']] as Array<[string, RequestKind]>,
      expected: { load: { stream: 60, batch: 0 }, reportingInstances: 1 },
    },
    {
      // Fresh Engines (only their limit gauges): idle, not silent. Read as missing, a fleet left
      // with them over a quiet weekend held with MissingData and could not open on its forecast.
      name: 'Engines that report but were never asked for any kind: zero, known, and said so',
      instances: [{ id: 'a', kinds: {}, limit: 0 }, { id: 'b', kinds: {}, limit: 0 }],
      listed: [],
      expected: { load: { stream: 0, batch: 0 }, neverRequested: ['stream', 'batch'], reportingInstances: 2 },
    },
    {
      name: 'every kind listed but silent on every instance: no load at all (missing data for every kind holds)',
      instances: [{ id: 'a', kinds: { stream: 'silent' as const, batch: 'silent' as const }, limit: 0 }, { id: 'b', kinds: { stream: 'silent' as const, batch: 'silent' as const }, limit: 0 }],
      listed: [['a', 'stream'], ['a', 'batch'], ['b', 'stream'], ['b', 'batch']] as Array<[string, RequestKind]>,
      expected: { load: {}, reportingInstances: 0 },
    },
    {
      name: 'no instance reports anything: no load at all',
      instances: [{ id: 'a' }, { id: 'b' }],
      listed: [],
      expected: { load: {}, reportingInstances: 0 },
    },
    // Issue 13, fault 1: a draining instance's samples counted as a reporter and hid a silent serving instance.
    {
      name: 'a draining instance reports, a serving one is silent: one reporter of two serving',
      instances: [
        { id: 'serving-1', kinds: { stream: 40 }, limit: 0 },
        { id: 'serving-silent', kinds: { stream: 'silent' as const } },
        { id: 'draining', state: 'Terminating:Wait', kinds: { stream: 5 }, limit: 0 },
      ],
      listed: [['serving-1', 'stream'], ['serving-silent', 'stream'], ['draining', 'stream']] as Array<[string, RequestKind]>,
      // the draining instance's 5 streams are still served load; it is not a reporter
      expected: { load: { stream: 45, batch: 0 }, neverRequested: ['batch'], reportingInstances: 1 },
    },
  ])('$name', ({ instances, listed, expected }) => {
    const observation = observe(instances, ['stream', 'batch'], listed);
    expect({ load: observation.load, neverRequested: observation.neverRequested, reportingInstances: observation.reportingInstances }).toEqual({ neverRequested: undefined, ...expected });
  });

  // Issue 13, fault 6: one instance reporting a capacity of 1e9 made the fleet look oversized.
  it.each([
    { name: 'one liar among three: the median', capacities: [150, 1e9, 140], limits: [0, 0, 0], expected: 150 },
    { name: 'a liar in an even count: the lower median', capacities: [150, 1e9], limits: [0, 0], expected: 150 },
    { name: 'each estimate bounded by its own Engine limit first', capacities: [150, 1e9, 160], limits: [0, 120, 0], expected: 150 }, // [150, 120, 160] -> 150
    { name: 'no estimate reported: none (the fallback applies)', capacities: [], limits: [], expected: undefined },
  ])('capacity estimates: $name', ({ capacities, limits, expected }) => {
    const instances = capacities.map((capacity, i) => ({ id: `i${i}`, kinds: { stream: 10 }, limit: limits[i], capacity }));
    expect(observe(instances, ['stream']).streamCapacityPerInstance).toBe(expected);
  });

  it('a group with no instance and a desired count of 0 serves nothing: zero, known', () => {
    const [observation] = observationsFromSeries(emptySeries(), ['batch'], [AT], 1, { instances: [], presence: new Map(), desired: 0 });
    expect(observation?.load).toEqual({ batch: 0 });
  });

  it('an instance list missing from an answer while desired is above 0 is not an empty fleet', () => {
    const [observation] = observationsFromSeries(emptySeries(), ['batch'], [AT], 1, { instances: [], presence: new Map(), desired: 3 });
    expect(observation?.load).toEqual({});
  });

  it('a fleet of Engines never asked for anything opens on its forecast', () => {
    // One fresh Engine (its limit gauge only) at 1 instance, a forecast of 7 from the fleet's history.
    const observation = observe([{ id: 'a', kinds: {}, limit: 0 }], ['stream']);
    const decision = decide({
      fleet: fleet(),
      settings: { periodSeconds: 60, staleAfterSeconds: 180 },
      now: new Date(AT + 90_000),
      snapshot: snapshot({ current: 1, servingInstances: 1 }),
      observations: [observation],
      forecastInstances: 7,
      forecastSource: 'WeeklyPattern',
    });
    expect({ desired: decision.desired, reason: decision.reason, neverRequested: decision.numbers.kindsNeverRequested }).toEqual({ desired: 7, reason: 'ScaleUpPredicted', neverRequested: ['stream'] });
  });

  it('each period reads only its own datapoints: one period\'s value is not carried into the next', () => {
    // a: 40 streams in the first period, silent in the second while its limit still reports; b: 10 in the second only
    const raw = emptySeries();
    const a = emptyInstanceSeries();
    a.active.stream = new Map([[AT, 40]]);
    a.limit = new Map([[AT, 0], [AT + 60_000, 0]]);
    const b = emptyInstanceSeries();
    b.active.stream = new Map([[AT + 60_000, 10]]);
    b.limit = new Map([[AT + 60_000, 0]]);
    raw.instances.set('a', a).set('b', b);
    const presence = new Map([['a', new Set<RequestKind>(['stream'])], ['b', new Set<RequestKind>(['stream'])]]);
    const members = { instances: [{ instanceId: 'a', lifecycleState: 'InService' }, { instanceId: 'b', lifecycleState: 'InService' }], presence, desired: 2 };
    const [first, second] = observationsFromSeries(raw, ['stream'], [AT, AT + 60_000], 1, members);
    // first: a 40, b silent without a heartbeat (not reporting, stream unknown): 40 from one reporter
    expect({ load: first?.load, reportingInstances: first?.reportingInstances }).toEqual({ load: { stream: 40 }, reportingInstances: 1 });
    // second: a listed but silent (unknown, not a reporter), b 10: 10 from one reporter
    expect({ load: second?.load, reportingInstances: second?.reportingInstances }).toEqual({ load: { stream: 10 }, reportingInstances: 1 });
  });

  it('with the listing unreadable, a kind without datapoints is unknown, never zero', () => {
    const observation = observationsFromSeries(series([{ id: 'a', kinds: { stream: 40 }, limit: 0 }]), ['stream', 'batch'], [AT], 1, {
      instances: [{ instanceId: 'a', lifecycleState: 'InService' }],
      presence: null,
      desired: 1,
    })[0]!;
    expect({ load: observation.load, reportingInstances: observation.reportingInstances }).toEqual({ load: { stream: 40, batch: 0 }, reportingInstances: 0 });
  });

  it('a kind whose query CloudWatch did not answer whole is unknown, never zero, though unlisted', () => {
    const raw = series([{ id: 'a', kinds: { stream: 40 }, limit: 0 }]);
    raw.instances.get('a')!.incompleteKinds.add('batch');
    const observation = observationsFromSeries(raw, ['stream', 'batch'], [AT], 1, { instances: [{ instanceId: 'a', lifecycleState: 'InService' }], presence: new Map(), desired: 1 })[0]!;
    // Taken as never requested, batch would be 0 and the instance a whole reporter (1).
    expect({ neverRequested: observation.neverRequested, reportingInstances: observation.reportingInstances }).toEqual({ neverRequested: undefined, reportingInstances: 0 });
  });
});

describe('the Engines own limit and the planning capacity (engine_max_active_requests, 0 = no limit)', () => {
  it.each([
    { name: 'a configured capacity above the limit plans with the limit', kinds: { stream: { capacity: 150 } }, engineLimit: 120, expected: 120 },
    { name: 'no limit (0 or not reported): the configured capacity', kinds: { stream: { capacity: 150 } }, engineLimit: undefined, expected: 150 },
    { name: 'the Engine estimate is bounded too', kinds: { stream: { capacity: 'engine', fallbackCapacity: 100 } }, engineLimit: 90, streamCapacityPerInstance: 140, expected: 90 },
  ])('$name', ({ kinds, engineLimit, streamCapacityPerInstance, expected }) => {
    expect(capacityOf(fleet({ kinds }), 'stream', { at: T0, load: { stream: 0 }, engineLimit, streamCapacityPerInstance })).toBe(expected);
  });

  it.each([
    // Issue 13, fault 6: the forecast plans with these figures, not the fleet's mean estimate.
    { name: 'the newest whole period: its bounded median under the limit', observations: [{ stream: 5, capacity: 140 }, { stream: 5, capacity: 130, limit: 120 }, { capacity: 1e9 }], expected: { stream: 120 } },
    { name: 'no whole period: none (the forecast falls back to the operator)', observations: [{ capacity: 130 }], expected: undefined },
  ] as Array<{ name: string; observations: Array<{ stream?: number; capacity: number; limit?: number }>; expected: unknown }>)('the capacities a forecast plans with: $name', ({ observations, expected }) => {
    const periods = observations.map((o, i) => ({ at: new Date(T0.getTime() + i * 60_000), load: o.stream === undefined ? {} : { stream: o.stream }, streamCapacityPerInstance: o.capacity, engineLimit: o.limit }));
    expect(plannedCapacities(fleet({ kinds: { stream: { capacity: 'engine', fallbackCapacity: 100 } } }), periods)).toEqual(expected);
  });

  it('the decision says when the configured capacity is above the Engines limit, with both figures', () => {
    // 300 streams at capacity min(150, 100) = 100 x 0.5 target: ceil(300 / 50) = 6
    const decision = decide({
      fleet: fleet({ kinds: { stream: { capacity: 150 } } }),
      settings: { periodSeconds: 60, staleAfterSeconds: 180 },
      now: T0,
      snapshot: snapshot({ current: 2, servingInstances: 2 }),
      observations: streams([300], { reportingInstances: 2, engineLimit: 100 }),
    });
    expect(decision.numbers).toMatchObject({ engineLimit: 100, capacityAboveEngineLimit: { stream: { configured: 150, engineLimit: 100 } }, capacityPerInstance: { stream: 100 } });
    expect(decision.desired).toBe(6);
  });
});

describe('a backlog beside the concurrency rule (the larger need wins)', () => {
  const backlog = { metric: { namespace: 'Transcription', metricName: 'QueueDepth', dimensions: {}, statistic: 'Maximum' }, requestsPerInstancePerMinute: 30, clearWithinSeconds: 600, whenMissing: 'hold' };
  const run = (observations: ReturnType<typeof streams>, current: number, extra: Record<string, unknown> = {}) =>
    decide({
      fleet: fleet({ backlog, ...extra }),
      settings: { periodSeconds: 60, staleAfterSeconds: 180 },
      now: T0,
      snapshot: snapshot({ current, servingInstances: current }),
      observations,
    });

  it.each([
    // one instance clears 30 x 600 / 60 = 300 within the target
    { name: 'the backlog needs more than the load: ScaleUpBacklog', observations: streams([100], { backlog: 3000 }), current: 2, desired: 10, reason: 'ScaleUpBacklog' }, // 3000 / 300 = 10 > ceil(100 / 50) = 2
    { name: 'the load needs more than the backlog: ScaleUp', observations: streams([400], { backlog: 300 }), current: 2, desired: 8, reason: 'ScaleUp' }, // 400 / 50 = 8 > 1
    { name: 'an empty fleet wakes on the backlog', observations: streams([0], { backlog: 600, reportingInstances: 0 }), current: 0, desired: 2, reason: 'ScaleUpBacklog', extra: { minInstances: 0 } }, // 600 / 300
    { name: 'an empty fleet with nothing queued stays empty', observations: streams([0], { backlog: 0, reportingInstances: 0 }), current: 0, desired: 0, reason: 'WithinTolerance', extra: { minInstances: 0 } },
    { name: 'the backlog unknown (hold): no scale-in on the load alone', observations: streams([10]), current: 4, desired: 4, reason: 'MissingData' },
    { name: 'the backlog unknown (hold): the load may still scale up', observations: streams([400]), current: 4, desired: 8, reason: 'ScaleUp' },
    { name: 'the backlog unknown, declared zero when missing: scale-in on the load', observations: streams([10]), current: 4, desired: 1, reason: 'ScaleDown', extra: { backlog: { ...backlog, whenMissing: 'zero' } } },
    { name: 'the Engines silent (booting), the backlog known: scale up on it', observations: [{ ...streams([0])[0]!, load: {}, backlog: 3000 }], current: 2, desired: 10, reason: 'ScaleUpBacklog' },
  ])('$name', ({ observations, current, desired, reason, extra }) => {
    const decision = run(observations, current, extra);
    expect({ desired: decision.desired, reason: decision.reason }).toEqual({ desired, reason });
  });

  it('says both needs in its numbers', () => {
    const decision = run(streams([100], { backlog: 3000 }), 2);
    expect(decision.numbers).toMatchObject({ backlog: 3000, backlogInstances: 10, loadInstances: 2 });
  });
});
