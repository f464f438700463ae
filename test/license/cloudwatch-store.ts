import { CloudWatchClient, GetMetricDataCommand, PutMetricDataCommand, type MetricDataResult } from '@aws-sdk/client-cloudwatch';
import { mockClient } from 'aws-sdk-client-mock';
import type { Datapoint } from './alarm-model.js';

interface Stored {
  namespace: string;
  name: string;
  dimensions: string;
  at: Date;
  value: number;
}

const key = (dimensions: { Name?: string; Value?: string }[] | undefined) => (dimensions ?? []).map((d) => `${d.Name}=${d.Value}`).join(',');

/**
 * CloudWatch in memory for scenarios: PutMetricData stores, GetMetricData answers
 * Maximum per period from what was stored, newest first. Exact-match dimensions, as CloudWatch.
 */
export function memoryCloudWatch() {
  const mock = mockClient(CloudWatchClient);
  const stored: Stored[] = [];
  mock.on(PutMetricDataCommand).callsFake((input: PutMetricDataCommand['input']) => {
    for (const d of input.MetricData ?? []) {
      stored.push({ namespace: input.Namespace ?? '', name: d.MetricName ?? '', dimensions: key(d.Dimensions), at: d.Timestamp as Date, value: d.Value ?? NaN });
    }
    return {};
  });
  mock.on(GetMetricDataCommand).callsFake((input: GetMetricDataCommand['input']) => {
    const start = (input.StartTime as Date).getTime();
    const end = (input.EndTime as Date).getTime();
    const results: MetricDataResult[] = (input.MetricDataQueries ?? []).map((query) => {
      const stat = query.MetricStat;
      const periodMs = (stat?.Period ?? 60) * 1000;
      const buckets = new Map<number, number>();
      for (const s of stored) {
        const t = s.at.getTime();
        if (s.namespace !== stat?.Metric?.Namespace || s.name !== stat?.Metric?.MetricName || s.dimensions !== key(stat?.Metric?.Dimensions) || t < start || t >= end) continue;
        const bucket = Math.floor(t / periodMs) * periodMs;
        buckets.set(bucket, Math.max(buckets.get(bucket) ?? -Infinity, s.value));
      }
      const newestFirst = [...buckets].sort(([a], [b]) => b - a);
      return { Id: query.Id, StatusCode: 'Complete', Timestamps: newestFirst.map(([t]) => new Date(t)), Values: newestFirst.map(([, v]) => v) };
    });
    return { MetricDataResults: results };
  });
  return {
    mock,
    series(name: string, dimensions = ''): Datapoint[] {
      return stored.filter((s) => s.name === name && s.dimensions === dimensions).map((s) => ({ at: s.at, value: s.value }));
    },
  };
}
