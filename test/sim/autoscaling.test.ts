import {
  CompleteLifecycleActionCommand,
  CreateOrUpdateTagsCommand,
  DescribeAutoScalingGroupsCommand,
  DescribeLifecycleHooksCommand,
  DescribeScalingActivitiesCommand,
  PutLifecycleHookCommand,
  SetDesiredCapacityCommand,
  SetInstanceHealthCommand,
  SetInstanceProtectionCommand,
  UpdateAutoScalingGroupCommand,
} from '@aws-sdk/client-auto-scaling';
import { GetMetricDataCommand, ListMetricsCommand, PutMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import { describe, expect, it } from 'vitest';
import { SimCloud } from '../../sim/cloud.js';
import { cloudWithGroup, START, stepTo } from './helpers.js';

describe('DescribeAutoScalingGroups', () => {
  it('pages with MaxRecords/NextToken, skips unknown names and filters by tag', async () => {
    const cloud = new SimCloud({ start: START });
    for (const name of ['a', 'b', 'c']) cloud.addAutoScalingGroup({ name, minSize: 0, maxSize: 3, desiredCapacity: 0, tags: name === 'b' ? { team: 'speech' } : {} });
    const first = await cloud.ports.autoscaling.send(new DescribeAutoScalingGroupsCommand({ MaxRecords: 2 }));
    expect(first.AutoScalingGroups?.map((g) => g.AutoScalingGroupName)).toEqual(['a', 'b']);
    const second = await cloud.ports.autoscaling.send(new DescribeAutoScalingGroupsCommand({ MaxRecords: 2, NextToken: first.NextToken }));
    expect([second.AutoScalingGroups?.map((g) => g.AutoScalingGroupName), second.NextToken]).toEqual([['c'], undefined]);
    const named = await cloud.ports.autoscaling.send(new DescribeAutoScalingGroupsCommand({ AutoScalingGroupNames: ['c', 'nope'] }));
    expect(named.AutoScalingGroups?.map((g) => g.AutoScalingGroupName)).toEqual(['c']);
    const tagged = await cloud.ports.autoscaling.send(new DescribeAutoScalingGroupsCommand({ Filters: [{ Name: 'tag:team', Values: ['speech'] }] }));
    expect(tagged.AutoScalingGroups?.map((g) => g.AutoScalingGroupName)).toEqual(['b']);
    await expect(cloud.ports.autoscaling.send(new DescribeAutoScalingGroupsCommand({ MaxRecords: 101 }))).rejects.toMatchObject({ name: 'ValidationError' });
  });

  it('answers the fields and types the SDK does', async () => {
    const cloud = cloudWithGroup({ minSize: 1, maxSize: 4, desiredCapacity: 2, tags: { env: 'prod' } });
    await cloud.ports.autoscaling.send(new CreateOrUpdateTagsCommand({ Tags: [{ ResourceId: 'gpu', ResourceType: 'auto-scaling-group', Key: 'gpu-fleet-scaler/last', Value: 'x', PropagateAtLaunch: false }] }));
    const g = (await cloud.ports.autoscaling.send(new DescribeAutoScalingGroupsCommand({ AutoScalingGroupNames: ['gpu'] }))).AutoScalingGroups![0]!;
    expect(g).toMatchObject({ MinSize: 1, MaxSize: 4, DesiredCapacity: 2, HealthCheckType: 'EC2' });
    expect(g.CreatedTime).toBeInstanceOf(Date);
    expect(g.Instances?.[0]).toMatchObject({ InstanceId: expect.stringMatching(/^i-[0-9a-f]{17}$/), LifecycleState: 'InService', HealthStatus: 'Healthy', ProtectedFromScaleIn: false });
    expect(g.Tags?.map((t) => [t.Key, t.Value, t.ResourceType])).toEqual([
      ['env', 'prod', 'auto-scaling-group'],
      ['gpu-fleet-scaler/last', 'x', 'auto-scaling-group'],
    ]);
  });
});

describe('group capacity', () => {
  it('UpdateAutoScalingGroup raises desired to a new MinSize and lowers it to a new MaxSize, as AWS does', async () => {
    const cloud = cloudWithGroup({ minSize: 1, maxSize: 5, desiredCapacity: 2 });
    await cloud.ports.autoscaling.send(new UpdateAutoScalingGroupCommand({ AutoScalingGroupName: 'gpu', MinSize: 3 }));
    expect(cloud.group('gpu').desired).toBe(3);
    await cloud.ports.autoscaling.send(new UpdateAutoScalingGroupCommand({ AutoScalingGroupName: 'gpu', MinSize: 0, MaxSize: 1 }));
    expect([cloud.group('gpu').desired, cloud.group('gpu').instances.length]).toEqual([1, 1]);
    await expect(cloud.ports.autoscaling.send(new UpdateAutoScalingGroupCommand({ AutoScalingGroupName: 'gpu', MinSize: 4, MaxSize: 2 }))).rejects.toMatchObject({ name: 'ValidationError' });
  });

  it('scale-in skips instances protected from scale-in', async () => {
    const cloud = cloudWithGroup({ desiredCapacity: 3 });
    const [oldest, , newest] = cloud.group('gpu').instances.map((i) => i.id);
    await cloud.ports.autoscaling.send(new SetInstanceProtectionCommand({ AutoScalingGroupName: 'gpu', InstanceIds: [oldest!], ProtectedFromScaleIn: true }));
    await cloud.ports.autoscaling.send(new SetDesiredCapacityCommand({ AutoScalingGroupName: 'gpu', DesiredCapacity: 1 }));
    expect(cloud.group('gpu').instances.map((i) => i.id)).toEqual([oldest]);
    expect(newest).toBeDefined();
    await expect(cloud.ports.autoscaling.send(new SetInstanceProtectionCommand({ AutoScalingGroupName: 'gpu', InstanceIds: ['i-00000000000000bad'], ProtectedFromScaleIn: true }))).rejects.toMatchObject({ name: 'ValidationError' });
  });

  it('HonorCooldown refuses a change within DefaultCooldown of the last activity', async () => {
    const cloud = cloudWithGroup({ desiredCapacity: 1, defaultCooldown: 300 });
    await cloud.ports.autoscaling.send(new SetDesiredCapacityCommand({ AutoScalingGroupName: 'gpu', DesiredCapacity: 2, HonorCooldown: true }));
    // the launch activity ends when the instance is InService (minute 1); cooldown until 1 + 5 = 6
    stepTo(cloud, 5);
    await expect(cloud.ports.autoscaling.send(new SetDesiredCapacityCommand({ AutoScalingGroupName: 'gpu', DesiredCapacity: 3, HonorCooldown: true }))).rejects.toMatchObject({ name: 'ScalingActivityInProgress' });
    stepTo(cloud, 6);
    await cloud.ports.autoscaling.send(new SetDesiredCapacityCommand({ AutoScalingGroupName: 'gpu', DesiredCapacity: 3, HonorCooldown: true }));
    expect(cloud.group('gpu').desired).toBe(3);
  });

  it('an unknown group is the ValidationError AWS answers', async () => {
    const cloud = cloudWithGroup();
    await expect(cloud.ports.autoscaling.send(new SetDesiredCapacityCommand({ AutoScalingGroupName: 'nope', DesiredCapacity: 1 }))).rejects.toMatchObject({
      name: 'ValidationError',
      message: "AutoScalingGroup name not found - AutoScalingGroup 'nope' not found",
    });
  });
});

describe('launch lifecycle hooks', () => {
  it('hold a new instance in Pending:Wait, where it takes no streams, until CONTINUE; ABANDON replaces it', async () => {
    const cloud = cloudWithGroup({ desiredCapacity: 0, bootMinutes: 2 });
    await cloud.ports.autoscaling.send(new PutLifecycleHookCommand({ AutoScalingGroupName: 'gpu', LifecycleHookName: 'warm', LifecycleTransition: 'autoscaling:EC2_INSTANCE_LAUNCHING', HeartbeatTimeout: 600 }));
    const hooks = await cloud.ports.autoscaling.send(new DescribeLifecycleHooksCommand({ AutoScalingGroupName: 'gpu' }));
    expect(hooks.LifecycleHooks?.[0]).toMatchObject({ HeartbeatTimeout: 600, GlobalTimeout: 60_000, DefaultResult: 'ABANDON' });
    await cloud.ports.autoscaling.send(new SetDesiredCapacityCommand({ AutoScalingGroupName: 'gpu', DesiredCapacity: 1 }));
    stepTo(cloud, 3);
    const first = cloud.group('gpu').instances[0]!;
    expect(first.lifecycleState).toBe('Pending:Wait');
    expect(cloud.step().inService).toBe(0);
    const [event] = cloud.takeDueEvents();
    expect(event).toMatchObject({ 'detail-type': 'EC2 Instance-launch Lifecycle Action', detail: { Origin: 'EC2', Destination: 'AutoScalingGroup', EC2InstanceId: first.id } });
    await cloud.ports.autoscaling.send(new CompleteLifecycleActionCommand({ AutoScalingGroupName: 'gpu', LifecycleHookName: 'warm', InstanceId: first.id, LifecycleActionResult: 'ABANDON' }));
    expect(cloud.instance(first.id)).toBeUndefined();
    const replacement = cloud.group('gpu').instances[0]!;
    expect(replacement.id).not.toBe(first.id);
    stepTo(cloud, 6);
    await cloud.ports.autoscaling.send(new CompleteLifecycleActionCommand({ AutoScalingGroupName: 'gpu', LifecycleHookName: 'warm', InstanceId: replacement.id, LifecycleActionResult: 'CONTINUE' }));
    expect(replacement.lifecycleState).toBe('InService');
  });

  it('refuses a heartbeat timeout outside 30..7200 seconds', async () => {
    const cloud = cloudWithGroup();
    await expect(
      cloud.ports.autoscaling.send(new PutLifecycleHookCommand({ AutoScalingGroupName: 'gpu', LifecycleHookName: 'h', LifecycleTransition: 'autoscaling:EC2_INSTANCE_TERMINATING', HeartbeatTimeout: 7201 })),
    ).rejects.toMatchObject({ name: 'ValidationError' });
  });
});

describe('controller telemetry and ListMetrics', () => {
  it('lands the controller metric points in the simulated CloudWatch, readable a minute later', async () => {
    const cloud = cloudWithGroup();
    const telemetry = cloud.controllerTelemetry({ limit: 10 });
    telemetry.metric({ name: 'DesiredInstances', value: 4, unit: 'Count', dimensions: { Fleet: 'gpu' } });
    cloud.step();
    const out = await cloud.ports.cloudwatch.send(
      new GetMetricDataCommand({
        StartTime: START,
        EndTime: cloud.clock.dateOf(5),
        MetricDataQueries: [{ Id: 'd', MetricStat: { Metric: { Namespace: 'GpuFleetScaler', MetricName: 'DesiredInstances', Dimensions: [{ Name: 'Fleet', Value: 'gpu' }, { Name: 'service', Value: 'gpu-fleet-scaler' }] }, Period: 60, Stat: 'Maximum', Unit: 'Count' } }],
      }),
    );
    expect(out.MetricDataResults?.[0]?.Values).toEqual([4]);
    // ListMetrics shows a new metric only after up to 15 minutes; the simulation takes all 15.
    expect((await cloud.ports.cloudwatch.send(new ListMetricsCommand({ Namespace: 'GpuFleetScaler' }))).Metrics).toEqual([]);
    for (let m = 0; m < 15; m++) cloud.step();
    const listed = await cloud.ports.cloudwatch.send(new ListMetricsCommand({ Namespace: 'GpuFleetScaler' }));
    expect(listed.Metrics?.map((m) => m.MetricName)).toEqual(['DesiredInstances']);
    // Powertools adds its service dimension to every EMF metric; the simulation does too.
    expect(listed.Metrics?.[0]?.Dimensions).toEqual([{ Name: 'Fleet', Value: 'gpu' }, { Name: 'service', Value: 'gpu-fleet-scaler' }]);
    // Only what was active in the past three hours, when asked.
    for (let m = 0; m < 180; m++) cloud.step();
    expect((await cloud.ports.cloudwatch.send(new ListMetricsCommand({ Namespace: 'GpuFleetScaler', RecentlyActive: 'PT3H' }))).Metrics).toEqual([]);
  });
});

describe('ListMetrics of the recently active series of one metric', () => {
  it('leaves out a series silent for three hours, lists it again from its next datapoint, and keeps creation order', async () => {
    const cloud = new SimCloud({ start: START });
    const put = (instance: string) =>
      cloud.ports.cloudwatch.send(new PutMetricDataCommand({ Namespace: 'Engine', MetricData: [{ MetricName: 'active', Dimensions: [{ Name: 'InstanceId', Value: instance }], Value: 1 }] }));
    const recent = async () => {
      const named = (await cloud.ports.cloudwatch.send(new ListMetricsCommand({ Namespace: 'Engine', MetricName: 'active', RecentlyActive: 'PT3H' }))).Metrics ?? [];
      // The walk of the whole namespace is the reference the metric's own walk must agree with.
      const whole = ((await cloud.ports.cloudwatch.send(new ListMetricsCommand({ Namespace: 'Engine', RecentlyActive: 'PT3H' }))).Metrics ?? []).filter((m) => m.MetricName === 'active');
      expect(named).toEqual(whole);
      return named.map((m) => m.Dimensions?.[0]?.Value);
    };
    await put('a');
    await put('b');
    for (let m = 0; m < 16; m++) cloud.step();
    expect(await recent()).toEqual(['a', 'b']);
    // b keeps publishing; a is silent from minute 0: past minute 180 it is no longer recent
    for (let m = 16; m <= 181; m++) {
      await put('b');
      cloud.step();
    }
    expect(await recent()).toEqual(['b']);
    await put('a');
    cloud.step();
    expect(await recent()).toEqual(['a', 'b']);
  });
});

describe('health replacement', () => {
  it('an instance marked Unhealthy goes through the termination hook and is replaced at once', async () => {
    const cloud = cloudWithGroup({ desiredCapacity: 1 });
    await cloud.ports.autoscaling.send(new PutLifecycleHookCommand({ AutoScalingGroupName: 'gpu', LifecycleHookName: 'drain', LifecycleTransition: 'autoscaling:EC2_INSTANCE_TERMINATING' }));
    const sick = cloud.group('gpu').instances[0]!.id;
    await cloud.ports.autoscaling.send(new SetInstanceHealthCommand({ InstanceId: sick, HealthStatus: 'Unhealthy' }));
    expect(cloud.group('gpu').instances.map((i) => [i.id === sick, i.lifecycleState, i.healthStatus])).toEqual([
      [true, 'Terminating:Wait', 'Unhealthy'],
      [false, 'Pending', 'Healthy'],
    ]);
  });
});

describe('DescribeScalingActivities', () => {
  const ids = (page: { Activities?: Array<{ ActivityId?: string }> }) => (page.Activities ?? []).map((a) => a.ActivityId);

  it('pages one group newest first, as the listing of every group orders it', async () => {
    const cloud = new SimCloud({ start: START });
    cloud.addAutoScalingGroup({ name: 'gpu', minSize: 0, maxSize: 10, desiredCapacity: 0 });
    // a second group, idle, so that the unnamed listing merges groups by StartTime
    cloud.addAutoScalingGroup({ name: 'idle', minSize: 0, maxSize: 1, desiredCapacity: 0 });
    // five launches then five terminations: ten activities
    await cloud.ports.autoscaling.send(new SetDesiredCapacityCommand({ AutoScalingGroupName: 'gpu', DesiredCapacity: 5 }));
    stepTo(cloud, 3);
    await cloud.ports.autoscaling.send(new SetDesiredCapacityCommand({ AutoScalingGroupName: 'gpu', DesiredCapacity: 0 }));
    stepTo(cloud, 6);
    const all = await cloud.ports.autoscaling.send(new DescribeScalingActivitiesCommand({}));
    expect(all.Activities).toHaveLength(10);
    expect(all.Activities?.[0]?.Description).toMatch(/^Terminating/);
    const pages: Array<{ Activities?: Array<{ ActivityId?: string }>; NextToken?: string }> = [];
    let token: string | undefined;
    do {
      const page = await cloud.ports.autoscaling.send(new DescribeScalingActivitiesCommand({ AutoScalingGroupName: 'gpu', MaxRecords: 4, NextToken: token }));
      pages.push(page);
      token = page.NextToken;
    } while (token !== undefined);
    // 10 activities by 4: pages of 4, 4 and 2, the last without a token
    expect(pages.map((p) => ids(p).length)).toEqual([4, 4, 2]);
    expect(pages.flatMap(ids)).toEqual(ids(all));
    const past = await cloud.ports.autoscaling.send(new DescribeScalingActivitiesCommand({ AutoScalingGroupName: 'gpu', NextToken: 'sim:12' }));
    expect([ids(past), past.NextToken]).toEqual([[], undefined]);
    await expect(cloud.ports.autoscaling.send(new DescribeScalingActivitiesCommand({ AutoScalingGroupName: 'gpu', NextToken: 'x:4' }))).rejects.toMatchObject({ name: 'InvalidNextToken' });
  });
});
