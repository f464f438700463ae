import type { FleetConfig } from '../config/schema.js';
import { MetricUnit, type Telemetry } from '../telemetry.js';
import type { FleetOutcome } from './tick.js';

/** One structured line and a few metrics per fleet per tick: "why did it do that?" from logs alone. */
export function recordFleetTick(telemetry: Telemetry, fleet: FleetConfig, outcome: FleetOutcome): void {
  const dimensions = { Fleet: fleet.name };
  const decision = outcome.decision;
  const line = {
    fleet: fleet.name,
    reason: decision?.reason,
    current: decision?.numbers.current,
    desired: decision?.desired,
    load: decision?.numbers.load,
    capacityPerInstance: decision?.numbers.capacityPerInstance,
    utilization: decision?.numbers.utilization,
    numbers: decision?.numbers,
    dryRun: outcome.dryRun,
    applied: outcome.applied,
    appliedDesired: outcome.appliedDesired,
    victims: outcome.victims,
    victimReason: outcome.victimReason,
    api: outcome.api,
    error: outcome.error,
    errorCode: outcome.errorCode,
  };
  if (outcome.error) {
    telemetry.error('fleet tick failed: other fleets proceed', line);
    telemetry.metric({ name: 'FleetErrors', value: 1, unit: MetricUnit.Count, dimensions });
    return;
  }
  telemetry.info('fleet decision', line);
  if (!decision) return;
  const n = decision.numbers;
  const load = Object.values(n.load).reduce((sum, v) => sum + (v ?? 0), 0);
  const streamCapacity = n.capacityPerInstance.stream ?? Object.values(n.capacityPerInstance)[0];
  telemetry.metric({ name: 'FleetErrors', value: 0, unit: MetricUnit.Count, dimensions });
  telemetry.metric({ name: 'ObservedLoad', value: load, unit: MetricUnit.Count, dimensions });
  if (streamCapacity !== undefined) telemetry.metric({ name: 'ServingCapacity', value: n.servingInstances * streamCapacity, unit: MetricUnit.Count, dimensions });
  telemetry.metric({ name: 'CurrentInstances', value: n.current, unit: MetricUnit.Count, dimensions });
  telemetry.metric({ name: 'DesiredInstances', value: decision.desired, unit: MetricUnit.Count, dimensions });
  telemetry.metric({ name: 'InstancesBooting', value: n.bootingInstances, unit: MetricUnit.Count, dimensions });
  telemetry.metric({ name: 'InstancesDraining', value: n.drainingInstances, unit: MetricUnit.Count, dimensions });
  telemetry.metric({ name: 'ScaleDecision', value: 1, unit: MetricUnit.Count, dimensions: { ...dimensions, Reason: decision.reason } });
  // The customer alarms (infra/customer-alarms.yml): one point per fleet per tick, 0 when
  // all is well, so "every minute for N minutes" is a fleet's own sustained state.
  telemetry.metric({ name: 'DataHeld', value: DATA_HOLDS.has(decision.reason) ? 1 : 0, unit: MetricUnit.Count, dimensions });
  if (n.latestRecommendation !== undefined) {
    // Requests turned away are counted by engine_requests_total{status}, which appears with
    // the first such answer: with load data and no such series, none were turned away.
    telemetry.metric({ name: 'RejectedRequests', value: n.rejected ?? 0, unit: MetricUnit.Count, dimensions });
    telemetry.metric({ name: 'InstancesShortOfNeed', value: Math.max(0, n.latestRecommendation - n.max), unit: MetricUnit.Count, dimensions });
  }
}

/** Reasons that hold a fleet because its data is missing, stale or partial: the frozen-fleet alarm. */
const DATA_HOLDS = new Set<string>(['MissingData', 'StaleData', 'PartialData']);
