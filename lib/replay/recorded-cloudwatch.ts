import { GetMetricDataCommand, type MetricDataQuery, type MetricDataResult, type MetricStat } from '@aws-sdk/client-cloudwatch';
import type { CloudWatchPort } from '../aws/ports.js';
import { firstIndexNotBefore } from '../sorted-search.js';

/** One metric statistic at one period as CloudWatch answered it over [startMs, endMs): timestamps ascending. */
export interface RecordedSeries {
  stat: MetricStat;
  startMs: number;
  endMs: number;
  atMs: number[];
  values: number[];
}

export class RecordedCloudWatchError extends Error {
  override readonly name = 'RecordedCloudWatchError';
}

/**
 * A read-only CloudWatch that answers GetMetricData from series read before, for the
 * replay's forecast: the live provider runs against it unchanged. A period is answered
 * only once it is over by `publishedBy()` (the replay's tick) and by the request's
 * EndTime, so no answer holds anything a live tick could not yet have read. CloudWatch
 * would also answer the period under way with its data so far; the provider keeps only
 * whole periods of history, and the recorded totals cannot be cut. A request for
 * a statistic or a span that was not read is an error, never an empty answer: the
 * provider would read it as data missing and forecast from less than the live one did.
 */
export function recordedCloudWatch(recorded: readonly RecordedSeries[], publishedBy: () => number): CloudWatchPort {
  const byKey = new Map(recorded.map((series) => [statKey(series.stat), series]));
  const send = async (command: unknown) => {
    if (!(command instanceof GetMetricDataCommand)) throw new RecordedCloudWatchError(`the recorded history answers only GetMetricData (got ${(command as object)?.constructor?.name ?? typeof command})`);
    const { StartTime, EndTime, MetricDataQueries } = command.input;
    if (!(StartTime instanceof Date) || !(EndTime instanceof Date)) throw new RecordedCloudWatchError('GetMetricData: StartTime and EndTime must be Dates');
    const startMs = StartTime.getTime();
    const endMs = EndTime.getTime();
    const results: MetricDataResult[] = (MetricDataQueries ?? []).map((query) => answer(query, startMs, Math.min(endMs, publishedBy())));
    return { MetricDataResults: results, Messages: [] };
  };

  function answer(query: MetricDataQuery, startMs: number, untilMs: number): MetricDataResult {
    const stat = query.MetricStat;
    if (stat?.Period === undefined) throw new RecordedCloudWatchError(`GetMetricData query ${query.Id}: the recorded history answers only MetricStat queries with a Period`);
    const series = byKey.get(statKey(stat));
    if (series === undefined) throw new RecordedCloudWatchError(`GetMetricData query ${query.Id}: ${statKey(stat)} was not read for the replay`);
    if (startMs < series.startMs || untilMs > series.endMs) {
      const asked = `${new Date(startMs).toISOString()}..${new Date(untilMs).toISOString()}`;
      throw new RecordedCloudWatchError(`GetMetricData query ${query.Id}: asks ${asked}, the replay read ${stat.Metric?.MetricName} ${new Date(series.startMs).toISOString()}..${new Date(series.endMs).toISOString()}`);
    }
    const periodMs = stat.Period * 1000;
    const timestamps: Date[] = [];
    const values: number[] = [];
    for (let i = firstIndexNotBefore(series.atMs.length, (j) => (series.atMs[j] as number) < startMs); i < series.atMs.length; i++) {
      const atMs = series.atMs[i] as number;
      if (atMs + periodMs > untilMs) break;
      timestamps.push(new Date(atMs));
      values.push(series.values[i] as number);
    }
    return { Id: query.Id, Label: stat.Metric?.MetricName, Timestamps: timestamps, Values: values, StatusCode: 'Complete' };
  }

  return { send } as CloudWatchPort;
}

/** The metric, its dimensions in any order, the statistic and the period: what tells two queries' data apart. */
export function statKey(stat: MetricStat): string {
  const dimensions = [...(stat.Metric?.Dimensions ?? [])].map((d) => `${d.Name}=${d.Value}`).sort();
  return JSON.stringify([stat.Metric?.Namespace, stat.Metric?.MetricName, dimensions, stat.Stat, stat.Period, stat.Unit ?? null]);
}
