import type { RequestKind } from './engine-metrics.js';
import type { FleetConfig } from '../config/schema.js';
import type { PeriodObservation } from './observation.js';

export interface Recommendation {
  /** Instances this period's load needs at the target utilisation. */
  instances: number;
  /** Load over planned capacity of the current fleet, for the busiest kind. */
  utilization: number;
  /** The kind that needs the most instances. */
  dominantKind: RequestKind;
  withinTolerance: boolean;
  rejected: boolean;
  capacityPerInstance: Partial<Record<RequestKind, number>>;
}

// Loads are means of integer samples, so 3 streams / 1.0 capacity can come out as
// 3.0000000000000004 and round up to an instance nobody needs.
const EPSILON = 1e-9;

export function configuredKinds(fleet: FleetConfig): RequestKind[] {
  return (['stream', 'batch', 'tts'] as const).filter((kind) => fleet.kinds[kind] !== undefined);
}

/** Per-instance capacity of a kind in a period: the operator's figure, or the Engine's own estimate. */
export function capacityOf(fleet: FleetConfig, kind: RequestKind, observation: PeriodObservation): number {
  const declared = fleet.kinds[kind];
  if (declared === undefined) throw new RangeError(`fleet ${fleet.name} does not serve ${kind}`);
  if (declared.capacity !== 'engine') return declared.capacity;
  const reported = observation.streamCapacityPerInstance;
  return reported !== undefined && reported > 0 ? reported : (declared as { fallbackCapacity: number }).fallbackCapacity;
}

/**
 * The instance count one period's load asks for (HPA's
 * desired = ceil(current * usage / target), written per kind so that the busiest kind
 * wins). Undefined when any configured kind has no data for the period.
 *
 * 1. per kind: need = ceil(load / (capacity * targetUtilization));
 * 2. the kind with the highest load / planned capacity dominates;
 * 3. within the tolerance band of the current count: keep the current count;
 * 4. rejected requests are demand the fleet failed to serve: they join the dominant
 *    kind's load, and the recommendation is at least one more than the current count.
 */
export function recommend(fleet: FleetConfig, observation: PeriodObservation, current: number): Recommendation | undefined {
  const kinds = configuredKinds(fleet);
  const capacityPerInstance: Partial<Record<RequestKind, number>> = {};
  let instances = 0;
  let utilization = 0;
  let dominantKind: RequestKind = kinds[0] ?? 'stream';
  let dominantPlanned = 1;
  let dominantLoad = 0;
  for (const kind of kinds) {
    const load = observation.load[kind];
    if (load === undefined) return undefined;
    const capacity = capacityOf(fleet, kind, observation);
    capacityPerInstance[kind] = capacity;
    const planned = capacity * fleet.targetUtilization;
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
  if (rejected) {
    const withRejected = Math.ceil((dominantLoad + (observation.rejected ?? 0)) / dominantPlanned - EPSILON);
    return { instances: Math.max(instances, withRejected, current + 1), utilization, dominantKind, withinTolerance: false, rejected, capacityPerInstance };
  }
  const withinTolerance = current > 0 && Math.abs(utilization - 1) <= fleet.tolerance;
  return { instances: withinTolerance ? current : instances, utilization, dominantKind, withinTolerance, rejected, capacityPerInstance };
}
