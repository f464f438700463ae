import type { RequestKind } from './engine-metrics.js';
import { effectiveTargetUtilization, type FleetConfig } from '../config/schema.js';
import { instancesForBacklog } from '../config/backlog.js';
import type { PeriodObservation } from './observation.js';

export interface Recommendation {
  /** Instances this period asks for at the target utilisation: the larger of load and backlog. */
  instances: number;
  /** Load over planned capacity of the current fleet, for the busiest kind. */
  utilization: number;
  /** The kind that needs the most instances. */
  dominantKind: RequestKind;
  withinTolerance: boolean;
  rejected: boolean;
  capacityPerInstance: Partial<Record<RequestKind, number>>;
  /** Instances the concurrency rule alone asks for (undefined: the Engines' load is unknown this period). */
  loadInstances?: number;
  /** Instances the backlog asks for (undefined: no backlog declared, or its value is unknown). */
  backlogInstances?: number;
  /** The backlog drives the recommendation above what the load needs. */
  backlogDominant: boolean;
  /**
   * A lower bound only: one of the two rules (load, declared backlog) is unknown this
   * period. Good enough to scale up on, never to scale down on.
   */
  lowerBound: boolean;
}

// Loads are means of integer samples, so 3 streams / 1.0 capacity can come out as
// 3.0000000000000004 and round up to an instance nobody needs.
const EPSILON = 1e-9;

export function configuredKinds(fleet: FleetConfig): RequestKind[] {
  return (['stream', 'batch', 'tts'] as const).filter((kind) => fleet.kinds[kind] !== undefined);
}

/**
 * Per-instance capacity of a kind in a period: the operator's figure, or the Engines'
 * own estimate (observation.ts bounds it: median of instances, each under its own limit),
 * or the fallback when no instance reports one; never above the limit the Engines enforce
 * (engine_max_active_requests, 0 = none), since they turn away every request above it.
 */
export function capacityOf(fleet: FleetConfig, kind: RequestKind, observation: PeriodObservation): number {
  const declared = fleet.kinds[kind];
  if (declared === undefined) throw new RangeError(`fleet ${fleet.name} does not serve ${kind}`);
  let capacity: number;
  if (declared.capacity !== 'engine') capacity = declared.capacity;
  else {
    const reported = observation.streamCapacityPerInstance;
    capacity = reported !== undefined && reported > 0 ? reported : (declared as { fallbackCapacity: number }).fallbackCapacity;
  }
  const limit = observation.engineLimit;
  return limit !== undefined && limit > 0 ? Math.min(capacity, limit) : capacity;
}

/**
 * The capacity per instance of every configured kind the newest period with a whole load
 * plans with (capacityOf), for the forecast to plan with the same figures: never the
 * fleet's mean estimate, which one Engine reporting 1e9 inflates. Undefined when no
 * period has a whole load (the forecast then uses the operator's figure or fallback).
 */
export function plannedCapacities(fleet: FleetConfig, observations: readonly PeriodObservation[]): Partial<Record<RequestKind, number>> | undefined {
  const kinds = configuredKinds(fleet);
  const newest = [...observations].reverse().find((o) => kinds.every((kind) => o.load[kind] !== undefined));
  if (newest === undefined) return undefined;
  return Object.fromEntries(kinds.map((kind) => [kind, capacityOf(fleet, kind, newest)]));
}

/** Kinds whose configured capacity the Engines' own limit cuts down this period, with both figures. */
export function capacitiesAboveEngineLimit(fleet: FleetConfig, observation: PeriodObservation): Partial<Record<RequestKind, { configured: number; engineLimit: number }>> | undefined {
  const limit = observation.engineLimit;
  if (limit === undefined || limit <= 0) return undefined;
  const out: Partial<Record<RequestKind, { configured: number; engineLimit: number }>> = {};
  for (const kind of configuredKinds(fleet)) {
    const declared = fleet.kinds[kind];
    if (declared === undefined) continue;
    const configured = declared.capacity === 'engine' ? (observation.streamCapacityPerInstance ?? (declared as { fallbackCapacity: number }).fallbackCapacity) : declared.capacity;
    if (configured > limit) out[kind] = { configured, engineLimit: limit };
  }
  return Object.keys(out).length > 0 ? out : undefined;
}

/** Instances the declared backlog asks for in a period; undefined when unknown or not declared. */
export function backlogInstances(fleet: FleetConfig, observation: PeriodObservation): number | undefined {
  if (!fleet.backlog) return undefined;
  const value = observation.backlog ?? (fleet.backlog.whenMissing === 'zero' ? 0 : undefined);
  return value === undefined ? undefined : instancesForBacklog(value, fleet.backlog);
}

/**
 * The instance count one period asks for (HPA's desired = ceil(current * usage / target),
 * written per kind so that the busiest kind wins), or undefined when neither the load nor
 * a declared backlog is known for the period.
 *
 * 1. per kind: need = ceil(load / (capacity * targetUtilization)), the target being the
 *    fleet's, or its default for a reactive or a forecast-led decision;
 * 2. the kind with the highest load / planned capacity dominates;
 * 3. within the tolerance band of the current count: keep the current count;
 * 4. rejected requests are demand the fleet failed to serve: they join the dominant
 *    kind's load, and the recommendation is at least one more than the current count;
 * 5. a declared backlog asks for enough instances to clear it in time (KEDA-style); the
 *    larger of the two needs wins. One of the two unknown: the other is a lower bound.
 */
export function recommend(
  fleet: FleetConfig,
  observation: PeriodObservation,
  current: number,
  targetUtilization: number = effectiveTargetUtilization(fleet, false),
): Recommendation | undefined {
  const kinds = configuredKinds(fleet);
  const capacityPerInstance: Partial<Record<RequestKind, number>> = {};
  const backlog = backlogInstances(fleet, observation);
  const backlogUnknown = fleet.backlog !== undefined && backlog === undefined;
  const loadKnown = kinds.every((kind) => observation.load[kind] !== undefined);
  if (!loadKnown) {
    if (backlog === undefined) return undefined;
    return { instances: backlog, utilization: 0, dominantKind: kinds[0] ?? 'stream', withinTolerance: false, rejected: false, capacityPerInstance, backlogInstances: backlog, backlogDominant: true, lowerBound: true };
  }
  let instances = 0;
  let utilization = 0;
  let dominantKind: RequestKind = kinds[0] ?? 'stream';
  let dominantPlanned = 1;
  let dominantLoad = 0;
  for (const kind of kinds) {
    const load = observation.load[kind] as number;
    const capacity = capacityOf(fleet, kind, observation);
    capacityPerInstance[kind] = capacity;
    const planned = capacity * targetUtilization;
    instances = Math.max(instances, Math.ceil(load / planned - EPSILON));
    const kindUtilization = current > 0 ? load / (planned * current) : load > 0 ? Number.POSITIVE_INFINITY : 0;
    if (kindUtilization >= utilization) {
      utilization = kindUtilization;
      dominantKind = kind;
      dominantPlanned = planned;
      dominantLoad = load;
    }
  }
  const rejected = (observation.rejected ?? 0) > 0;
  let loadInstances: number;
  let withinTolerance = false;
  if (rejected) {
    const withRejected = Math.ceil((dominantLoad + (observation.rejected ?? 0)) / dominantPlanned - EPSILON);
    loadInstances = Math.max(instances, withRejected, current + 1);
  } else {
    withinTolerance = current > 0 && Math.abs(utilization - 1) <= fleet.tolerance;
    loadInstances = withinTolerance ? current : instances;
  }
  const backlogDominant = backlog !== undefined && backlog > loadInstances;
  return {
    instances: backlogDominant ? (backlog as number) : loadInstances,
    utilization,
    dominantKind,
    withinTolerance: withinTolerance && !backlogDominant,
    rejected,
    capacityPerInstance,
    loadInstances,
    backlogInstances: backlog,
    backlogDominant,
    lowerBound: backlogUnknown,
  };
}
