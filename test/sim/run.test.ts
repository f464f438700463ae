import { DescribeAutoScalingGroupsCommand, PutLifecycleHookCommand, SetDesiredCapacityCommand } from '@aws-sdk/client-auto-scaling';
import { GetMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import { describe, expect, it } from 'vitest';
import { configSchema } from '../../lib/config/schema.js';
import { withRetry } from '../../lib/aws/retry.js';
import { lambdaContext, scheduledEvent } from '../../sim/lambda.js';
import { runSimulation, SimulationRunError } from '../../sim/run.js';
import type { LifecycleEvent } from '../../sim/events.js';
import { scriptedTraffic } from '../../sim/traffic.js';
import { cloudWithGroup, START } from './helpers.js';

describe('runSimulation', () => {
  it('runs the handlers each minute after the physics, seeing metrics up to the previous minute', async () => {
    const cloud = cloudWithGroup({ traffic: scriptedTraffic((m) => Array.from({ length: m }, () => 1)) });
    const seen: Array<[number, number[]]> = [];
    await runSimulation({
      cloud,
      minutes: 3,
      everyMinute: [
        async (now) => {
          const out = await cloud.ports.cloudwatch.send(
            new GetMetricDataCommand({
              StartTime: new Date(now.getTime() - 10 * 60_000),
              EndTime: now,
              ScanBy: 'TimestampAscending',
              MetricDataQueries: [{ Id: 'a', MetricStat: { Metric: { Namespace: 'Deepgram/Engine', MetricName: 'engine_active_requests', Dimensions: [{ Name: 'AutoScalingGroupName', Value: 'gpu' }, { Name: 'kind', Value: 'stream' }] }, Period: 60, Stat: 'Sum' } }],
            }),
          );
          seen.push([cloud.clock.minuteOf(now), out.MetricDataResults?.[0]?.Values ?? []]);
        },
      ],
    });
    // minute m brings m one-minute streams; at minute m the handler sees minutes 1..m-1
    expect(seen).toEqual([
      [1, []],
      [2, [1]],
      [3, [1, 2]],
    ]);
  });

  it('delivers lifecycle events before the handlers of the next minute and counts calls per operation', async () => {
    const cloud = cloudWithGroup({ desiredCapacity: 2 });
    await cloud.ports.autoscaling.send(new PutLifecycleHookCommand({ AutoScalingGroupName: 'gpu', LifecycleHookName: 'drain', LifecycleTransition: 'autoscaling:EC2_INSTANCE_TERMINATING' }));
    cloud.resetCalls();
    const log: string[] = [];
    await runSimulation({
      cloud,
      minutes: 2,
      onLifecycleEvent: (event: LifecycleEvent) => {
        log.push(`event ${cloud.minute} ${event.detail.EC2InstanceId}`);
        return Promise.resolve();
      },
      everyMinute: [
        async () => {
          log.push(`tick ${cloud.minute}`);
          await cloud.ports.autoscaling.send(new DescribeAutoScalingGroupsCommand({ AutoScalingGroupNames: ['gpu'] }));
          if (cloud.minute === 1) await cloud.ports.autoscaling.send(new SetDesiredCapacityCommand({ AutoScalingGroupName: 'gpu', DesiredCapacity: 1 }));
        },
      ],
    });
    const victim = cloud.group('gpu').instances[0]!.id;
    expect(log).toEqual(['tick 1', `event 2 ${victim}`, 'tick 2']);
    expect(Object.fromEntries(cloud.calls)).toEqual({ 'autoscaling:DescribeAutoScalingGroups': 2, 'autoscaling:SetDesiredCapacity': 1 });
  });

  it('stops with the minute and the cause when a handler throws', async () => {
    const cloud = cloudWithGroup();
    const run = runSimulation({ cloud, minutes: 5, everyMinute: [() => (cloud.minute === 2 ? Promise.reject(new Error('boom')) : Promise.resolve())] });
    await expect(run).rejects.toThrow(SimulationRunError);
    await expect(runSimulation({ cloud, minutes: -1 })).rejects.toThrow('minutes must be a whole number >= 0, got -1');
  });
});

describe('handlerDeps and Lambda helpers', () => {
  const config = configSchema.parse({ version: 1, fleets: [{ name: 'gpu', target: { type: 'asg', autoScalingGroupName: 'gpu' }, kinds: { stream: { capacity: 150 } }, minInstances: 1, maxInstances: 10 }] });

  it('wires the cloud ports, the simulated clock, the config and a retry policy that does not sleep', async () => {
    const cloud = cloudWithGroup();
    const deps = cloud.handlerDeps(config);
    cloud.step();
    expect(deps.now()).toEqual(new Date(START.getTime() + 60_000));
    expect(await deps.loadConfig(deps.now())).toBe(config);
    expect(deps.ports).toBe(cloud.ports);
    cloud.faults.add({ operation: 'autoscaling:DescribeAutoScalingGroups', error: 'Throttling', times: 3 });
    const out = await withRetry('DescribeAutoScalingGroups', () => deps.ports.autoscaling.send(new DescribeAutoScalingGroupsCommand({})), deps.retry);
    expect(out.AutoScalingGroups).toHaveLength(1);
    expect(cloud.calls.get('autoscaling:DescribeAutoScalingGroups')).toBe(4); // 3 throttled + 1, default 4 attempts
  });

  it('builds a scheduled EventBridge event and a Lambda context', () => {
    const event = scheduledEvent(new Date('2026-03-02T00:05:00Z'), 'scale-every-minute');
    expect(event).toMatchObject({ 'detail-type': 'Scheduled Event', source: 'aws.events', time: '2026-03-02T00:05:00Z', resources: ['arn:aws:events:us-east-1:123456789012:rule/scale-every-minute'] });
    const context = lambdaContext('scale');
    expect([context.functionName, context.getRemainingTimeInMillis()]).toEqual(['scale', 60_000]);
  });
});
