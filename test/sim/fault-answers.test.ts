import { CompleteLifecycleActionCommand, PutLifecycleHookCommand, SetDesiredCapacityCommand } from '@aws-sdk/client-auto-scaling';
import type { GetMetricDataCommandOutput } from '@aws-sdk/client-cloudwatch';
import { SendCommandCommand } from '@aws-sdk/client-ssm';
import { describe, expect, it } from 'vitest';
import { scriptedTraffic } from '../../sim/traffic.js';
import { cloudWithGroup, points, query, stepTo } from './helpers.js';

const HOOK = 'drain';

async function withHook(desiredCapacity = 2) {
  const cloud = cloudWithGroup({ desiredCapacity, traffic: scriptedTraffic((m) => (m === 1 ? [30] : [])) });
  await cloud.ports.autoscaling.send(new PutLifecycleHookCommand({ AutoScalingGroupName: 'gpu', LifecycleHookName: HOOK, LifecycleTransition: 'autoscaling:EC2_INSTANCE_TERMINATING', HeartbeatTimeout: 300, DefaultResult: 'CONTINUE' }));
  return cloud;
}

describe('answer faults', () => {
  it('rewrite the answer the caller gets inside their window and record each hit', async () => {
    const cloud = cloudWithGroup({ traffic: scriptedTraffic((m) => (m <= 5 ? [10] : [])) });
    cloud.faults.answers({
      operation: 'cloudwatch:GetMetricData',
      fromMinute: 6,
      untilMinute: 7,
      rewrite: (output) => ({ ...(output as GetMetricDataCommandOutput), MetricDataResults: [] }),
    });
    stepTo(cloud, 6);
    const damaged = await query(cloud, 'engine_active_requests', { AutoScalingGroupName: 'gpu', kind: 'stream' }, 'Sum', 0, 6);
    cloud.step();
    const whole = await query(cloud, 'engine_active_requests', { AutoScalingGroupName: 'gpu', kind: 'stream' }, 'Sum', 0, 6);
    expect(damaged.MetricDataResults).toEqual([]);
    // minutes 1..5 each saw one more 10-minute stream: 1..5 active, newest first
    expect(points(whole, cloud).map(([, v]) => v)).toEqual([5, 4, 3, 2, 1]);
    expect(cloud.faults.hits).toEqual([{ minute: 6, operation: 'cloudwatch:GetMetricData', kind: 'rewrite' }]);
  });

  it('record the API faults that hit, with their phase', async () => {
    const cloud = cloudWithGroup();
    cloud.faults.add({ operation: 'autoscaling:SetDesiredCapacity', error: 'timeout', phase: 'after', times: 1 });
    await expect(cloud.ports.autoscaling.send(new SetDesiredCapacityCommand({ AutoScalingGroupName: 'gpu', DesiredCapacity: 2 }))).rejects.toBeDefined();
    expect(cloud.group('gpu').desired).toBe(2);
    expect(cloud.faults.hits).toEqual([{ minute: 0, operation: 'autoscaling:SetDesiredCapacity', kind: 'timeout', phase: 'after' }]);
  });
});

describe('group-scoped faults', () => {
  it('lifecycle event faults touch only the named group', async () => {
    const cloud = await withHook();
    cloud.addAutoScalingGroup({ name: 'other', minSize: 0, maxSize: 10, desiredCapacity: 2 });
    await cloud.ports.autoscaling.send(new PutLifecycleHookCommand({ AutoScalingGroupName: 'other', LifecycleHookName: HOOK, LifecycleTransition: 'autoscaling:EC2_INSTANCE_TERMINATING' }));
    cloud.faults.lifecycleEvents({ kind: 'drop', group: 'gpu' });
    await cloud.ports.autoscaling.send(new SetDesiredCapacityCommand({ AutoScalingGroupName: 'gpu', DesiredCapacity: 1 }));
    await cloud.ports.autoscaling.send(new SetDesiredCapacityCommand({ AutoScalingGroupName: 'other', DesiredCapacity: 1 }));
    cloud.step();
    expect(cloud.takeDueEvents().map((e) => e.detail.AutoScalingGroupName)).toEqual(['other']);
  });

  it('SSM agent faults touch only instances of the named group', async () => {
    const cloud = cloudWithGroup({ desiredCapacity: 1 });
    cloud.addAutoScalingGroup({ name: 'other', minSize: 0, maxSize: 10, desiredCapacity: 1 });
    cloud.faults.ssmAgent({ group: 'gpu', mode: 'failed' });
    const gpu = cloud.group('gpu').instances[0]!.id;
    const other = cloud.group('other').instances[0]!.id;
    for (const id of [gpu, other]) await cloud.ports.ssm.send(new SendCommandCommand({ DocumentName: cloud.drainDocumentName, InstanceIds: [id] }));
    stepTo(cloud, 2);
    expect(cloud.instance(gpu)?.engine.sigintMinute).toBeUndefined();
    expect(cloud.instance(other)?.engine.sigintMinute).toBe(1);
    expect(cloud.faults.hits).toEqual([{ minute: 0, operation: 'ssm-agent', kind: 'failed' }]);
  });
});

describe('history', () => {
  it('keeps every hook wait and every release with what it cut', async () => {
    const cloud = await withHook();
    stepTo(cloud, 2);
    const busy = cloud.group('gpu').instances.find((i) => i.engine.streams === 1)!;
    await cloud.ports.autoscaling.send(new SetDesiredCapacityCommand({ AutoScalingGroupName: 'gpu', DesiredCapacity: 0 }));
    stepTo(cloud, 4);
    await cloud.ports.autoscaling.send(new CompleteLifecycleActionCommand({ AutoScalingGroupName: 'gpu', LifecycleHookName: HOOK, InstanceId: busy.id, LifecycleActionResult: 'CONTINUE' }));
    stepTo(cloud, 8);
    const idle = cloud.history.waits.find((w) => w.instanceId !== busy.id)!.instanceId;
    expect(cloud.history.waits).toEqual([
      { minute: 2, group: 'gpu', instanceId: expect.any(String) },
      { minute: 2, group: 'gpu', instanceId: expect.any(String) },
    ]);
    expect(cloud.history.releases).toEqual([
      { minute: 4, group: 'gpu', instanceId: busy.id, cause: 'lifecycle-complete', requestsCut: 1, waitMinute: 2 },
      // heartbeat timeout 300 s: 2 + 5
      { minute: 7, group: 'gpu', instanceId: idle, cause: 'hook-timeout', requestsCut: 0, waitMinute: 2 },
    ]);
  });
});
