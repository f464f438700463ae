import type { RequestKind } from './engine-metrics.js';
import { readInstancePeriod, type InstancePeriodReading, type KindEvidence } from './kind-readings.js';
import { sortInOrder } from '../sorted-search.js';
import type { PeriodValues } from './period-values.js';
import type { IncompleteSignal, SeriesPresence } from './read-signals.js';

/** What one complete period of metrics says about a fleet. `undefined` = no data. */
export interface PeriodObservation {
  /** Period start. */
  at: Date;
  /**
   * Mean concurrent requests per kind across the fleet's instances. Empty when no
   * instance reported any configured kind in the period (missing data for every kind).
   */
  load: Partial<Record<RequestKind, number>>;
  /** Kinds read as zero in this period because no Engine has been asked for them. */
  neverRequested?: RequestKind[];
  /** InService instances whose load is whole in this period (they report, every kind known). */
  reportingInstances?: number;
  /** The Engines' capacity estimate per instance: the median, each bounded by its own limit. */
  streamCapacityPerInstance?: number;
  /** The lowest engine_max_active_requests above 0 an instance reported (0 = no limit, left out). */
  engineLimit?: number;
  /** Requests turned away (429/503-class) during the period, all kinds. */
  rejected?: number;
  /** The backlog signal's value, when the fleet declares one and it has a datapoint. */
  backlog?: number;
}

/** One instance's raw series, by period start (ms). */
export interface InstanceSeries {
  /** Sum of engine_active_requests samples per configured kind. */
  active: Partial<Record<RequestKind, PeriodValues>>;
  /** Minimum of engine_max_active_requests. */
  limit: PeriodValues;
  /** Average of engine_estimated_stream_capacity, when the fleet uses the Engine's estimate. */
  capacity: PeriodValues;
  /** Kinds whose query CloudWatch did not answer whole: their series counts as existing. */
  incompleteKinds: Set<RequestKind>;
}

/** The raw per-period aggregates read from CloudWatch for one fleet. */
export interface FleetSeries {
  instances: Map<string, InstanceSeries>;
  /** Sum of engine_requests_total deltas per rejected status (fleet level). */
  rejectedSum: Map<string, Map<number, number>>;
  backlog: Map<number, number>;
  /** Fleet-level aggregates (fleetLevelQueries), for history: Sum of active requests per kind. */
  fleetActive: Partial<Record<RequestKind, Map<number, number>>>;
  /** SampleCount of the first kind's fleet-level series. */
  fleetSamples: Map<number, number>;
  /** Average of the fleet-level capacity estimate. */
  fleetCapacity: Map<number, number>;
  /** Queries CloudWatch did not answer whole (read-signals.ts). */
  incomplete: IncompleteSignal[];
}

export interface FleetMembers {
  /** Every instance of the group and its lifecycle state. */
  instances: ReadonlyArray<{ instanceId: string; lifecycleState: string }>;
  /** The tick's ListMetrics walk; null when it failed (every kind then counts as existing). */
  presence: SeriesPresence | null;
  /** The group's desired count: an empty instance list is an empty fleet only when it is 0. */
  desired: number;
}

/** `values` makes each signal's store: a Map unless the reader knows its window (read-signals.ts). */
export function emptyInstanceSeries(values: () => PeriodValues = () => new Map()): InstanceSeries {
  return { active: {}, limit: values(), capacity: values(), incompleteKinds: new Set() };
}

/**
 * Turns raw CloudWatch aggregates into per-period observations, oldest first.
 *
 * 1. each instance, each period: the shared kind rule (kind-readings.ts): a datapoint is
 *    its value, a kind with no series on an instance that reports is zero, anything else
 *    unknown;
 * 2. load per kind: the instances' values added up (the agent publishes one sample per
 *    scrape, so a Sum over a period divided by the samples per period is the concurrent
 *    load); a period in which no instance's kinds are known has no load at all: missing
 *    data for every kind still holds the fleet. An Engine that reports but has never been
 *    asked for any kind (a fresh one: only its limit and capacity gauges) is known, zero:
 *    a fleet of such Engines is idle, not silent, and its forecast may open it;
 * 3. reporters: InService instances whose load is whole, for every configured kind. A
 *    draining or booting instance is not one, whatever it publishes, so it cannot stand in
 *    for a silent serving instance (decide.ts compares reporters with InService instances);
 * 4. capacity: each instance's estimate, bounded by its own limit, then the lower median
 *    of the whole ones: one instance reporting 1e9 cannot make the fleet look oversized.
 *
 * A group with no instance and a desired count of 0 serves nothing: its load is zero,
 * known, not missing (what lets a backlog wake it). An instance list missing from an answer
 * with a desired count above 0 is not that: it reads as silence.
 */
export function observationsFromSeries(
  series: FleetSeries,
  kinds: readonly RequestKind[],
  periodStartsMs: readonly number[],
  samplesPerPeriod: number,
  members: FleetMembers,
): PeriodObservation[] {
  // What does not change from period to period is looked up once per instance; each
  // period then only fills in its datapoints (readInstancePeriod reads its evidence and keeps none).
  const absent = emptyInstanceSeries();
  const instances = members.instances.map(({ instanceId, lifecycleState }) => {
    const raw = series.instances.get(instanceId) ?? absent;
    return { raw, lifecycleState, evidence: windowEvidence(raw, kinds, members.presence === null ? null : members.presence.get(instanceId)) };
  });
  return periodStartsMs.map((startMs) => {
    const observation: PeriodObservation = { at: new Date(startMs), load: {}, rejected: rejectedAt(series, startMs), backlog: series.backlog.get(startMs) };
    if (members.instances.length === 0 && members.desired === 0) {
      for (const kind of kinds) observation.load[kind] = 0;
      observation.reportingInstances = 0;
      return observation;
    }
    const load: Partial<Record<RequestKind, number>> = {};
    let anyKindKnown = false;
    let reporting = 0;
    const capacities: number[] = [];
    let engineLimit: number | undefined;
    // Per kind, in the order of `kinds`: no reporting instance has been asked for it.
    const never = kinds.map(() => true);
    for (const { raw, lifecycleState, evidence } of instances) {
      const reading = readingAt(raw, kinds, startMs, evidence);
      const limit = raw.limit.get(startMs);
      for (let k = 0; k < kinds.length; k++) {
        const kind = kinds[k] as RequestKind;
        const kindReading = reading.kinds[kind];
        if (kindReading?.state === 'reported') load[kind] = (load[kind] ?? 0) + (kindReading.value ?? 0) / samplesPerPeriod;
        if (kindReading !== undefined && kindReading.state !== 'unknown') anyKindKnown = true;
        if (kindReading?.state !== 'neverRequested' && reading.reports) never[k] = false;
      }
      if (limit !== undefined && limit > 0) engineLimit = Math.min(engineLimit ?? limit, limit);
      if (lifecycleState !== 'InService' || !reading.complete) continue;
      reporting++;
      const estimate = raw.capacity.get(startMs);
      if (estimate !== undefined && estimate > 0) capacities.push(limit !== undefined && limit > 0 ? Math.min(estimate, limit) : estimate);
    }
    observation.reportingInstances = reporting;
    observation.engineLimit = engineLimit;
    observation.streamCapacityPerInstance = lowerMedian(capacities);
    if (!anyKindKnown) return observation;
    for (const kind of kinds) observation.load[kind] = load[kind] ?? 0;
    const neverRequested = kinds.filter((_, k) => never[k]);
    if (neverRequested.length > 0) observation.neverRequested = neverRequested;
    return observation;
  });
}

/**
 * History read from the fleet-level aggregates (fleetLevelQueries): a period with no
 * datapoint of a kind has no load for it; the instances that reported are the samples of
 * the first kind over the samples each takes per period.
 */
export function fleetLevelObservations(series: FleetSeries, kinds: readonly RequestKind[], periodStartsMs: readonly number[], samplesPerPeriod: number): PeriodObservation[] {
  return periodStartsMs.map((startMs) => {
    const load: Partial<Record<RequestKind, number>> = {};
    for (const kind of kinds) {
      const sum = series.fleetActive[kind]?.get(startMs);
      if (sum !== undefined) load[kind] = sum / samplesPerPeriod;
    }
    const samples = series.fleetSamples.get(startMs);
    return {
      at: new Date(startMs),
      load,
      reportingInstances: samples === undefined ? undefined : Math.round(samples / samplesPerPeriod),
      streamCapacityPerInstance: series.fleetCapacity.get(startMs),
      rejected: rejectedAt(series, startMs),
    };
  });
}

type InstanceEvidence = Parameters<typeof readInstancePeriod>[0] & { kinds: Partial<Record<RequestKind, KindEvidence>> };

/** An instance's evidence that holds for the whole window (listed, seen in it), its per-period parts left to readingAt. */
function windowEvidence(raw: InstanceSeries, kinds: readonly RequestKind[], listed: ReadonlySet<RequestKind> | undefined | null): InstanceEvidence {
  const evidence: InstanceEvidence = { kinds: {}, heartbeat: false };
  for (const kind of kinds) {
    // A kind whose query was not answered whole may have datapoints CloudWatch did not return.
    const exists = listed === null || (listed?.has(kind) ?? false) || raw.incompleteKinds.has(kind);
    evidence.kinds[kind] = { value: undefined, listed: exists, seenInWindow: (raw.active[kind]?.size ?? 0) > 0 };
  }
  return evidence;
}

function readingAt(raw: InstanceSeries, kinds: readonly RequestKind[], startMs: number, evidence: InstanceEvidence): InstancePeriodReading {
  evidence.heartbeat = raw.limit.has(startMs) || raw.capacity.has(startMs);
  for (const kind of kinds) (evidence.kinds[kind] as KindEvidence).value = raw.active[kind]?.get(startMs);
  return readInstancePeriod(evidence, kinds);
}

function rejectedAt(series: FleetSeries, startMs: number): number | undefined {
  let rejected: number | undefined;
  for (const perStatus of series.rejectedSum.values()) {
    const value = perStatus.get(startMs);
    if (value !== undefined) rejected = (rejected ?? 0) + value;
  }
  return rejected;
}

/** The lower middle value: with an even count, the smaller of the two, so a liar tips nothing upward. Sorts `values`. */
function lowerMedian(values: number[]): number | undefined {
  if (values.length === 0) return undefined;
  sortInOrder(values, (a, b) => a - b);
  return values[Math.floor((values.length - 1) / 2)];
}

/** True when every configured kind has a value for the period. */
export function isComplete(observation: PeriodObservation, kinds: readonly RequestKind[]): boolean {
  return kinds.every((kind) => observation.load[kind] !== undefined);
}
