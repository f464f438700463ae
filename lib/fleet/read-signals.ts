import type { MetricDataResult } from '@aws-sdk/client-cloudwatch';
import { readMetricData } from '../aws/metric-data.js';
import type { CloudWatchPort } from '../aws/ports.js';
import type { RetryPolicy } from '../aws/retry.js';
import type { FleetQuery } from './metric-queries.js';
import { emptyInstanceSeries, type FleetSeries, type InstanceSeries } from './observation.js';
import type { QueryWindow } from './query-window.js';

export class SignalReadError extends Error {
  override readonly name = 'SignalReadError';
}

export function emptySeries(): FleetSeries {
  return { instances: new Map(), rejectedSum: new Map(), backlog: new Map(), fleetActive: {}, fleetSamples: new Map(), fleetCapacity: new Map() };
}

/**
 * Reads every fleet's signals in as few GetMetricData calls as the 500-query limit
 * allows, following NextToken. A query CloudWatch answers only partly (StatusCode
 * PartialData even after paging) keeps what it returned: the decision treats the
 * periods it lacks as missing.
 */
export async function readSignals(
  cloudwatch: CloudWatchPort,
  queries: readonly FleetQuery[],
  window: QueryWindow,
  fleetCount: number,
  retry?: RetryPolicy,
): Promise<FleetSeries[]> {
  const series = Array.from({ length: fleetCount }, emptySeries);
  const byId = new Map(queries.map((q) => [q.id, q]));
  await readMetricData(
    cloudwatch,
    { queries: queries.map((q) => q.query), start: window.start, end: window.end, scanBy: 'TimestampDescending', retry },
    (result) => {
      const query = result.Id === undefined ? undefined : byId.get(result.Id);
      if (query === undefined) throw new SignalReadError(`GetMetricData answered an unknown query id ${JSON.stringify(result.Id)}`);
      addResult(series[query.fleetIndex] as FleetSeries, query, result);
    },
  );
  return series;
}

function addResult(series: FleetSeries, query: FleetQuery, result: MetricDataResult): void {
  const target = targetMap(series, query);
  const timestamps = result.Timestamps ?? [];
  const values = result.Values ?? [];
  timestamps.forEach((timestamp, i) => {
    const value = values[i];
    if (value !== undefined && Number.isFinite(value)) target.set(new Date(timestamp).getTime(), value);
  });
}

function instance(series: FleetSeries, instanceId: string): InstanceSeries {
  let found = series.instances.get(instanceId);
  if (!found) series.instances.set(instanceId, (found = emptyInstanceSeries()));
  return found;
}

function targetMap(series: FleetSeries, query: FleetQuery): Map<number, number> {
  const key = query.key;
  switch (key.signal) {
    case 'active':
      return (instance(series, key.instanceId).active[key.kind] ??= new Map());
    case 'limit':
      return instance(series, key.instanceId).limit;
    case 'capacity':
      return instance(series, key.instanceId).capacity;
    case 'backlog':
      return series.backlog;
    case 'fleetActive':
      return (series.fleetActive[key.kind] ??= new Map());
    case 'samples':
      return series.fleetSamples;
    case 'fleetCapacity':
      return series.fleetCapacity;
    case 'rejected': {
      let map = series.rejectedSum.get(key.status);
      if (!map) series.rejectedSum.set(key.status, (map = new Map()));
      return map;
    }
  }
}
