import { ListMetricsCommand, type MetricDataQuery, type MetricDataResult } from '@aws-sdk/client-cloudwatch';
import { forEachDatapoint, readMetricData, type IncompleteQuery } from '../aws/metric-data.js';
import type { CloudWatchPort } from '../aws/ports.js';
import { forEachPage } from '../aws/pages.js';
import { describeError, type RetryPolicy } from '../aws/retry.js';
import type { ControllerConfig, FleetConfig } from '../config/schema.js';
import { ENGINE_METRICS, INSTANCE_DIMENSION, KIND_DIMENSION, REQUEST_KINDS, STATUS_DIMENSION, fleetDimensions, type RequestKind } from './engine-metrics.js';
import { emptyInstanceSeries, type FleetSeries, type InstanceSeries } from './observation.js';
import { PeriodSlots, type PeriodValues } from './period-values.js';
import { configuredKinds } from './recommend.js';

/*
 * Reading the fleets' load signals from CloudWatch, for the scale tick, the redeploy's
 * baseline and replay: the window a tick reads, the queries each fleet needs, the
 * ListMetrics walk that says which kinds each instance has ever been asked for, and the
 * GetMetricData read into per-fleet series. What the series mean (observations, kinds
 * known or not, the recommendation) is decided by the pure rules beside it
 * (observation.ts, kind-readings.ts, recommend.ts), which read nothing.
 */

/** A failed or unreadable answer of ListMetrics or GetMetricData. */
export class SignalReadError extends Error {
  override readonly name = 'SignalReadError';
}

export interface QueryWindow {
  start: Date;
  end: Date;
  periodSeconds: number;
}

/**
 * The GetMetricData window for a tick at `now`: `lookbackPeriods` whole periods, aligned
 * to period boundaries (CloudWatch answers aligned windows faster and buckets them
 * predictably), ending at the start of the still-filling period so that a half-filled
 * period never reads as a drop in load.
 */
export function queryWindow(now: Date, periodSeconds: number, lookbackPeriods: number): QueryWindow {
  const periodMs = periodSeconds * 1000;
  const endMs = Math.floor(now.getTime() / periodMs) * periodMs;
  return { start: new Date(endMs - lookbackPeriods * periodMs), end: new Date(endMs), periodSeconds };
}

/** Periods the decision needs: the longer stabilisation window plus the staleness allowance. */
export function lookbackPeriodsFor(maxWindowSeconds: number, staleAfterSeconds: number, periodSeconds: number): number {
  return Math.max(1, Math.ceil((maxWindowSeconds + staleAfterSeconds) / periodSeconds) + 1);
}

export type SignalKey =
  | { signal: 'active'; kind: RequestKind; instanceId: string }
  | { signal: 'limit'; instanceId: string }
  | { signal: 'capacity'; instanceId: string }
  | { signal: 'rejected'; status: string }
  | { signal: 'backlog' }
  | { signal: 'fleetActive'; kind: RequestKind }
  | { signal: 'samples' }
  | { signal: 'fleetCapacity' };

/** A query of a fleet CloudWatch did not answer whole (lib/aws/metric-data.ts), and what it asked for. */
export interface IncompleteSignal extends IncompleteQuery {
  key: SignalKey;
}

export interface FleetQuery {
  /** GetMetricData query id: unique in the call, ^[a-z][a-zA-Z0-9_]*$. */
  id: string;
  fleetIndex: number;
  key: SignalKey;
  query: MetricDataQuery;
}

type Dimension = { Name: string; Value: string };

function dimensionList(values: Record<string, string>): Dimension[] {
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
  // The fleet's dimensions come first, then the metric's own (none shares a name with them).
  const base = dimensionList(fleetDimensions(fleet.target));
  const period = config.periodSeconds;
  const metricStat = (id: string, key: SignalKey, namespace: string, metricName: string, dimensions: Dimension[], statistic: string): FleetQuery => ({
    id,
    fleetIndex,
    key,
    query: { Id: id, MetricStat: { Metric: { Namespace: namespace, MetricName: metricName, Dimensions: dimensions }, Period: period, Stat: statistic }, ReturnData: true },
  });
  const engine = (id: string, key: SignalKey, metricName: string, extra: Dimension[], statistic: string) => metricStat(id, key, config.engineNamespace, metricName, [...base, ...extra], statistic);
  const kinds = configuredKinds(fleet);
  const queries: FleetQuery[] = [];
  instanceIds.forEach((instanceId, i) => {
    const instance = { Name: INSTANCE_DIMENSION, Value: instanceId };
    for (const kind of kinds) queries.push(engine(`f${fleetIndex}_i${i}_${kind}`, { signal: 'active', kind, instanceId }, ENGINE_METRICS.activeRequests, [instance, { Name: KIND_DIMENSION, Value: kind }], 'Sum'));
    // Minimum: the lowest limit an Engine reported in the period is the one it enforced.
    queries.push(engine(`f${fleetIndex}_i${i}_limit`, { signal: 'limit', instanceId }, ENGINE_METRICS.maxActiveRequests, [instance], 'Minimum'));
    if (fleet.kinds.stream?.capacity === 'engine') {
      queries.push(engine(`f${fleetIndex}_i${i}_capacity`, { signal: 'capacity', instanceId }, ENGINE_METRICS.estimatedStreamCapacity, [instance], 'Average'));
    }
  });
  for (const status of config.rejectedStatuses) {
    queries.push(engine(`f${fleetIndex}_rejected_${status}`, { signal: 'rejected', status }, ENGINE_METRICS.requestsTotal, [{ Name: STATUS_DIMENSION, Value: status }], 'Sum'));
  }
  if (fleet.backlog) {
    const { namespace, metricName, dimensions, statistic } = fleet.backlog.metric;
    queries.push(metricStat(`f${fleetIndex}_backlog`, { signal: 'backlog' }, namespace, metricName, dimensionList(dimensions), statistic));
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

/** Which kinds each instance has an engine_active_requests series for, by instance id. */
export type SeriesPresence = ReadonlyMap<string, ReadonlySet<RequestKind>>;

const KINDS = new Set<string>(REQUEST_KINDS);

/** The longest window whose instance signals are kept in slots (a day of one-minute periods). */
const MAX_SLOTTED_PERIODS = 1440;

/**
 * One ListMetrics walk for every fleet: the instance-level engine_active_requests series
 * that received data in the past three hours (RecentlyActive PT3H), filtered on the
 * namespace, the metric name and the presence of the InstanceId dimension (a dimension
 * filter without a value matches any value), 500 a page, following NextToken.
 *
 * Three hours, not the default two weeks: a kind whose series has been silent that long on
 * an instance that still reports is an Engine restarted since (its gauges start over), so
 * it is rightly read as never requested.
 */
export async function listEngineSeries(cloudwatch: CloudWatchPort, namespace: string, retry?: RetryPolicy): Promise<SeriesPresence> {
  const presence = new Map<string, Set<RequestKind>>();
  await forEachPage(
    'cloudwatch:ListMetrics',
    {
      send: (token) =>
        cloudwatch.send(new ListMetricsCommand({ Namespace: namespace, MetricName: ENGINE_METRICS.activeRequests, Dimensions: [{ Name: INSTANCE_DIMENSION }], RecentlyActive: 'PT3H', NextToken: token })),
      retry,
      failure: (cause) => new SignalReadError(`listing the ${ENGINE_METRICS.activeRequests} series of ${namespace} failed: ${describeError(cause)}`, { cause }),
    },
    (page) => {
      for (const metric of page.Metrics ?? []) {
        const dimensions = metric.Dimensions ?? [];
        const instanceId = dimensions.find((d) => d.Name === INSTANCE_DIMENSION)?.Value;
        const kind = dimensions.find((d) => d.Name === KIND_DIMENSION)?.Value;
        if (instanceId === undefined || kind === undefined || !KINDS.has(kind)) continue;
        let kinds = presence.get(instanceId);
        if (!kinds) presence.set(instanceId, (kinds = new Set()));
        kinds.add(kind as RequestKind);
      }
    },
  );
  return presence;
}

export function emptySeries(): FleetSeries {
  return { instances: new Map(), rejectedSum: new Map(), backlog: new Map(), fleetActive: {}, fleetSamples: new Map(), fleetCapacity: new Map(), incomplete: [] };
}

/**
 * Reads every fleet's signals in as few GetMetricData calls as the 500-query limit
 * allows, following NextToken. A query CloudWatch did not answer whole (any StatusCode
 * but Complete once paging ended, or no result for its Id) keeps what it returned and is
 * recorded in its fleet's `incomplete`; an instance's kind among them counts as a series
 * that exists, so a period it lacks is unknown, never "never requested" (zero).
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
  const periodMs = window.periodSeconds * 1000;
  const periods = Math.ceil((window.end.getTime() - window.start.getTime()) / periodMs);
  // An instance's signals are kept one slot per period of the window; a window longer than
  // a tick's (none reads one per instance) keeps them in Maps instead of slots it may not fill.
  const values: () => PeriodValues = periods > 0 && periods <= MAX_SLOTTED_PERIODS ? () => new PeriodSlots(window.start.getTime(), periodMs, periods) : () => new Map();
  const incomplete = await readMetricData(
    cloudwatch,
    { queries: queries.map((q) => q.query), start: window.start, end: window.end, scanBy: 'TimestampDescending', retry },
    (result) => {
      const query = result.Id === undefined ? undefined : byId.get(result.Id);
      if (query === undefined) throw new SignalReadError(`GetMetricData answered an unknown query id ${JSON.stringify(result.Id)}`);
      addResult(series[query.fleetIndex] as FleetSeries, query, result, values);
    },
  );
  for (const found of incomplete) {
    const query = byId.get(found.id) as FleetQuery;
    const fleetSeries = series[query.fleetIndex] as FleetSeries;
    fleetSeries.incomplete.push({ ...found, key: query.key });
    if (query.key.signal === 'active') instance(fleetSeries, query.key.instanceId, values).incompleteKinds.add(query.key.kind);
  }
  return series;
}

/** The one warning a tick logs for a fleet whose signals CloudWatch did not answer whole, or undefined when it did. */
export function incompleteSignalsWarning(fleet: string, series: FleetSeries): { message: string; fields: Record<string, unknown> } | undefined {
  if (series.incomplete.length === 0) return undefined;
  return {
    message: 'metrics incomplete: what the queries lack is unknown, never zero; the fleet does not shrink on it',
    fields: { fleet, queries: series.incomplete.map(({ id, statusCode, messages }) => ({ id, statusCode, messages })) },
  };
}

function addResult(series: FleetSeries, query: FleetQuery, result: MetricDataResult, values: () => PeriodValues): void {
  const target = targetMap(series, query, values);
  forEachDatapoint(result, (atMs, value) => target.set(atMs, value));
}

function instance(series: FleetSeries, instanceId: string, values: () => PeriodValues): InstanceSeries {
  let found = series.instances.get(instanceId);
  if (!found) series.instances.set(instanceId, (found = emptyInstanceSeries(values)));
  return found;
}

function targetMap(series: FleetSeries, query: FleetQuery, values: () => PeriodValues): PeriodValues {
  const key = query.key;
  switch (key.signal) {
    case 'active':
      return (instance(series, key.instanceId, values).active[key.kind] ??= values());
    case 'limit':
      return instance(series, key.instanceId, values).limit;
    case 'capacity':
      return instance(series, key.instanceId, values).capacity;
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
