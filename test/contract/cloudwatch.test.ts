import { GetMetricDataCommand, ListMetricsCommand, PutMetricDataCommand, type MetricDataQuery } from '@aws-sdk/client-cloudwatch';
import { expect, it } from 'vitest';
import type { AsgTarget, EksTarget } from '../../lib/config/schema.js';
import { readInstanceLoad } from '../../lib/fleet/instance-load.js';
import { listEngineSeries } from '../../lib/fleet/read-signals.js';
import { ENGINE_METRICS, INSTANCE_DIMENSION, KIND_DIMENSION, STATUS_DIMENSION } from '../../lib/fleet/engine-metrics.js';
import { CONTROLLER_NAMESPACE } from '../../lib/telemetry.js';
import { describeMoto, noRetry } from './harness.js';
import { ENGINE_NAMESPACE, putEngineSamples } from './fixtures.js';
import { countCalls } from '../../lib/aws/call-count.js';

const asg: AsgTarget = { type: 'asg', autoScalingGroupName: 'engine-a' };
const eks: EksTarget = { type: 'eks', clusterName: 'speech', nodegroupName: 'gpu-a' };
const minute = (m: number) => new Date(Date.UTC(2026, 10, 20, 10, m, 0));

/** A fleet-level MetricStat query on the exact dimension set the agent publishes. */
function fleetQuery(id: string, metric: string, dimensions: Record<string, string>, stat: string): MetricDataQuery {
  return {
    Id: id,
    ReturnData: true,
    MetricStat: {
      Metric: { Namespace: ENGINE_NAMESPACE, MetricName: metric, Dimensions: Object.entries(dimensions).map(([Name, Value]) => ({ Name, Value })) },
      Period: 60,
      Stat: stat,
    },
  };
}

function series(results: { Id?: string; Timestamps?: Date[]; Values?: number[] }[] | undefined, id: string): Record<string, number> {
  const result = results?.find((r) => r.Id === id);
  return Object.fromEntries((result?.Timestamps ?? []).map((t, i) => [t.toISOString(), result?.Values?.[i] as number]));
}

describeMoto('CloudWatch: Engine metrics on the agent dimension sets, read back with MetricStat', (moto) => {
  it('a fleet-level Sum adds every instance, and does not count the instance-level copies twice', async () => {
    await putEngineSamples(moto.ports, asg, [
      { instanceId: 'i-0aaa', at: minute(0), active: { stream: 30, batch: 2 } },
      { instanceId: 'i-0bbb', at: minute(0), active: { stream: 12, batch: 0 } },
      { instanceId: 'i-0aaa', at: minute(1), active: { stream: 31, batch: 1 } },
    ]);

    const answer = await moto.ports.cloudwatch.send(
      new GetMetricDataCommand({
        StartTime: minute(0),
        EndTime: minute(2),
        ScanBy: 'TimestampDescending',
        MetricDataQueries: [
          fleetQuery('stream', ENGINE_METRICS.activeRequests, { AutoScalingGroupName: 'engine-a', [KIND_DIMENSION]: 'stream' }, 'Sum'),
          fleetQuery('samples', ENGINE_METRICS.activeRequests, { AutoScalingGroupName: 'engine-a', [KIND_DIMENSION]: 'stream' }, 'SampleCount'),
          fleetQuery('batch', ENGINE_METRICS.activeRequests, { AutoScalingGroupName: 'engine-a', [KIND_DIMENSION]: 'batch' }, 'Sum'),
        ],
      }),
    );

    expect(series(answer.MetricDataResults, 'stream')).toEqual({
      [minute(0).toISOString()]: 42, // 30 + 12
      [minute(1).toISOString()]: 31,
    });
    expect(series(answer.MetricDataResults, 'samples')).toEqual({ [minute(0).toISOString()]: 2, [minute(1).toISOString()]: 1 });
    expect(series(answer.MetricDataResults, 'batch')).toEqual({ [minute(0).toISOString()]: 2, [minute(1).toISOString()]: 1 });
    expect(answer.MetricDataResults?.every((r) => r.StatusCode === 'Complete')).toBe(true);
  });

  it('ScanBy TimestampDescending answers the newest period first', async () => {
    await putEngineSamples(moto.ports, asg, [0, 1, 2].map((m) => ({ instanceId: 'i-0aaa', at: minute(m), active: { stream: 10 + m } })));

    const answer = await moto.ports.cloudwatch.send(
      new GetMetricDataCommand({
        StartTime: minute(0),
        EndTime: minute(3),
        ScanBy: 'TimestampDescending',
        MetricDataQueries: [fleetQuery('stream', ENGINE_METRICS.activeRequests, { AutoScalingGroupName: 'engine-a', [KIND_DIMENSION]: 'stream' }, 'Sum')],
      }),
    );

    const result = answer.MetricDataResults?.[0];
    expect(result?.Timestamps).toEqual([minute(2), minute(1), minute(0)]);
    expect(result?.Values).toEqual([12, 11, 10]);
  });

  it('an EKS fleet is found by ClusterName + NodegroupName; the capacity estimate averages over instances', async () => {
    await putEngineSamples(moto.ports, eks, [
      { instanceId: 'i-0aaa', at: minute(0), active: { stream: 5 }, estimatedStreamCapacity: 90 },
      { instanceId: 'i-0bbb', at: minute(0), active: { stream: 7 }, estimatedStreamCapacity: 110 },
    ]);

    const fleet = { ClusterName: 'speech', NodegroupName: 'gpu-a' };
    const answer = await moto.ports.cloudwatch.send(
      new GetMetricDataCommand({
        StartTime: minute(0),
        EndTime: minute(1),
        MetricDataQueries: [
          fleetQuery('capacity', ENGINE_METRICS.estimatedStreamCapacity, fleet, 'Average'),
          fleetQuery('stream', ENGINE_METRICS.activeRequests, { ...fleet, [KIND_DIMENSION]: 'stream' }, 'Sum'),
          fleetQuery('otherfleet', ENGINE_METRICS.activeRequests, { ClusterName: 'speech', NodegroupName: 'gpu-b', [KIND_DIMENSION]: 'stream' }, 'Sum'),
        ],
      }),
    );

    expect(series(answer.MetricDataResults, 'capacity')).toEqual({ [minute(0).toISOString()]: 100 }); // (90 + 110) / 2
    expect(series(answer.MetricDataResults, 'stream')).toEqual({ [minute(0).toISOString()]: 12 }); // 5 + 7
    expect(series(answer.MetricDataResults, 'otherfleet')).toEqual({});
  });

  it('engine_requests_total is read per rejected status', async () => {
    await putEngineSamples(moto.ports, asg, [
      { instanceId: 'i-0aaa', at: minute(0), requests: { '200': 400, '429': 3, '503': 1 } },
      { instanceId: 'i-0bbb', at: minute(0), requests: { '200': 380, '429': 2 } },
    ]);

    const answer = await moto.ports.cloudwatch.send(
      new GetMetricDataCommand({
        StartTime: minute(0),
        EndTime: minute(1),
        MetricDataQueries: ['429', '503'].map((status) =>
          fleetQuery(`rejected_${status}`, ENGINE_METRICS.requestsTotal, { AutoScalingGroupName: 'engine-a', [STATUS_DIMENSION]: status }, 'Sum'),
        ),
      }),
    );

    expect(series(answer.MetricDataResults, 'rejected_429')).toEqual({ [minute(0).toISOString()]: 5 }); // 3 + 2
    expect(series(answer.MetricDataResults, 'rejected_503')).toEqual({ [minute(0).toISOString()]: 1 });
  });

  it('a period with no datapoint is absent from the answer, not zero', async () => {
    await putEngineSamples(moto.ports, asg, [
      { instanceId: 'i-0aaa', at: minute(0), active: { stream: 8 } },
      { instanceId: 'i-0aaa', at: minute(2), active: { stream: 9 } },
    ]);

    const answer = await moto.ports.cloudwatch.send(
      new GetMetricDataCommand({
        StartTime: minute(0),
        EndTime: minute(3),
        MetricDataQueries: [fleetQuery('stream', ENGINE_METRICS.activeRequests, { AutoScalingGroupName: 'engine-a', [KIND_DIMENSION]: 'stream' }, 'Sum')],
      }),
    );

    expect(series(answer.MetricDataResults, 'stream')).toEqual({ [minute(0).toISOString()]: 8, [minute(2).toISOString()]: 9 });
  });

  it('ListMetrics shows each Engine metric under exactly the fleet-level and instance-level dimension sets', async () => {
    await putEngineSamples(moto.ports, asg, [{ instanceId: 'i-0aaa', at: minute(0), active: { stream: 1 }, estimatedStreamCapacity: 50 }]);

    const answer = await moto.ports.cloudwatch.send(new ListMetricsCommand({ Namespace: ENGINE_NAMESPACE }));

    const sets = (answer.Metrics ?? []).map((m) => `${m.MetricName}: ${(m.Dimensions ?? []).map((d) => `${d.Name}=${d.Value}`).sort().join(',')}`).sort();
    expect(sets).toEqual([
      `${ENGINE_METRICS.activeRequests}: AutoScalingGroupName=engine-a,${INSTANCE_DIMENSION}=i-0aaa,kind=stream`,
      `${ENGINE_METRICS.activeRequests}: AutoScalingGroupName=engine-a,kind=stream`,
      `${ENGINE_METRICS.estimatedStreamCapacity}: AutoScalingGroupName=engine-a`,
      `${ENGINE_METRICS.estimatedStreamCapacity}: AutoScalingGroupName=engine-a,${INSTANCE_DIMENSION}=i-0aaa`,
    ]);
  });

  it('the tick\'s ListMetrics walk (RecentlyActive PT3H, InstanceId filter without a value) finds the instance-level kind series, not the fleet-level ones', async () => {
    await putEngineSamples(moto.ports, asg, [
      { instanceId: 'i-0aaa', at: minute(0), active: { stream: 1, batch: 0 }, maxActiveRequests: 0 },
      { instanceId: 'i-0bbb', at: minute(0), active: { stream: 2 }, maxActiveRequests: 0 },
    ]);
    await putEngineSamples(moto.ports, eks, [{ instanceId: 'i-0ccc', at: minute(0), active: { tts: 1 } }]);

    const aws = countCalls(moto.ports);
    const presence = await listEngineSeries(aws.ports.cloudwatch, ENGINE_NAMESPACE, noRetry);

    expect(aws.calls()).toBe(1);
    expect(Object.fromEntries([...presence].map(([id, kinds]) => [id, [...kinds].sort()]))).toEqual({ 'i-0aaa': ['batch', 'stream'], 'i-0bbb': ['stream'], 'i-0ccc': ['tts'] });
  });

  it('PutMetricData into the controller namespace with the Fleet dimension is readable back', async () => {
    await moto.ports.cloudwatch.send(
      new PutMetricDataCommand({
        Namespace: CONTROLLER_NAMESPACE,
        MetricData: [{ MetricName: 'DesiredInstances', Dimensions: [{ Name: 'Fleet', Value: 'nova-3-us' }], Timestamp: minute(0), Value: 6, Unit: 'Count' }],
      }),
    );

    const answer = await moto.ports.cloudwatch.send(
      new GetMetricDataCommand({
        StartTime: minute(0),
        EndTime: minute(1),
        MetricDataQueries: [
          {
            Id: 'desired',
            MetricStat: { Metric: { Namespace: CONTROLLER_NAMESPACE, MetricName: 'DesiredInstances', Dimensions: [{ Name: 'Fleet', Value: 'nova-3-us' }] }, Period: 60, Stat: 'Maximum' },
          },
        ],
      }),
    );
    expect(answer.MetricDataResults?.[0]?.Values).toEqual([6]);
  });
});

describeMoto('readInstanceLoad (lib/fleet/instance-load.ts) against CloudWatch', (moto) => {
  it('reads each instance\'s newest complete period from its instance-level dimension set', async () => {
    await putEngineSamples(moto.ports, asg, [
      { instanceId: 'i-0aaa', at: minute(0), active: { stream: 40, batch: 1 } },
      { instanceId: 'i-0aaa', at: minute(1), active: { stream: 35, batch: 2 } },
      { instanceId: 'i-0bbb', at: minute(1), active: { stream: 0, batch: 0 } },
      // The still-filling period (10:02 at now 10:02:30) is outside the window.
      { instanceId: 'i-0aaa', at: minute(2), active: { stream: 1, batch: 0 } },
    ]);

    const loads = await readInstanceLoad(moto.ports.cloudwatch, {
      namespace: ENGINE_NAMESPACE,
      target: asg,
      instanceIds: ['i-0aaa', 'i-0bbb', 'i-0silent'],
      now: new Date(minute(2).getTime() + 30_000),
      periodSeconds: 60,
      retry: noRetry,
    });

    // tts was never asked for: ListMetrics lists no series of it, so it is zero.
    expect(loads.get('i-0aaa')).toEqual({ activeStreams: 35, activeRequests: 37, at: minute(1), neverRequested: ['tts'] }); // 35 + 2
    expect(loads.get('i-0bbb')).toEqual({ activeStreams: 0, activeRequests: 0, at: minute(1), neverRequested: ['tts'] });
    expect(loads.get('i-0silent')).toEqual({});
  });

  it('keeps fleets apart: the same instance id under another fleet\'s dimensions is not read', async () => {
    await putEngineSamples(moto.ports, { type: 'asg', autoScalingGroupName: 'engine-b' }, [{ instanceId: 'i-0aaa', at: minute(1), active: { stream: 99 } }]);

    const loads = await readInstanceLoad(moto.ports.cloudwatch, {
      namespace: ENGINE_NAMESPACE,
      target: asg,
      instanceIds: ['i-0aaa'],
      now: minute(2),
      periodSeconds: 60,
      retry: noRetry,
    });

    expect(loads.get('i-0aaa')).toEqual({});
  });

  it('reads an EKS fleet\'s instances under ClusterName + NodegroupName', async () => {
    await putEngineSamples(moto.ports, eks, [{ instanceId: 'i-0ccc', at: minute(1), active: { stream: 4, tts: 3 } }]);

    const loads = await readInstanceLoad(moto.ports.cloudwatch, {
      namespace: ENGINE_NAMESPACE,
      target: eks,
      instanceIds: ['i-0ccc'],
      now: minute(2),
      periodSeconds: 60,
      retry: noRetry,
    });

    expect(loads.get('i-0ccc')).toEqual({ activeStreams: 4, activeRequests: 7, at: minute(1), neverRequested: ['batch'] }); // 4 + 3
  });
});
