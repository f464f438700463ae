import type { MetricDataQuery } from '@aws-sdk/client-cloudwatch';
import type { ControllerConfig, FleetConfig } from '../config/schema.js';
import { ENGINE_METRICS, KIND_DIMENSION, STATUS_DIMENSION, fleetDimensions, type RequestKind } from './engine-metrics.js';
import { configuredKinds } from './recommend.js';

export type SignalKey =
  | { signal: 'active'; kind: RequestKind }
  | { signal: 'samples' }
  | { signal: 'capacity' }
  | { signal: 'rejected'; status: string };

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
 * The fleet-level queries one fleet needs each tick: the Sum of active requests per
 * kind, their SampleCount (how many instances reported), the Engine's capacity estimate
 * when the fleet uses it, and the Sum of each rejected status. Dimension sets are the
 * fleet-level sets of lib/fleet/engine-metrics.ts, to the letter: CloudWatch matches exactly.
 */
export function fleetQueries(config: ControllerConfig, fleet: FleetConfig, fleetIndex: number): FleetQuery[] {
  const base = fleetDimensions(fleet.target);
  const period = config.periodSeconds;
  const stat = (id: string, key: SignalKey, metricName: string, extra: Record<string, string>, statistic: string): FleetQuery => ({
    id,
    fleetIndex,
    key,
    query: {
      Id: id,
      MetricStat: {
        Metric: { Namespace: config.engineNamespace, MetricName: metricName, Dimensions: dimensionList({ ...base, ...extra }) },
        Period: period,
        Stat: statistic,
      },
      ReturnData: true,
    },
  });
  const kinds = configuredKinds(fleet);
  const queries = kinds.map((kind) => stat(`f${fleetIndex}_active_${kind}`, { signal: 'active', kind }, ENGINE_METRICS.activeRequests, { [KIND_DIMENSION]: kind }, 'Sum'));
  const firstKind = kinds[0] as RequestKind;
  queries.push(stat(`f${fleetIndex}_samples`, { signal: 'samples' }, ENGINE_METRICS.activeRequests, { [KIND_DIMENSION]: firstKind }, 'SampleCount'));
  if (fleet.kinds.stream?.capacity === 'engine') {
    queries.push(stat(`f${fleetIndex}_capacity`, { signal: 'capacity' }, ENGINE_METRICS.estimatedStreamCapacity, {}, 'Average'));
  }
  for (const status of config.rejectedStatuses) {
    queries.push(stat(`f${fleetIndex}_rejected_${status}`, { signal: 'rejected', status }, ENGINE_METRICS.requestsTotal, { [STATUS_DIMENSION]: status }, 'Sum'));
  }
  return queries;
}
