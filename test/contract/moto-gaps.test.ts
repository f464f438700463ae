import { DescribeScalingActivitiesCommand, SetDesiredCapacityCommand, TerminateInstanceInAutoScalingGroupCommand } from '@aws-sdk/client-auto-scaling';
import { DescribeNodegroupCommand, TagResourceCommand } from '@aws-sdk/client-eks';
import { SendCommandCommand } from '@aws-sdk/client-ssm';
import { expect, it } from 'vitest';
import { listDrainCommands } from '../../lib/drain/commands.js';
import { DEFAULT_HOOK_NAME } from '../../lib/fleet/drain-hook.js';
import { completeAction, recordHeartbeat } from '../../lib/drain/hook.js';
import { cancelRefresh, latestRefresh, startRefresh } from '../../lib/redeploy/refresh.js';
import { describeMoto, noRetry } from './harness.js';
import { DRAIN_DOCUMENT, createAsgFleet, createDrainDocument, createEksFleet, describeGroup } from './fixtures.js';

/**
 * What moto 5.2.4 does not emulate, pinned so that test/contract/README.md stays true: each
 * case fails the day moto learns the call, and the call should then move to a real
 * contract test. Nothing here is a claim about AWS.
 */
describeMoto('moto 5.2.4 gaps listed in test/contract/README.md', (moto) => {
  it('RecordLifecycleActionHeartbeat and CompleteLifecycleAction answer HTTP 500 (not implemented)', async () => {
    const fleet = await createAsgFleet(moto.ports, { name: 'engine-a', desired: 1, terminateHook: true });
    const target = { groupName: 'engine-a', hookName: DEFAULT_HOOK_NAME, instanceId: fleet.instanceIds[0] as string };

    await expect(recordHeartbeat(moto.ports.autoscaling, target, noRetry)).rejects.toMatchObject({ name: 'LifecycleHookError', cause: { cause: { $metadata: { httpStatusCode: 500 } } } });
    await expect(completeAction(moto.ports.autoscaling, target, noRetry)).rejects.toMatchObject({ name: 'LifecycleHookError', cause: { cause: { $metadata: { httpStatusCode: 500 } } } });
  });

  it('ListCommandInvocations answers HTTP 500 (not implemented)', async () => {
    const listing = listDrainCommands(moto.ports.ssm, { documentName: DRAIN_DOCUMENT, invokedAfter: new Date('2026-11-20T09:00:00Z'), retry: noRetry });

    await expect(listing).rejects.toMatchObject({ name: 'DrainCommandError', cause: { cause: { $metadata: { httpStatusCode: 500 } } } });
  });

  it('StartInstanceRefresh, DescribeInstanceRefreshes and CancelInstanceRefresh answer HTTP 500 (not implemented)', async () => {
    await createAsgFleet(moto.ports, { name: 'engine-a', desired: 2 });
    const plan = {
      instances: 2,
      segmentSize: 1,
      segments: 2,
      minHealthyPercentage: 100,
      maxHealthyPercentage: 150,
      instanceWarmupSeconds: 600,
      estimatedMinutes: 30,
      windowEnd: new Date('2026-11-20T11:00:00Z'),
    };
    const notImplemented = { $metadata: { httpStatusCode: 500 } };

    await expect(startRefresh(moto.ports.autoscaling, 'engine-a', plan, noRetry)).rejects.toMatchObject({ cause: notImplemented });
    await expect(latestRefresh(moto.ports.autoscaling, 'engine-a', noRetry)).rejects.toMatchObject({ cause: notImplemented });
    await expect(cancelRefresh(moto.ports.autoscaling, 'engine-a', noRetry)).rejects.toMatchObject({ cause: notImplemented });
  });

  it('a terminate lifecycle hook never holds an instance in Terminating:Wait: it is gone at once', async () => {
    const fleet = await createAsgFleet(moto.ports, { name: 'engine-a', desired: 2, terminateHook: true });

    await moto.ports.autoscaling.send(new TerminateInstanceInAutoScalingGroupCommand({ InstanceId: fleet.instanceIds[0], ShouldDecrementDesiredCapacity: true }));

    const group = await describeGroup(moto.ports, 'engine-a');
    expect(group.Instances?.map((i) => [i.InstanceId, i.LifecycleState])).toEqual([[fleet.instanceIds[1], 'InService']]);
  });

  it('DescribeScalingActivities answers no activities, even after a termination', async () => {
    const fleet = await createAsgFleet(moto.ports, { name: 'engine-a', desired: 2 });
    await moto.ports.autoscaling.send(new TerminateInstanceInAutoScalingGroupCommand({ InstanceId: fleet.instanceIds[0], ShouldDecrementDesiredCapacity: true }));

    const answer = await moto.ports.autoscaling.send(new DescribeScalingActivitiesCommand({ AutoScalingGroupName: 'engine-a' }));

    expect(answer.Activities ?? []).toEqual([]);
  });

  it('EKS TagResource tags clusters only: a node group ARN is NotFound', async () => {
    await createEksFleet(moto.ports, { cluster: 'speech', nodegroup: 'gpu-a', desired: 1 });
    const arn = (await moto.ports.eks.send(new DescribeNodegroupCommand({ clusterName: 'speech', nodegroupName: 'gpu-a' }))).nodegroup?.nodegroupArn;

    const tagging = moto.ports.eks.send(new TagResourceCommand({ resourceArn: arn, tags: { k: 'v' } }));

    await expect(tagging).rejects.toMatchObject({ name: 'ResourceNotFoundException' });
  });

  it('SetDesiredCapacity outside min..max is accepted (AWS refuses it with ValidationError)', async () => {
    await createAsgFleet(moto.ports, { name: 'engine-a', desired: 1, min: 1, max: 3 });

    await moto.ports.autoscaling.send(new SetDesiredCapacityCommand({ AutoScalingGroupName: 'engine-a', DesiredCapacity: 4, HonorCooldown: false }));

    expect((await describeGroup(moto.ports, 'engine-a')).DesiredCapacity).toBe(4);
  });

  it('SendCommand by InstanceIds also targets every other EC2 instance of the region', async () => {
    const fleet = await createAsgFleet(moto.ports, { name: 'engine-a', desired: 2 });
    await createDrainDocument(moto.ports);

    const sent = await moto.ports.ssm.send(new SendCommandCommand({ DocumentName: DRAIN_DOCUMENT, InstanceIds: [fleet.instanceIds[0] as string] }));

    expect([...(sent.Command?.InstanceIds ?? [])].sort()).toEqual([...fleet.instanceIds].sort());
  });
});
