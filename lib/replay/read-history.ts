import type { MetricStat } from '@aws-sdk/client-cloudwatch';
import { forEachDatapoint, readMetricData, type IncompleteQuery } from '../aws/metric-data.js';
import type { CloudWatchPort } from '../aws/ports.js';
import { describeError, type RetryPolicy } from '../aws/retry.js';
import type { ControllerConfig, FleetConfig } from '../config/schema.js';
import { fleetLevelQueries, readSignals } from '../fleet/read-signals.js';
import { fleetLevelObservations, type FleetSeries, type PeriodObservation } from '../fleet/observation.js';
import { configuredKinds } from '../fleet/recommend.js';
import { RECENTLY_ACTIVE_MS } from '../fleet/kind-history.js';
import { loadQueries } from '../predict/history.js';
import { forecastReadSpan, HISTORY_PERIOD_SECONDS } from '../predict/provider.js';
import { sortInOrder } from '../sorted-search.js';
import type { RecordedSeries } from './recorded-cloudwatch.js';

export class ReplayReadError extends Error {
  override readonly name = 'ReplayReadError';
}

/**
 * A fleet's recorded observations over [start, end): the fleet-level aggregates
 * (fleetLevelQueries: instances came and went over the span, one GetMetricData per 500 queries, NextToken followed),
 * over the whole span at once, cut into the same per-period observations. The recorded
 * instance count of a period is the number of Engines that reported in it.
 */
export async function readFleetHistory(
  cloudwatch: CloudWatchPort,
  config: ControllerConfig,
  fleet: FleetConfig,
  start: Date,
  end: Date,
  retry?: RetryPolicy,
): Promise<{ observations: PeriodObservation[]; recordedInstances: Map<number, number> }> {
  const periodMs = config.periodSeconds * 1000;
  const startMs = Math.floor(start.getTime() / periodMs) * periodMs;
  const endMs = Math.ceil(end.getTime() / periodMs) * periodMs;
  const series = await readSignals(cloudwatch, fleetLevelQueries(config, fleet, 0), { start: new Date(startMs), end: new Date(endMs), periodSeconds: config.periodSeconds }, 1, retry);
  const starts: number[] = [];
  for (let t = startMs; t < endMs; t += periodMs) starts.push(t);
  const observations = fleetLevelObservations(series[0] as FleetSeries, configuredKinds(fleet), starts, config.periodSeconds / config.scrapeIntervalSeconds);
  const recordedInstances = new Map<number, number>();
  for (const o of observations) if (o.reportingInstances !== undefined) recordedInstances.set(o.at.getTime(), o.reportingInstances);
  return { observations, recordedInstances };
}

/**
 * What the live forecast provider would have read at every tick of [from, to): its own load
 * queries (lib/predict/history.ts), one-minute ones from the first tick's recent window
 * and five-minute ones from its cold start's weeks of history, each with the look-back
 * readLoads adds, up to `to`. Raw, as CloudWatch answered, for recordedCloudWatch to serve.
 */
export async function readForecastHistory(
  cloudwatch: CloudWatchPort,
  config: ControllerConfig,
  fleet: FleetConfig,
  from: Date,
  to: Date,
  retry?: RetryPolicy,
  onIncomplete?: (queries: IncompleteQuery[]) => void,
): Promise<RecordedSeries[]> {
  const span = forecastReadSpan(config, from);
  const reads = [
    { queries: loadQueries(config, fleet, 'm', 60), startMs: span.recentStartMs - RECENTLY_ACTIVE_MS },
    { queries: loadQueries(config, fleet, 'f', HISTORY_PERIOD_SECONDS), startMs: span.historyStartMs - RECENTLY_ACTIVE_MS },
  ];
  const recorded: RecordedSeries[] = [];
  for (const read of reads) {
    const periodMs = (read.queries[0]?.query.MetricStat?.Period ?? 60) * 1000;
    // Buckets count from StartTime: aligned as the provider aligns its own.
    const startMs = Math.floor(read.startMs / periodMs) * periodMs;
    const failure = (cause: unknown) => new ReplayReadError(`reading ${fleet.name}'s load for the forecast ${new Date(startMs).toISOString()}..${to.toISOString()} failed: ${describeError(cause)}`, { cause });
    const byId = new Map(read.queries.map((q) => [q.id, { stat: q.query.MetricStat as MetricStat, points: [] as Array<[number, number]> }]));
    const incomplete = await readMetricData(cloudwatch, { queries: read.queries.map((q) => q.query), start: new Date(startMs), end: to, scanBy: 'TimestampAscending', retry, failure }, (result) => {
      const series = result.Id === undefined ? undefined : byId.get(result.Id);
      if (series === undefined) throw new ReplayReadError(`GetMetricData answered an unknown query id ${JSON.stringify(result.Id)}`);
      forEachDatapoint(result, (atMs, value) => series.points.push([atMs, value]));
    });
    if (incomplete.length > 0) onIncomplete?.(incomplete);
    for (const { stat, points } of byId.values()) {
      sortInOrder(points, (a, b) => a[0] - b[0]);
      recorded.push({ stat, startMs, endMs: to.getTime(), atMs: points.map((p) => p[0]), values: points.map((p) => p[1]) });
    }
  }
  return recorded;
}
