import { GetMetricDataCommand, ListMetricsCommand, type Dimension } from '@aws-sdk/client-cloudwatch';
import type { CloudWatchPort } from '../../lib/aws/ports.js';
import type { Json, Resource } from './template.js';

/**
 * How CloudWatch would judge one alarm of the packaged template at `at`, over the metrics a
 * simulated run published (the simulated CloudWatch answers ListMetrics and GetMetricData
 * like AWS). Covers the two shapes the stack uses: a plain metric alarm, and a Metrics
 * Insights alarm `SELECT F(metric) FROM SCHEMA(ns, dims...) GROUP BY dim`, whose every group
 * is a contributor judged on its own series. A datapoint breaches by the alarm's comparison;
 * a missing one by TreatMissingData; ALARM when at least DatapointsToAlarm of the last
 * EvaluationPeriods complete periods breach.
 */
export interface AlarmVerdict {
  /** The GROUP BY value, or '' for a plain metric alarm. */
  contributor: string;
  alarm: boolean;
  /** Oldest first; undefined = no datapoint. */
  datapoints: Array<number | undefined>;
}

const INSIGHTS = /^SELECT (SUM|MIN|MAX|AVG|COUNT)\((\w+)\) FROM SCHEMA\(([^,()]+)((?:, *\w+)*)\) GROUP BY (\w+)$/;
const STAT: Record<string, string> = { SUM: 'Sum', MIN: 'Minimum', MAX: 'Maximum', AVG: 'Average', COUNT: 'SampleCount' };

export class AlarmEvalError extends Error {
  override readonly name = 'AlarmEvalError';
}

export async function evaluateAlarm(cloudwatch: CloudWatchPort, alarm: Resource, at: Date): Promise<AlarmVerdict[]> {
  const p = (alarm.Properties ?? {}) as Record<string, Json>;
  const evaluationPeriods = p.EvaluationPeriods as number;
  const toAlarm = (p.DatapointsToAlarm as number | undefined) ?? evaluationPeriods;
  const breaches = comparison(p.ComparisonOperator as string, p.Threshold as number);
  const missing = p.TreatMissingData as string;
  const judge = (contributor: string, datapoints: Array<number | undefined>): AlarmVerdict => {
    const breached = datapoints.filter((v) => (v === undefined ? missing === 'breaching' : breaches(v))).length;
    return { contributor, alarm: breached >= toAlarm, datapoints };
  };

  const metrics = p.Metrics as Array<Record<string, Json>> | undefined;
  if (metrics) {
    const [query] = metrics;
    const expression = String(query?.Expression ?? '');
    const match = INSIGHTS.exec(expression);
    if (!match) throw new AlarmEvalError(`Metrics Insights query outside the modelled grammar: ${expression}`);
    const [, fn, metricName, namespace, dimsList, groupBy] = match as unknown as [string, string, string, string, string, string];
    const schema = dimsList.split(',').map((d) => d.trim()).filter(Boolean).sort();
    const period = query?.Period as number;
    const listed = await cloudwatch.send(new ListMetricsCommand({ Namespace: namespace.trim(), MetricName: metricName }));
    // SCHEMA(ns, a, b) matches the series whose dimension names are exactly {a, b}.
    const series = (listed.Metrics ?? []).filter((m) => (m.Dimensions ?? []).map((d) => d.Name).sort().join(',') === schema.join(','));
    const groups = new Map<string, Dimension[][]>();
    for (const s of series) {
      const key = s.Dimensions?.find((d) => d.Name === groupBy)?.Value ?? '';
      groups.set(key, [...(groups.get(key) ?? []), s.Dimensions ?? []]);
    }
    const verdicts: AlarmVerdict[] = [];
    for (const [contributor, dimensionSets] of groups) {
      const perSeries = await Promise.all(dimensionSets.map((dimensions) => read(cloudwatch, namespace.trim(), metricName, dimensions, STAT[fn] as string, period, evaluationPeriods, at)));
      const combined = perSeries[0]!.map((_, i) => combine(fn, perSeries.map((s) => s[i]).filter((v): v is number => v !== undefined)));
      verdicts.push(judge(contributor, combined));
    }
    return verdicts;
  }
  const dimensions = ((p.Dimensions as Array<{ Name: string; Value: Json }> | undefined) ?? []).map((d) => {
    if (typeof d.Value !== 'string') throw new AlarmEvalError(`dimension ${d.Name} is not a literal: ${JSON.stringify(d.Value)}`);
    return { Name: d.Name, Value: d.Value };
  });
  const datapoints = await read(cloudwatch, p.Namespace as string, p.MetricName as string, dimensions, p.Statistic as string, p.Period as number, evaluationPeriods, at);
  return [judge('', datapoints)];
}

function comparison(operator: string, threshold: number): (v: number) => boolean {
  switch (operator) {
    case 'GreaterThanOrEqualToThreshold':
      return (v) => v >= threshold;
    case 'GreaterThanThreshold':
      return (v) => v > threshold;
    case 'LessThanThreshold':
      return (v) => v < threshold;
    case 'LessThanOrEqualToThreshold':
      return (v) => v <= threshold;
    default:
      throw new AlarmEvalError(`comparison ${operator} is not modelled`);
  }
}

function combine(fn: string, values: number[]): number | undefined {
  if (values.length === 0) return undefined;
  switch (fn) {
    case 'MIN':
      return Math.min(...values);
    case 'MAX':
      return Math.max(...values);
    case 'AVG':
      return values.reduce((a, b) => a + b, 0) / values.length;
    default:
      return values.reduce((a, b) => a + b, 0);
  }
}

/** The last `periods` complete periods before `at`, oldest first. */
async function read(cloudwatch: CloudWatchPort, namespace: string, metricName: string, dimensions: Dimension[], stat: string, period: number, periods: number, at: Date): Promise<Array<number | undefined>> {
  const periodMs = period * 1000;
  const end = Math.floor(at.getTime() / periodMs) * periodMs;
  const start = end - periods * periodMs;
  const answer = await cloudwatch.send(
    new GetMetricDataCommand({
      StartTime: new Date(start),
      EndTime: new Date(end),
      MetricDataQueries: [{ Id: 'q', MetricStat: { Metric: { Namespace: namespace, MetricName: metricName, Dimensions: dimensions }, Period: period, Stat: stat }, ReturnData: true }],
    }),
  );
  const byTime = new Map<number, number>();
  for (const result of answer.MetricDataResults ?? []) (result.Timestamps ?? []).forEach((t, i) => byTime.set(new Date(t).getTime(), result.Values?.[i] as number));
  return Array.from({ length: periods }, (_, i) => byTime.get(start + i * periodMs));
}
