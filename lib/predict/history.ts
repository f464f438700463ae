import type { MetricDataQuery } from '@aws-sdk/client-cloudwatch';
import { readMetricData } from '../aws/metric-data.js';
import type { CloudWatchPort } from '../aws/ports.js';
import { describeError, type RetryPolicy } from '../aws/retry.js';
import type { ControllerConfig, FleetConfig } from '../config/schema.js';
import { ENGINE_METRICS, KIND_DIMENSION, fleetDimensions, type RequestKind } from '../fleet/engine-metrics.js';
import { configuredKinds } from '../fleet/recommend.js';
import type { LoadPoint } from './model.js';


export class LoadHistoryError extends Error {
  override readonly name = 'LoadHistoryError';
}

export type LoadSignal = { signal: 'load'; kind: RequestKind } | { signal: 'capacity' };

export interface LoadQuery {
  id: string;
  fleet: string;
  key: LoadSignal;
  /** A Sum of one-scrape samples over the period, divided by this, is the mean concurrent load. */
  samplesPerPeriod: number;
  query: MetricDataQuery;
}

/**
 * A fleet's load per configured kind (the Sum of engine_active_requests on the
 * fleet-level dimension set, divided by the samples one instance publishes per period)
 * and, when the fleet uses the Engine's estimate, the mean stream capacity.
 */
export function loadQueries(config: ControllerConfig, fleet: FleetConfig, idPrefix: string, periodSeconds: number, withCapacity: boolean): LoadQuery[] {
  const base = fleetDimensions(fleet.target);
  const dims = (extra: Record<string, string>) => Object.entries({ ...base, ...extra }).map(([Name, Value]) => ({ Name, Value }));
  const samplesPerPeriod = periodSeconds / config.scrapeIntervalSeconds;
  const out: LoadQuery[] = configuredKinds(fleet).map((kind) => ({
    id: `${idPrefix}_${kind}`,
    fleet: fleet.name,
    key: { signal: 'load', kind },
    samplesPerPeriod,
    query: {
      Id: `${idPrefix}_${kind}`,
      MetricStat: { Metric: { Namespace: config.engineNamespace, MetricName: ENGINE_METRICS.activeRequests, Dimensions: dims({ [KIND_DIMENSION]: kind }) }, Period: periodSeconds, Stat: 'Sum' },
      ReturnData: true,
    },
  }));
  if (withCapacity && fleet.kinds.stream?.capacity === 'engine') {
    out.push({
      id: `${idPrefix}_capacity`,
      fleet: fleet.name,
      key: { signal: 'capacity' },
      samplesPerPeriod: 1,
      query: {
        Id: `${idPrefix}_capacity`,
        MetricStat: { Metric: { Namespace: config.engineNamespace, MetricName: ENGINE_METRICS.estimatedStreamCapacity, Dimensions: dims({}) }, Period: periodSeconds, Stat: 'Average' },
        ReturnData: true,
      },
    });
  }
  return out;
}

/**
 * Reads every query over [start, end) in as few GetMetricData calls as the 500-query
 * limit allows, following NextToken; returns the points per query id, oldest first.
 * Loads come back as mean concurrent requests; capacities as the Average.
 */
export async function readLoads(
  cloudwatch: CloudWatchPort,
  queries: readonly LoadQuery[],
  start: Date,
  end: Date,
  retry?: RetryPolicy,
): Promise<Map<string, LoadPoint[]>> {
  const points = new Map<string, LoadPoint[]>(queries.map((q) => [q.id, []]));
  const byId = new Map(queries.map((q) => [q.id, q]));
  await readMetricData(
    cloudwatch,
    {
      queries: queries.map((q) => q.query),
      start,
      end,
      scanBy: 'TimestampAscending',
      retry,
      failure: (cause) => new LoadHistoryError(`reading load history ${start.toISOString()}..${end.toISOString()} failed: ${describeError(cause)}`, { cause }),
    },
    (result) => {
      const query = result.Id === undefined ? undefined : byId.get(result.Id);
      if (query === undefined) throw new LoadHistoryError(`GetMetricData answered an unknown query id ${JSON.stringify(result.Id)}`);
      const list = points.get(query.id) as LoadPoint[];
      const values = result.Values ?? [];
      (result.Timestamps ?? []).forEach((timestamp, i) => {
        const value = values[i];
        if (value !== undefined && Number.isFinite(value)) list.push({ atMs: new Date(timestamp).getTime(), load: value / query.samplesPerPeriod });
      });
    },
  );
  for (const list of points.values()) list.sort((a, b) => a.atMs - b.atMs);
  return points;
}
