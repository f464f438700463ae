import type { MetricDataQuery } from '@aws-sdk/client-cloudwatch';
import type { ControllerConfig, FleetConfig } from '../config/schema.js';
import { ENGINE_METRICS, INSTANCE_DIMENSION, KIND_DIMENSION, STATUS_DIMENSION, fleetDimensions, type RequestKind } from './engine-metrics.js';
import { configuredKinds } from './recommend.js';

export type SignalKey =
  | { signal: 'active'; kind: RequestKind; instanceId: string }
  | { signal: 'limit'; instanceId: string }
  | { signal: 'capacity'; instanceId: string }
  | { signal: 'rejected'; status: string }
  | { signal: 'backlog' }
  | { signal: 'fleetActive'; kind: RequestKind }
  | { signal: 'samples' }
  | { signal: 'fleetCapacity' };

export interface FleetQuery {
  /** GetMetricData query id: unique in the call, ^[a-z][a-zA-Z0-9_]*$. */
  id: string;
  fleetIndex: number;
  key: SignalKey;
  query: MetricDataQuery;
}

function dimensionList(values: Record<string, string>) {
  return Object.entries(values).map(([Name, Value]) => ({ Name, Value }));
}

/**
 * The queries one fleet needs each tick, for the instances its group holds (any lifecycle
 * state: a draining instance still serves its streams, a booting one may start to):
 *
 * - per instance and configured kind, the Sum of engine_active_requests: its load, and
 *   whether it reported that kind in each period (lib/fleet/kind-readings.ts);
 * - per instance, the Minimum of engine_max_active_requests: the Engine's own limit, and a
 *   series every Engine exposes from start-up, so it tells a reporting instance apart from a
 *   silent one when it has not served any kind yet;
 * - per instance, the Average of engine_estimated_stream_capacity when the fleet plans with
 *   the Engine's estimate (bounded in observation.ts, never taken from one instance alone);
 * - the fleet-level Sum of each rejected status, and the backlog metric if declared.
 *
 * Per instance rather than the fleet-level aggregates: a fleet-level SampleCount counts a
 * draining instance as a reporter, which hid a silent serving instance behind it.
 * Dimension sets are those of lib/fleet/engine-metrics.ts, to the letter.
 */
export function fleetQueries(config: ControllerConfig, fleet: FleetConfig, fleetIndex: number, instanceIds: readonly string[]): FleetQuery[] {
  const base = fleetDimensions(fleet.target);
  const period = config.periodSeconds;
  const metricStat = (id: string, key: SignalKey, namespace: string, metricName: string, dimensions: Record<string, string>, statistic: string): FleetQuery => ({
    id,
    fleetIndex,
    key,
    query: { Id: id, MetricStat: { Metric: { Namespace: namespace, MetricName: metricName, Dimensions: dimensionList(dimensions) }, Period: period, Stat: statistic }, ReturnData: true },
  });
  const engine = (id: string, key: SignalKey, metricName: string, extra: Record<string, string>, statistic: string) => metricStat(id, key, config.engineNamespace, metricName, { ...base, ...extra }, statistic);
  const kinds = configuredKinds(fleet);
  const queries: FleetQuery[] = [];
  instanceIds.forEach((instanceId, i) => {
    const instance = { [INSTANCE_DIMENSION]: instanceId };
    for (const kind of kinds) queries.push(engine(`f${fleetIndex}_i${i}_${kind}`, { signal: 'active', kind, instanceId }, ENGINE_METRICS.activeRequests, { ...instance, [KIND_DIMENSION]: kind }, 'Sum'));
    // Minimum: the lowest limit an Engine reported in the period is the one it enforced.
    queries.push(engine(`f${fleetIndex}_i${i}_limit`, { signal: 'limit', instanceId }, ENGINE_METRICS.maxActiveRequests, instance, 'Minimum'));
    if (fleet.kinds.stream?.capacity === 'engine') {
      queries.push(engine(`f${fleetIndex}_i${i}_capacity`, { signal: 'capacity', instanceId }, ENGINE_METRICS.estimatedStreamCapacity, instance, 'Average'));
    }
  });
  for (const status of config.rejectedStatuses) {
    queries.push(engine(`f${fleetIndex}_rejected_${status}`, { signal: 'rejected', status }, ENGINE_METRICS.requestsTotal, { [STATUS_DIMENSION]: status }, 'Sum'));
  }
  if (fleet.backlog) {
    const { namespace, metricName, dimensions, statistic } = fleet.backlog.metric;
    queries.push(metricStat(`f${fleetIndex}_backlog`, { signal: 'backlog' }, namespace, metricName, dimensions, statistic));
  }
  return queries;
}

/**
 * Fleet-level aggregates, for reading history over spans whose instances came and went
 * (replay, forecasts): the Sum of active requests per kind, how many samples of the first
 * kind were taken (instances reporting), the Engine's capacity estimate and the rejected
 * statuses. A tick decides on fleetQueries, which see each instance.
 */
export function fleetLevelQueries(config: ControllerConfig, fleet: FleetConfig, fleetIndex: number): FleetQuery[] {
  const base = fleetDimensions(fleet.target);
  const stat = (id: string, key: SignalKey, metricName: string, extra: Record<string, string>, statistic: string): FleetQuery => ({
    id,
    fleetIndex,
    key,
    query: { Id: id, MetricStat: { Metric: { Namespace: config.engineNamespace, MetricName: metricName, Dimensions: dimensionList({ ...base, ...extra }) }, Period: config.periodSeconds, Stat: statistic }, ReturnData: true },
  });
  const kinds = configuredKinds(fleet);
  const queries = kinds.map((kind) => stat(`f${fleetIndex}_active_${kind}`, { signal: 'fleetActive', kind }, ENGINE_METRICS.activeRequests, { [KIND_DIMENSION]: kind }, 'Sum'));
  queries.push(stat(`f${fleetIndex}_samples`, { signal: 'samples' }, ENGINE_METRICS.activeRequests, { [KIND_DIMENSION]: kinds[0] as RequestKind }, 'SampleCount'));
  if (fleet.kinds.stream?.capacity === 'engine') queries.push(stat(`f${fleetIndex}_capacity`, { signal: 'fleetCapacity' }, ENGINE_METRICS.estimatedStreamCapacity, {}, 'Average'));
  for (const status of config.rejectedStatuses) {
    queries.push(stat(`f${fleetIndex}_rejected_${status}`, { signal: 'rejected', status }, ENGINE_METRICS.requestsTotal, { [STATUS_DIMENSION]: status }, 'Sum'));
  }
  return queries;
}
