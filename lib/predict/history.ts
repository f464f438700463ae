import type { MetricDataQuery } from '@aws-sdk/client-cloudwatch';
import { forEachDatapoint, readMetricData, type IncompleteQuery } from '../aws/metric-data.js';
import type { CloudWatchPort } from '../aws/ports.js';
import { describeError, type RetryPolicy } from '../aws/retry.js';
import type { ControllerConfig, FleetConfig } from '../config/schema.js';
import { ENGINE_METRICS, KIND_DIMENSION, fleetDimensions, type RequestKind } from '../fleet/engine-metrics.js';
import { neverRequestedPeriods, RECENTLY_ACTIVE_MS } from '../fleet/kind-history.js';
import { configuredKinds } from '../fleet/recommend.js';
import { sortInOrder } from '../sorted-search.js';
import { byTime, type LoadPoint } from './model.js';


export class LoadHistoryError extends Error {
  override readonly name = 'LoadHistoryError';
}

export type LoadSignal = { signal: 'load'; kind: RequestKind } | { signal: 'engines' };

export interface LoadQuery {
  id: string;
  fleet: string;
  key: LoadSignal;
  /** A Sum of one-scrape samples over the period, divided by this, is the mean concurrent load. */
  samplesPerPeriod: number;
  /** A load query: the id of the same fleet's and period's Engines query, which tells a kind never requested (zero) from missing data. */
  enginesId?: string;
  query: MetricDataQuery;
}

/**
 * A fleet's load per configured kind (the Sum of engine_active_requests on the
 * fleet-level dimension set, divided by the samples one instance publishes per period),
 * whether its Engines reported (the SampleCount of engine_max_active_requests, which every
 * Engine exposes from start-up: lib/fleet/kind-history.ts). Not the Engines' capacity
 * estimate: its fleet-level mean is what one Engine reporting 1e9 inflates, so the
 * forecast plans with the capacity the scale tick bounded (ForecastInput).
 */
export function loadQueries(config: ControllerConfig, fleet: FleetConfig, idPrefix: string, periodSeconds: number): LoadQuery[] {
  const base = fleetDimensions(fleet.target);
  const dims = (extra: Record<string, string>) => Object.entries({ ...base, ...extra }).map(([Name, Value]) => ({ Name, Value }));
  const samplesPerPeriod = periodSeconds / config.scrapeIntervalSeconds;
  const enginesId = `${idPrefix}_engines`;
  const out: LoadQuery[] = configuredKinds(fleet).map((kind) => ({
    id: `${idPrefix}_${kind}`,
    fleet: fleet.name,
    key: { signal: 'load', kind },
    samplesPerPeriod,
    enginesId,
    query: {
      Id: `${idPrefix}_${kind}`,
      MetricStat: { Metric: { Namespace: config.engineNamespace, MetricName: ENGINE_METRICS.activeRequests, Dimensions: dims({ [KIND_DIMENSION]: kind }) }, Period: periodSeconds, Stat: 'Sum' },
      ReturnData: true,
    },
  }));
  out.push({
    id: enginesId,
    fleet: fleet.name,
    key: { signal: 'engines' },
    samplesPerPeriod: 1,
    query: {
      Id: enginesId,
      MetricStat: { Metric: { Namespace: config.engineNamespace, MetricName: ENGINE_METRICS.maxActiveRequests, Dimensions: dims({}) }, Period: periodSeconds, Stat: 'SampleCount' },
      ReturnData: true,
    },
  });
  return out;
}

/**
 * Reads every query over [start, end) in as few GetMetricData calls as the 500-query
 * limit allows, following NextToken; returns the points per query id, oldest first.
 * Loads come back as mean concurrent requests; the Engines'
 * samples as their count. A load query paired with its Engines query also gets a zero in
 * each period the kind was never requested in (lib/fleet/kind-history.ts), which needs
 * the RECENTLY_ACTIVE_MS before `start`: those are read too, and dropped. A load query
 * CloudWatch did not answer whole (lib/aws/metric-data.ts) keeps the points it returned and
 * gets no zeros: the periods it lacks are unknown, and `onIncomplete` hears of it.
 */
export async function readLoads(
  cloudwatch: CloudWatchPort,
  queries: readonly LoadQuery[],
  start: Date,
  end: Date,
  retry?: RetryPolicy,
  onIncomplete?: (queries: IncompleteQuery[]) => void,
): Promise<Map<string, LoadPoint[]>> {
  // The points from `start` on, and every datapoint's time: the RECENTLY_ACTIVE_MS before
  // `start` only tell never-requested periods apart, so they are not made into points.
  const points = new Map<string, LoadPoint[]>(queries.map((q) => [q.id, []]));
  const times = new Map<string, number[]>(queries.map((q) => [q.id, []]));
  const byId = new Map(queries.map((q) => [q.id, q]));
  const lookBack = queries.some((q) => q.enginesId !== undefined);
  const startMs = start.getTime();
  const readFrom = new Date(startMs - (lookBack ? RECENTLY_ACTIVE_MS : 0));
  const incomplete = await readMetricData(
    cloudwatch,
    {
      queries: queries.map((q) => q.query),
      start: readFrom,
      end,
      scanBy: 'TimestampAscending',
      retry,
      failure: (cause) => new LoadHistoryError(`reading load history ${start.toISOString()}..${end.toISOString()} failed: ${describeError(cause)}`, { cause }),
    },
    (result) => {
      const query = result.Id === undefined ? undefined : byId.get(result.Id);
      if (query === undefined) throw new LoadHistoryError(`GetMetricData answered an unknown query id ${JSON.stringify(result.Id)}`);
      const list = points.get(query.id) as LoadPoint[];
      const at = times.get(query.id) as number[];
      forEachDatapoint(result, (atMs, value) => {
        at.push(atMs);
        if (atMs >= startMs) list.push({ atMs, load: value / query.samplesPerPeriod });
      });
    },
  );
  if (incomplete.length > 0) onIncomplete?.(incomplete);
  const incompleteIds = new Set(incomplete.map((q) => q.id));
  for (const list of points.values()) sortInOrder(list, byTime);
  for (const at of times.values()) sortInOrder(at, (a, b) => a - b);
  for (const query of queries) {
    const engines = query.enginesId === undefined ? undefined : times.get(query.enginesId);
    if (engines === undefined || incompleteIds.has(query.id)) continue;
    // Every zero falls at or after `start`: a period needs RECENTLY_ACTIVE_MS of reads before it.
    const zeros = neverRequestedPeriods({ kindPeriods: times.get(query.id) as number[], reportingPeriods: engines, readFromMs: readFrom.getTime() });
    if (zeros.length > 0) points.set(query.id, sortInOrder([...(points.get(query.id) as LoadPoint[]), ...zeros.map((atMs) => ({ atMs, load: 0 }))], byTime));
  }
  return points;
}
