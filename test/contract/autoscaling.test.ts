import {
  CreateOrUpdateTagsCommand,
  DescribeAutoScalingGroupsCommand,
  DescribeAutoScalingInstancesCommand,
  DescribeLifecycleHooksCommand,
  DescribeTagsCommand,
  PutLifecycleHookCommand,
  SetDesiredCapacityCommand,
  SetInstanceProtectionCommand,
  TerminateInstanceInAutoScalingGroupCommand,
  UpdateAutoScalingGroupCommand,
} from '@aws-sdk/client-auto-scaling';
import { expect, it } from 'vitest';
import { describeMoto } from './harness.js';
import { TERMINATE_HOOK, createAsgFleet, describeGroup } from './fixtures.js';

describeMoto('Auto Scaling: the command shapes scale, drain and redeploy send', (moto) => {
  it('DescribeAutoScalingGroups with names answers only those groups, with their instances', async () => {
    await createAsgFleet(moto.ports, { name: 'engine-a', desired: 2 });
    await createAsgFleet(moto.ports, { name: 'engine-b', desired: 1 });
    await createAsgFleet(moto.ports, { name: 'not-managed', desired: 1 });

    const answer = await moto.ports.autoscaling.send(
      new DescribeAutoScalingGroupsCommand({ AutoScalingGroupNames: ['engine-a', 'engine-b', 'engine-gone'] }),
    );

    const groups = answer.AutoScalingGroups ?? [];
    expect(groups.map((g) => g.AutoScalingGroupName).sort()).toEqual(['engine-a', 'engine-b']);
    const a = groups.find((g) => g.AutoScalingGroupName === 'engine-a');
    expect(a).toMatchObject({ MinSize: 0, MaxSize: 10, DesiredCapacity: 2 });
    expect(a?.Instances).toHaveLength(2);
    for (const instance of a?.Instances ?? []) {
      expect(instance).toMatchObject({ LifecycleState: 'InService', HealthStatus: 'Healthy', ProtectedFromScaleIn: false });
      expect(instance.InstanceId).toMatch(/^i-[0-9a-f]+$/);
      expect(instance.LaunchTemplate?.LaunchTemplateName).toBe('engine-a-lt');
    }
  });

  it('DescribeAutoScalingGroups with a tag filter answers only the groups carrying that tag value', async () => {
    for (const name of ['engine-a', 'engine-b', 'engine-c']) await createAsgFleet(moto.ports, { name, desired: 0 });
    const tag = (name: string, value: string) => ({ ResourceId: name, ResourceType: 'auto-scaling-group', Key: 'gpu-fleet-scaler:managed', Value: value, PropagateAtLaunch: false });
    await moto.ports.autoscaling.send(new CreateOrUpdateTagsCommand({ Tags: [tag('engine-a', 'true'), tag('engine-b', 'false')] }));

    const answer = await moto.ports.autoscaling.send(
      new DescribeAutoScalingGroupsCommand({ Filters: [{ Name: 'tag:gpu-fleet-scaler:managed', Values: ['true'] }], MaxRecords: 100 }),
    );

    expect(answer.AutoScalingGroups?.map((g) => g.AutoScalingGroupName)).toEqual(['engine-a']);
  });

  it('DescribeAutoScalingGroups pages with MaxRecords and NextToken', async () => {
    for (const name of ['engine-1', 'engine-2', 'engine-3']) await createAsgFleet(moto.ports, { name, desired: 0 });

    const names: string[] = [];
    let token: string | undefined;
    let calls = 0;
    do {
      const answer = await moto.ports.autoscaling.send(
        new DescribeAutoScalingGroupsCommand({ AutoScalingGroupNames: ['engine-1', 'engine-2', 'engine-3'], MaxRecords: 2, NextToken: token }),
      );
      names.push(...(answer.AutoScalingGroups ?? []).map((g) => g.AutoScalingGroupName ?? ''));
      token = answer.NextToken;
      calls++;
    } while (token);

    expect(names.sort()).toEqual(['engine-1', 'engine-2', 'engine-3']);
    expect(calls).toBe(2); // 3 groups, 2 per page
  });

  it('SetDesiredCapacity with HonorCooldown false grows the group to the new size', async () => {
    await createAsgFleet(moto.ports, { name: 'engine-a', desired: 1 });

    await moto.ports.autoscaling.send(new SetDesiredCapacityCommand({ AutoScalingGroupName: 'engine-a', DesiredCapacity: 4, HonorCooldown: false }));

    const group = await describeGroup(moto.ports, 'engine-a');
    expect(group.DesiredCapacity).toBe(4);
    expect(group.Instances).toHaveLength(4);
  });

  it('CreateOrUpdateTags writes a group tag that DescribeAutoScalingGroups and DescribeTags return, and overwrites it', async () => {
    await createAsgFleet(moto.ports, { name: 'engine-a', desired: 0 });
    const tag = (value: string) => ({
      ResourceId: 'engine-a',
      ResourceType: 'auto-scaling-group',
      Key: 'gpu-fleet-scaler:last-scale',
      Value: value,
      PropagateAtLaunch: false,
    });

    await moto.ports.autoscaling.send(new CreateOrUpdateTagsCommand({ Tags: [tag('2026-11-20T21:00:00.000Z up 2->4')] }));
    await moto.ports.autoscaling.send(new CreateOrUpdateTagsCommand({ Tags: [tag('2026-11-20T21:05:00.000Z down 4->3')] }));

    const group = await describeGroup(moto.ports, 'engine-a');
    expect(group.Tags?.filter((t) => t.Key === 'gpu-fleet-scaler:last-scale')).toEqual([
      expect.objectContaining({ Value: '2026-11-20T21:05:00.000Z down 4->3', PropagateAtLaunch: false }),
    ]);
    const tags = await moto.ports.autoscaling.send(
      new DescribeTagsCommand({ Filters: [{ Name: 'auto-scaling-group', Values: ['engine-a'] }, { Name: 'key', Values: ['gpu-fleet-scaler:last-scale'] }] }),
    );
    expect(tags.Tags?.map((t) => t.Value)).toEqual(['2026-11-20T21:05:00.000Z down 4->3']);
  });

  it('TerminateInstanceInAutoScalingGroup with ShouldDecrementDesiredCapacity true shrinks the group by that instance', async () => {
    const fleet = await createAsgFleet(moto.ports, { name: 'engine-a', desired: 3 });
    const victim = fleet.instanceIds[1] as string;

    const answer = await moto.ports.autoscaling.send(
      new TerminateInstanceInAutoScalingGroupCommand({ InstanceId: victim, ShouldDecrementDesiredCapacity: true }),
    );

    expect(answer.Activity?.AutoScalingGroupName).toBe('engine-a');
    const group = await describeGroup(moto.ports, 'engine-a');
    expect(group.DesiredCapacity).toBe(2); // 3 - 1
    expect(group.Instances?.map((i) => i.InstanceId)).not.toContain(victim);
  });

  it('TerminateInstanceInAutoScalingGroup with ShouldDecrementDesiredCapacity false replaces the instance (redeploy)', async () => {
    const fleet = await createAsgFleet(moto.ports, { name: 'engine-a', desired: 2 });
    const victim = fleet.instanceIds[0] as string;

    await moto.ports.autoscaling.send(new TerminateInstanceInAutoScalingGroupCommand({ InstanceId: victim, ShouldDecrementDesiredCapacity: false }));

    const group = await describeGroup(moto.ports, 'engine-a');
    expect(group.DesiredCapacity).toBe(2);
    const ids = group.Instances?.map((i) => i.InstanceId) ?? [];
    expect(ids).toHaveLength(2);
    expect(ids).not.toContain(victim);
    expect(ids).toContain(fleet.instanceIds[1]);
  });

  it('PutLifecycleHook creates the terminate hook that DescribeLifecycleHooks reports with its timeout and default', async () => {
    await createAsgFleet(moto.ports, { name: 'engine-a', desired: 1, terminateHook: true });

    const answer = await moto.ports.autoscaling.send(new DescribeLifecycleHooksCommand({ AutoScalingGroupName: 'engine-a' }));

    expect(answer.LifecycleHooks).toEqual([
      expect.objectContaining({
        AutoScalingGroupName: 'engine-a',
        LifecycleHookName: TERMINATE_HOOK,
        LifecycleTransition: 'autoscaling:EC2_INSTANCE_TERMINATING',
        HeartbeatTimeout: 900,
        DefaultResult: 'CONTINUE',
      }),
    ]);
  });

  it('DescribeLifecycleHooks filtered by name answers nothing for a hook that does not exist', async () => {
    await createAsgFleet(moto.ports, { name: 'engine-a', desired: 0 });

    const answer = await moto.ports.autoscaling.send(
      new DescribeLifecycleHooksCommand({ AutoScalingGroupName: 'engine-a', LifecycleHookNames: [TERMINATE_HOOK] }),
    );

    expect(answer.LifecycleHooks ?? []).toEqual([]);
  });

  it('PutLifecycleHook again updates the heartbeat timeout of the same hook', async () => {
    await createAsgFleet(moto.ports, { name: 'engine-a', desired: 0, terminateHook: true });

    await moto.ports.autoscaling.send(
      new PutLifecycleHookCommand({
        AutoScalingGroupName: 'engine-a',
        LifecycleHookName: TERMINATE_HOOK,
        LifecycleTransition: 'autoscaling:EC2_INSTANCE_TERMINATING',
        HeartbeatTimeout: 3600,
        DefaultResult: 'CONTINUE',
      }),
    );

    const answer = await moto.ports.autoscaling.send(new DescribeLifecycleHooksCommand({ AutoScalingGroupName: 'engine-a' }));
    expect(answer.LifecycleHooks?.map((h) => [h.LifecycleHookName, h.HeartbeatTimeout])).toEqual([[TERMINATE_HOOK, 3600]]);
  });

  it('DescribeAutoScalingInstances maps instance ids to their group and lifecycle state', async () => {
    const fleet = await createAsgFleet(moto.ports, { name: 'engine-a', desired: 2 });

    const answer = await moto.ports.autoscaling.send(new DescribeAutoScalingInstancesCommand({ InstanceIds: fleet.instanceIds }));

    expect(answer.AutoScalingInstances?.map((i) => [i.InstanceId, i.AutoScalingGroupName, i.LifecycleState]).sort()).toEqual(
      fleet.instanceIds.map((id) => [id, 'engine-a', 'InService']).sort(),
    );
  });

  it('SetInstanceProtection marks an instance protected from scale-in', async () => {
    const fleet = await createAsgFleet(moto.ports, { name: 'engine-a', desired: 2 });
    const protectedId = fleet.instanceIds[0] as string;

    await moto.ports.autoscaling.send(
      new SetInstanceProtectionCommand({ AutoScalingGroupName: 'engine-a', InstanceIds: [protectedId], ProtectedFromScaleIn: true }),
    );

    const group = await describeGroup(moto.ports, 'engine-a');
    expect(group.Instances?.find((i) => i.InstanceId === protectedId)?.ProtectedFromScaleIn).toBe(true);
  });

  it('UpdateAutoScalingGroup sets min, max and desired in one call', async () => {
    await createAsgFleet(moto.ports, { name: 'engine-a', desired: 1 });

    await moto.ports.autoscaling.send(new UpdateAutoScalingGroupCommand({ AutoScalingGroupName: 'engine-a', MinSize: 2, MaxSize: 6, DesiredCapacity: 3 }));

    expect(await describeGroup(moto.ports, 'engine-a')).toMatchObject({ MinSize: 2, MaxSize: 6, DesiredCapacity: 3 });
  });
});
