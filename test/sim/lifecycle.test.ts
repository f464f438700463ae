import {
  CompleteLifecycleActionCommand,
  DescribeAutoScalingGroupsCommand,
  DescribeScalingActivitiesCommand,
  PutLifecycleHookCommand,
  RecordLifecycleActionHeartbeatCommand,
  SetDesiredCapacityCommand,
  TerminateInstanceInAutoScalingGroupCommand,
} from '@aws-sdk/client-auto-scaling';
import { describe, expect, it } from 'vitest';
import type { SimCloud } from '../../sim/cloud.js';
import { cloudWithGroup, stepTo } from './helpers.js';

async function withHook(desired: number, hook: { HeartbeatTimeout?: number; DefaultResult?: 'CONTINUE' | 'ABANDON' } = {}): Promise<SimCloud> {
  const cloud = cloudWithGroup({ minSize: 1, desiredCapacity: desired });
  await cloud.ports.autoscaling.send(
    new PutLifecycleHookCommand({ AutoScalingGroupName: 'gpu', LifecycleHookName: 'drain', LifecycleTransition: 'autoscaling:EC2_INSTANCE_TERMINATING', ...hook }),
  );
  return cloud;
}

function state(cloud: SimCloud, id: string): string {
  return cloud.instance(id)?.lifecycleState ?? 'gone';
}

describe('termination lifecycle hooks', () => {
  it('a scale-in puts the oldest instance in Terminating:Wait and queues one EventBridge event', async () => {
    const cloud = await withHook(2);
    const [oldest] = cloud.group('gpu').instances.map((i) => i.id);
    await cloud.ports.autoscaling.send(new SetDesiredCapacityCommand({ AutoScalingGroupName: 'gpu', DesiredCapacity: 1 }));
    expect(state(cloud, oldest!)).toBe('Terminating:Wait');
    cloud.step();
    const events = cloud.takeDueEvents();
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({
      source: 'aws.autoscaling',
      'detail-type': 'EC2 Instance-terminate Lifecycle Action',
      time: '2026-03-02T00:00:00Z',
      detail: { AutoScalingGroupName: 'gpu', LifecycleHookName: 'drain', EC2InstanceId: oldest, LifecycleTransition: 'autoscaling:EC2_INSTANCE_TERMINATING', Origin: 'AutoScalingGroup', Destination: 'EC2' },
    });
    expect(events[0]?.detail.LifecycleActionToken).toMatch(/^[0-9a-f-]{36}$/);
    const described = await cloud.ports.autoscaling.send(new DescribeAutoScalingGroupsCommand({ AutoScalingGroupNames: ['gpu'] }));
    expect(described.AutoScalingGroups?.[0]?.Instances?.map((i) => i.LifecycleState)).toEqual(['Terminating:Wait', 'InService']);
    expect(described.AutoScalingGroups?.[0]?.DesiredCapacity).toBe(1);
  });

  it.each([
    ['CONTINUE', 'CONTINUE'],
    ['ABANDON', 'ABANDON'],
  ] as const)('times out after HeartbeatTimeout and applies DefaultResult %s: the instance terminates', async (_n, result) => {
    const cloud = await withHook(2, { HeartbeatTimeout: 300, DefaultResult: result });
    const victim = cloud.group('gpu').instances[0]!.id;
    await cloud.ports.autoscaling.send(new SetDesiredCapacityCommand({ AutoScalingGroupName: 'gpu', DesiredCapacity: 1 }));
    // entered the wait at minute 0; 300 s = 5 minutes
    stepTo(cloud, 4);
    expect(state(cloud, victim)).toBe('Terminating:Wait');
    stepTo(cloud, 5);
    expect(state(cloud, victim)).toBe('gone');
  });

  it('a heartbeat restarts the timeout, up to the global limit of 100 x HeartbeatTimeout', async () => {
    const cloud = await withHook(2, { HeartbeatTimeout: 120 });
    const victim = cloud.group('gpu').instances[0]!.id;
    await cloud.ports.autoscaling.send(new SetDesiredCapacityCommand({ AutoScalingGroupName: 'gpu', DesiredCapacity: 1 }));
    // without heartbeats it would end at minute 2; global limit: min(100 x 120 s, 48 h) = 12000 s = 200 minutes
    for (let m = 1; m < 200; m++) {
      cloud.step();
      await cloud.ports.autoscaling.send(new RecordLifecycleActionHeartbeatCommand({ AutoScalingGroupName: 'gpu', LifecycleHookName: 'drain', InstanceId: victim }));
    }
    expect(state(cloud, victim)).toBe('Terminating:Wait');
    cloud.step(); // minute 200
    expect(state(cloud, victim)).toBe('gone');
  });

  it('the global limit is 48 hours when 100 x HeartbeatTimeout is longer', async () => {
    const cloud = await withHook(2, { HeartbeatTimeout: 7200 });
    await cloud.ports.autoscaling.send(new SetDesiredCapacityCommand({ AutoScalingGroupName: 'gpu', DesiredCapacity: 1 }));
    const victim = cloud.group('gpu').instances[0]!.id;
    // 100 x 7200 s = 200 h > 48 h = 2880 minutes
    for (let m = 1; m < 2880; m++) {
      cloud.step();
      if (m % 100 === 0) await cloud.ports.autoscaling.send(new RecordLifecycleActionHeartbeatCommand({ AutoScalingGroupName: 'gpu', LifecycleHookName: 'drain', InstanceId: victim }));
    }
    expect(state(cloud, victim)).toBe('Terminating:Wait');
    cloud.step();
    expect(state(cloud, victim)).toBe('gone');
  });

  it('CompleteLifecycleAction by token terminates at once; completing again is the ValidationError AWS answers', async () => {
    const cloud = await withHook(2);
    await cloud.ports.autoscaling.send(new SetDesiredCapacityCommand({ AutoScalingGroupName: 'gpu', DesiredCapacity: 1 }));
    cloud.step();
    const [event] = cloud.takeDueEvents();
    const complete = (input: { InstanceId?: string; LifecycleActionToken?: string }) =>
      cloud.ports.autoscaling.send(new CompleteLifecycleActionCommand({ AutoScalingGroupName: 'gpu', LifecycleHookName: 'drain', LifecycleActionResult: 'CONTINUE', ...input }));
    await complete({ LifecycleActionToken: event!.detail.LifecycleActionToken });
    expect(state(cloud, event!.detail.EC2InstanceId)).toBe('gone');
    await expect(complete({ InstanceId: event!.detail.EC2InstanceId })).rejects.toMatchObject({
      name: 'ValidationError',
      message: `No active Lifecycle Action found with instance ID ${event!.detail.EC2InstanceId}`,
      $metadata: { httpStatusCode: 400 },
    });
    await expect(
      cloud.ports.autoscaling.send(new RecordLifecycleActionHeartbeatCommand({ AutoScalingGroupName: 'gpu', LifecycleHookName: 'drain', InstanceId: event!.detail.EC2InstanceId })),
    ).rejects.toMatchObject({ name: 'ValidationError' });
  });

  it('without a termination hook an instance terminates at once, cutting its streams', async () => {
    const cloud = cloudWithGroup({ desiredCapacity: 2 });
    const victim = cloud.group('gpu').instances[0]!;
    victim.engine.accept(0, 100);
    await cloud.ports.autoscaling.send(new SetDesiredCapacityCommand({ AutoScalingGroupName: 'gpu', DesiredCapacity: 1 }));
    expect(state(cloud, victim.id)).toBe('gone');
    expect(cloud.totals().streamsCutByCause['no-hook']).toBe(1);
  });

  it('TerminateInstanceInAutoScalingGroup with decrement lowers desired; without it a replacement launches', async () => {
    const cloud = await withHook(3);
    const [a, b] = cloud.group('gpu').instances.map((i) => i.id);
    const out = await cloud.ports.autoscaling.send(new TerminateInstanceInAutoScalingGroupCommand({ InstanceId: b, ShouldDecrementDesiredCapacity: true }));
    expect(out.Activity?.Description).toBe(`Terminating EC2 instance: ${b}`);
    expect(cloud.group('gpu').desired).toBe(2);
    expect(state(cloud, b!)).toBe('Terminating:Wait');
    expect(state(cloud, a!)).toBe('InService');
    await cloud.ports.autoscaling.send(new TerminateInstanceInAutoScalingGroupCommand({ InstanceId: a, ShouldDecrementDesiredCapacity: false }));
    // desired 2, live: the third original + one replacement
    expect(cloud.group('gpu').instances.map((i) => i.lifecycleState)).toEqual(['Terminating:Wait', 'Terminating:Wait', 'InService', 'Pending']);
  });

  it('refuses a decrement below MinSize and an unknown instance', async () => {
    const cloud = await withHook(1);
    const only = cloud.group('gpu').instances[0]!.id;
    await expect(cloud.ports.autoscaling.send(new TerminateInstanceInAutoScalingGroupCommand({ InstanceId: only, ShouldDecrementDesiredCapacity: true }))).rejects.toMatchObject({
      name: 'ValidationError',
      message: expect.stringContaining("violate group's min size constraint"),
    });
    await expect(cloud.ports.autoscaling.send(new TerminateInstanceInAutoScalingGroupCommand({ InstanceId: 'i-0000000000000dead', ShouldDecrementDesiredCapacity: false }))).rejects.toMatchObject({
      name: 'ValidationError',
    });
    expect(state(cloud, only)).toBe('InService');
  });

  it('records a scaling activity per launch and per termination, newest first', async () => {
    const cloud = await withHook(1, { HeartbeatTimeout: 60 });
    await cloud.ports.autoscaling.send(new SetDesiredCapacityCommand({ AutoScalingGroupName: 'gpu', DesiredCapacity: 2 }));
    stepTo(cloud, 2);
    await cloud.ports.autoscaling.send(new SetDesiredCapacityCommand({ AutoScalingGroupName: 'gpu', DesiredCapacity: 1 }));
    const out = await cloud.ports.autoscaling.send(new DescribeScalingActivitiesCommand({ AutoScalingGroupName: 'gpu' }));
    expect(out.Activities?.map((a) => [a.Description?.split(':')[0], a.StatusCode, a.StartTime?.toISOString()])).toEqual([
      ['Terminating EC2 instance', 'MidLifecycleAction', '2026-03-02T00:02:00.000Z'],
      ['Launching a new EC2 instance', 'Successful', '2026-03-02T00:00:00.000Z'],
    ]);
    expect(out.Activities?.[1]?.Cause).toContain('changing the desired capacity from 1 to 2');
    stepTo(cloud, 3); // the hook times out after 60 s
    const after = await cloud.ports.autoscaling.send(new DescribeScalingActivitiesCommand({ AutoScalingGroupName: 'gpu', MaxRecords: 1 }));
    expect(after.Activities?.[0]?.StatusCode).toBe('Successful');
    expect(after.Activities?.[0]?.EndTime).toEqual(cloud.clock.dateOf(3));
    expect(after.NextToken).toBeDefined();
  });

  it('SetDesiredCapacity outside MinSize..MaxSize is a ValidationError and changes nothing', async () => {
    const cloud = cloudWithGroup({ minSize: 1, maxSize: 3, desiredCapacity: 2 });
    for (const [desired, word] of [[4, 'above max value 3'], [0, 'below min value 1']] as const) {
      await expect(cloud.ports.autoscaling.send(new SetDesiredCapacityCommand({ AutoScalingGroupName: 'gpu', DesiredCapacity: desired }))).rejects.toMatchObject({
        name: 'ValidationError',
        message: `New SetDesiredCapacity value ${desired} is ${word} for the AutoScalingGroup.`,
      });
    }
    expect(cloud.group('gpu').desired).toBe(2);
    expect(cloud.group('gpu').instances).toHaveLength(2);
  });
});
