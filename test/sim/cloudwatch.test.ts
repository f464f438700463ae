import { GetMetricDataCommand, PutMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import { describe, expect, it } from 'vitest';
import { SimulationError } from '../../sim/errors.js';
import { scriptedTraffic } from '../../sim/traffic.js';
import { cloudWithGroup, points, query, START, stepTo } from './helpers.js';
import { SimCloud } from '../../sim/cloud.js';

const FLEET = { AutoScalingGroupName: 'gpu' };

describe('GetMetricData over the Engine metrics', () => {
  it('matches dimensions exactly: a subset or a superset of the published set finds nothing', async () => {
    const cloud = cloudWithGroup({ traffic: scriptedTraffic((m) => (m === 1 ? [5] : [])) });
    stepTo(cloud, 3);
    const id = cloud.group('gpu').instances[0]!.id;
    const cases: Array<[string, Record<string, string>, number]> = [
      ['fleet set', { ...FLEET, kind: 'stream' }, 2],
      ['instance set (fleet dimensions + InstanceId, as the agent configuration publishes it)', { ...FLEET, InstanceId: id, kind: 'stream' }, 2],
      ['fleet without kind', FLEET, 0],
      ['instance without the fleet dimension', { InstanceId: id, kind: 'stream' }, 0],
      ['no dimensions', {}, 0],
    ];
    for (const [name, dims, expected] of cases) {
      const out = await query(cloud, 'engine_active_requests', dims, 'Sum', 0, 3);
      expect(points(out, cloud).length, name).toBe(expected);
    }
  });

  it('computes Sum, Average, Minimum, Maximum and SampleCount over a period across instances', async () => {
    // two instances; minute 1: 3 streams -> loads 2 and 1; minute 2: 1 more -> 2 and 2
    const cloud = cloudWithGroup({ desiredCapacity: 2, traffic: scriptedTraffic((m) => (m === 1 ? [10, 10, 10] : m === 2 ? [10] : [])) });
    stepTo(cloud, 3);
    const stat = async (s: string) => points(await query(cloud, 'engine_active_requests', { ...FLEET, kind: 'stream' }, s, 1, 3, 120), cloud);
    // one 120 s period from minute 1 holds the samples of minutes 1 and 2: 2, 1, 2, 2
    expect(await stat('Sum')).toEqual([[1, 7]]); // 2 + 1 + 2 + 2
    expect(await stat('Average')).toEqual([[1, 1.75]]); // 7 / 4
    expect(await stat('Minimum')).toEqual([[1, 1]]);
    expect(await stat('Maximum')).toEqual([[1, 2]]);
    expect(await stat('SampleCount')).toEqual([[1, 4]]);
  });

  it('returns newest first unless ScanBy is TimestampAscending, stamped at period starts', async () => {
    const cloud = cloudWithGroup({ traffic: scriptedTraffic((m) => (m <= 3 ? [10] : [])) });
    stepTo(cloud, 5);
    const dims = { ...FLEET, kind: 'stream' };
    // at minute 5 the samples of minutes 1..4 are visible, the one of minute 5 is not yet
    expect(points(await query(cloud, 'engine_active_requests', dims, 'Maximum', 0, 10), cloud)).toEqual([
      [4, 3],
      [3, 3],
      [2, 2],
      [1, 1],
    ]);
    expect(points(await query(cloud, 'engine_active_requests', dims, 'Maximum', 0, 10, 60, { ScanBy: 'TimestampAscending' }), cloud).map(([m]) => m)).toEqual([1, 2, 3, 4]);
  });

  it('publishes capacity and per-minute completion deltas; booting instances publish nothing', async () => {
    const cloud = cloudWithGroup({ desiredCapacity: 1, traffic: scriptedTraffic((m) => (m === 1 ? [1, 1, 2] : [])) });
    stepTo(cloud, 4);
    expect(points(await query(cloud, 'engine_estimated_stream_capacity', FLEET, 'Sum', 0, 4, 60, { ScanBy: 'TimestampAscending' }), cloud)).toEqual([
      [1, 150],
      [2, 150],
      [3, 150],
    ]);
    // two streams of 1 minute end at minute 2, the 2-minute one at minute 3
    expect(points(await query(cloud, 'engine_requests_total', { ...FLEET, response_status: '200' }, 'Sum', 0, 4, 60, { ScanBy: 'TimestampAscending' }), cloud)).toEqual([
      [1, 0],
      [2, 2],
      [3, 1],
    ]);
    const booting = cloudWithGroup({ desiredCapacity: 1, initialInstancesServing: false });
    stepTo(booting, 5);
    expect(points(await query(booting, 'engine_estimated_stream_capacity', FLEET, 'Sum', 0, 5), booting)).toEqual([]);
  });

  it('pages with MaxDatapoints and NextToken', async () => {
    const cloud = cloudWithGroup();
    stepTo(cloud, 6);
    const base = {
      StartTime: cloud.clock.dateOf(0),
      EndTime: cloud.clock.dateOf(6),
      MaxDatapoints: 3,
      MetricDataQueries: [{ Id: 'c', MetricStat: { Metric: { Namespace: 'Deepgram/Engine', MetricName: 'engine_estimated_stream_capacity', Dimensions: [{ Name: 'AutoScalingGroupName', Value: 'gpu' }] }, Period: 60, Stat: 'Sum' } }],
    };
    const first = await cloud.ports.cloudwatch.send(new GetMetricDataCommand(base));
    expect(first.MetricDataResults?.[0]?.StatusCode).toBe('PartialData');
    expect(first.MetricDataResults?.[0]?.Values).toHaveLength(3);
    const second = await cloud.ports.cloudwatch.send(new GetMetricDataCommand({ ...base, NextToken: first.NextToken }));
    // minutes 1..5 are visible: 5 points, 3 then 2
    expect(second.MetricDataResults?.[0]?.Values).toHaveLength(2);
    expect(second.MetricDataResults?.[0]?.StatusCode).toBe('Complete');
    expect(second.NextToken).toBeUndefined();
  });

  it.each<[string, 'TimestampAscending' | 'TimestampDescending', Array<Array<[string, number[]]>>]>([
    // minutes 1..5 visible: capacity 150 each, 200-status completions 0 each; 4 points a page
    [
      'newest first',
      'TimestampDescending',
      [
        [['c', [5, 4, 3, 2]]],
        [
          ['c', [1]],
          ['d', [5, 4, 3]],
        ],
        [['d', [2, 1]]],
      ],
    ],
    [
      'oldest first',
      'TimestampAscending',
      [
        [['c', [1, 2, 3, 4]]],
        [
          ['c', [5]],
          ['d', [1, 2, 3]],
        ],
        [['d', [4, 5]]],
      ],
    ],
  ])('pages two queries %s: a page ends inside a query and the next resumes after its last point', async (_name, scanBy, pages) => {
    const cloud = cloudWithGroup();
    stepTo(cloud, 6);
    const metric = (MetricName: string, Dimensions: Array<{ Name: string; Value: string }>) => ({ Metric: { Namespace: 'Deepgram/Engine', MetricName, Dimensions }, Period: 60, Stat: 'Sum' });
    const base = {
      StartTime: cloud.clock.dateOf(0),
      EndTime: cloud.clock.dateOf(6),
      MaxDatapoints: 4,
      ScanBy: scanBy,
      MetricDataQueries: [
        { Id: 'c', MetricStat: metric('engine_estimated_stream_capacity', [{ Name: 'AutoScalingGroupName', Value: 'gpu' }]) },
        // dimensions given out of order find the same series
        { Id: 'd', MetricStat: metric('engine_requests_total', [{ Name: 'response_status', Value: '200' }, { Name: 'AutoScalingGroupName', Value: 'gpu' }]) },
      ],
    };
    const seen: Array<Array<[string, number[]]>> = [];
    let token: string | undefined;
    do {
      const out = await cloud.ports.cloudwatch.send(new GetMetricDataCommand({ ...base, NextToken: token }));
      seen.push((out.MetricDataResults ?? []).map((r) => [r.Id ?? '', (r.Timestamps ?? []).map((t) => cloud.clock.minuteOf(t))]));
      token = out.NextToken;
    } while (token !== undefined && seen.length < 5);
    expect(seen).toEqual(pages);
  });

  interface BadRequest {
    count: number;
    end?: number;
    period?: number;
    sameId?: boolean;
  }
  it.each<[string, BadRequest, string]>([
    ['501 queries', { count: 501 }, 'ValidationError'],
    ['StartTime not before EndTime', { count: 1, end: 0 }, 'ValidationError'],
    ['a period not a multiple of 60', { count: 1, period: 90 }, 'ValidationError'],
    ['a duplicated Id', { count: 2, sameId: true }, 'ValidationError'],
  ])('rejects %s with %s', async (_name, c, code) => {
    const cloud = cloudWithGroup();
    const queries = Array.from({ length: c.count }, (_, i) => ({
      Id: c.sameId ? 'q' : `q${i}`,
      MetricStat: { Metric: { Namespace: 'Deepgram/Engine', MetricName: 'x' }, Period: c.period ?? 60, Stat: 'Sum' },
    }));
    const end = c.end ?? 10;
    await expect(cloud.ports.cloudwatch.send(new GetMetricDataCommand({ StartTime: START, EndTime: cloud.clock.dateOf(end), MetricDataQueries: queries }))).rejects.toMatchObject({
      name: code,
      $metadata: { httpStatusCode: 400 },
    });
  });

  it('refuses metric math with a clear error instead of a wrong answer', async () => {
    const cloud = cloudWithGroup();
    await expect(
      cloud.ports.cloudwatch.send(new GetMetricDataCommand({ StartTime: START, EndTime: cloud.clock.dateOf(5), MetricDataQueries: [{ Id: 'e', Expression: 'SUM(METRICS())' }] })),
    ).rejects.toThrow(SimulationError);
  });
});

describe('PutMetricData', () => {
  it('stores statistic sets and values that GetMetricData reads back a minute later', async () => {
    const cloud = new SimCloud({ start: START });
    stepTo(cloud, 2);
    await cloud.ports.cloudwatch.send(
      new PutMetricDataCommand({
        Namespace: 'GpuFleetScaler',
        MetricData: [
          { MetricName: 'Draining', Dimensions: [{ Name: 'Fleet', Value: 'a' }], Value: 3, Unit: 'Count' },
          { MetricName: 'Draining', Dimensions: [{ Name: 'Fleet', Value: 'a' }], Values: [1, 5], Counts: [1, 2], Unit: 'Count' },
        ],
      }),
    );
    const read = () =>
      cloud.ports.cloudwatch.send(
        new GetMetricDataCommand({
          StartTime: START,
          EndTime: cloud.clock.dateOf(10),
          MetricDataQueries: [{ Id: 'd', MetricStat: { Metric: { Namespace: 'GpuFleetScaler', MetricName: 'Draining', Dimensions: [{ Name: 'Fleet', Value: 'a' }] }, Period: 60, Stat: 'Average' } }],
        }),
      );
    expect((await read()).MetricDataResults?.[0]?.Values).toEqual([]);
    cloud.step();
    // samples 3, 1, 5, 5 -> (3 + 1 + 5 + 5) / 4 = 3.5
    expect((await read()).MetricDataResults?.[0]?.Values).toEqual([3.5]);
  });

  it('rejects a non-finite value and stores nothing of the request', async () => {
    const cloud = new SimCloud({ start: START });
    await expect(
      cloud.ports.cloudwatch.send(new PutMetricDataCommand({ Namespace: 'X', MetricData: [{ MetricName: 'ok', Value: 1 }, { MetricName: 'bad', Value: Number.NaN }] })),
    ).rejects.toMatchObject({ name: 'InvalidParameterValue' });
    expect([...cloud.metrics.all()]).toHaveLength(0);
  });
});

describe('retention', () => {
  it('answers one-minute periods for 15 days, then only periods built from five-minute rollups', async () => {
    const cloud = cloudWithGroup();
    stepTo(cloud, 20 * 1440 + 1);
    const old = async (period: number) => points(await query(cloud, 'engine_estimated_stream_capacity', FLEET, 'Sum', 1440, 1440 + 10, period), cloud);
    // 20 days ago: 1-minute data has been rolled up (15 days), 5-minute data is kept (63 days)
    expect(await old(60)).toEqual([]);
    expect(await old(300)).toEqual([
      [1445, 750], // 5 samples x 150, newest first
      [1440, 750],
    ]);
    const recent = points(await query(cloud, 'engine_estimated_stream_capacity', FLEET, 'Sum', 20 * 1440 - 2, 20 * 1440, 60), cloud);
    expect(recent).toHaveLength(2);
  });

  it('stamps every datapoint with its own minute when answers share Dates, over more minutes than the shared ones', async () => {
    const cloud = cloudWithGroup({});
    stepTo(cloud, 1200);
    const read = async (from: number, to: number) => query(cloud, 'engine_estimated_stream_capacity', FLEET, 'Sum', from, to, 60, { ScanBy: 'TimestampAscending' });
    // one sample a minute from the minute the instance serves until 1199: 1100 minutes and more, each stamped at its own minute
    const whole = points(await read(0, 1200), cloud).map(([minute]) => minute);
    const first = whole[0] as number;
    expect(whole.length).toBeGreaterThan(1100);
    expect(whole).toEqual(Array.from({ length: 1200 - first }, (_, i) => first + i));
    // a later answer for the same minute gives the same Date the earlier one did
    const [a, b] = [await read(1190, 1195), await read(1190, 1195)].map((out) => out.MetricDataResults?.[0]?.Timestamps?.[0]);
    expect(a).toBe(b);
    expect(a?.getTime()).toBe(cloud.clock.dateOf(1190).getTime());
  });

  it('answers a short query after a long one with its own datapoints only', async () => {
    const cloud = cloudWithGroup({});
    stepTo(cloud, 300);
    const read = async (from: number, to: number) => points(await query(cloud, 'engine_estimated_stream_capacity', FLEET, 'Sum', from, to, 60, { ScanBy: 'TimestampAscending' }), cloud);
    const long = await read(0, 300);
    expect(long.length).toBeGreaterThan(200);
    // minutes 290, 291 and 292, one sample of 150 each
    expect(await read(290, 293)).toEqual([
      [290, 150],
      [291, 150],
      [292, 150],
    ]);
  });
});
