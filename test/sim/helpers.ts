import { GetMetricDataCommand, type GetMetricDataCommandOutput } from '@aws-sdk/client-cloudwatch';
import { SimCloud } from '../../sim/cloud.js';
import type { GroupOptions } from '../../sim/groups.js';

export const START = new Date('2026-03-02T00:00:00Z');

export function cloudWithGroup(group: Partial<GroupOptions> = {}, seed = 1): SimCloud {
  const cloud = new SimCloud({ start: START, seed });
  cloud.addAutoScalingGroup({ name: 'gpu', minSize: 0, maxSize: 10, desiredCapacity: 1, ...group });
  return cloud;
}

export function stepTo(cloud: SimCloud, minute: number): void {
  while (cloud.minute < minute) cloud.step();
}

/** One MetricStat query over [from, to) minutes of the simulation. */
export async function query(
  cloud: SimCloud,
  metric: string,
  dimensions: Record<string, string>,
  stat: string,
  fromMinute: number,
  toMinute: number,
  period = 60,
  extra: { ScanBy?: 'TimestampAscending' | 'TimestampDescending' } = {},
): Promise<GetMetricDataCommandOutput> {
  return cloud.ports.cloudwatch.send(
    new GetMetricDataCommand({
      StartTime: cloud.clock.dateOf(fromMinute),
      EndTime: cloud.clock.dateOf(toMinute),
      MetricDataQueries: [
        {
          Id: 'q',
          MetricStat: {
            Metric: { Namespace: 'Deepgram/Engine', MetricName: metric, Dimensions: Object.entries(dimensions).map(([Name, Value]) => ({ Name, Value })) },
            Period: period,
            Stat: stat,
          },
        },
      ],
      ...extra,
    }),
  );
}

/** Minutes (since start) and values of the first result. */
export function points(out: GetMetricDataCommandOutput, cloud: SimCloud): Array<[number, number]> {
  const r = out.MetricDataResults?.[0];
  return (r?.Timestamps ?? []).map((t, i) => [cloud.clock.minuteOf(t), r?.Values?.[i] ?? Number.NaN]);
}
