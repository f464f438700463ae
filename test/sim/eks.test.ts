import { DescribeNodegroupCommand, DescribeUpdateCommand, TagResourceCommand, UpdateNodegroupConfigCommand, UpdateNodegroupVersionCommand } from '@aws-sdk/client-eks';
import { DescribeAutoScalingGroupsCommand } from '@aws-sdk/client-auto-scaling';
import { describe, expect, it } from 'vitest';
import { SimCloud } from '../../sim/cloud.js';
import { scriptedTraffic } from '../../sim/traffic.js';
import { points, query, START, stepTo } from './helpers.js';

function cluster(): SimCloud {
  const cloud = new SimCloud({ start: START });
  cloud.addNodegroup({ clusterName: 'speech', nodegroupName: 'gpu', minSize: 1, maxSize: 5, desiredCapacity: 2, traffic: scriptedTraffic((m) => (m === 1 ? [5, 5, 5] : [])) });
  return cloud;
}

const NG = { clusterName: 'speech', nodegroupName: 'gpu' };

describe('EKS managed node groups', () => {
  it('describes the node group with its scaling config and backing Auto Scaling group', async () => {
    const cloud = cluster();
    const { nodegroup } = await cloud.ports.eks.send(new DescribeNodegroupCommand(NG));
    expect(nodegroup).toMatchObject({ nodegroupName: 'gpu', clusterName: 'speech', status: 'ACTIVE', scalingConfig: { minSize: 1, maxSize: 5, desiredSize: 2 } });
    expect(nodegroup?.nodegroupArn).toMatch(/^arn:aws:eks:us-east-1:123456789012:nodegroup\/speech\/gpu\//);
    expect(nodegroup?.createdAt).toBeInstanceOf(Date);
    const asgName = nodegroup?.resources?.autoScalingGroups?.[0]?.name;
    const asg = await cloud.ports.autoscaling.send(new DescribeAutoScalingGroupsCommand({ AutoScalingGroupNames: [asgName!] }));
    expect(asg.AutoScalingGroups?.[0]?.Instances).toHaveLength(2);
  });

  it('applies UpdateNodegroupConfig at the next minute and refuses a second update meanwhile', async () => {
    const cloud = cluster();
    const { update } = await cloud.ports.eks.send(new UpdateNodegroupConfigCommand({ ...NG, scalingConfig: { desiredSize: 4 } }));
    expect(update).toMatchObject({ status: 'InProgress', type: 'ConfigUpdate', params: [{ type: 'DesiredSize', value: '4' }] });
    await expect(cloud.ports.eks.send(new UpdateNodegroupConfigCommand({ ...NG, scalingConfig: { desiredSize: 3 } }))).rejects.toMatchObject({ name: 'ResourceInUseException' });
    expect((await cloud.ports.eks.send(new DescribeNodegroupCommand(NG))).nodegroup?.status).toBe('UPDATING');
    cloud.step();
    const after = await cloud.ports.eks.send(new DescribeNodegroupCommand(NG));
    expect([after.nodegroup?.status, after.nodegroup?.scalingConfig?.desiredSize]).toEqual(['ACTIVE', 4]);
    expect((await cloud.ports.eks.send(new DescribeUpdateCommand({ name: 'speech', nodegroupName: 'gpu', updateId: update!.id }))).update?.status).toBe('Successful');
    expect(cloud.eks.require('speech', 'gpu').group.instances).toHaveLength(4);
  });

  it.each([
    ['desired above max', { desiredSize: 6 }],
    ['min above max', { minSize: 4, maxSize: 3, desiredSize: 3 }],
    ['desired below min', { minSize: 2, desiredSize: 1 }],
  ])('refuses %s with InvalidParameterException', async (_name, scalingConfig) => {
    const cloud = cluster();
    await expect(cloud.ports.eks.send(new UpdateNodegroupConfigCommand({ ...NG, scalingConfig }))).rejects.toMatchObject({ name: 'InvalidParameterException', $metadata: { httpStatusCode: 400 } });
  });

  it('answers ResourceNotFoundException for an unknown node group', async () => {
    const cloud = cluster();
    await expect(cloud.ports.eks.send(new DescribeNodegroupCommand({ clusterName: 'speech', nodegroupName: 'nope' }))).rejects.toMatchObject({ name: 'ResourceNotFoundException', $metadata: { httpStatusCode: 404 } });
  });

  it('tags the node group by ARN', async () => {
    const cloud = cluster();
    const arn = (await cloud.ports.eks.send(new DescribeNodegroupCommand(NG))).nodegroup!.nodegroupArn!;
    await cloud.ports.eks.send(new TagResourceCommand({ resourceArn: arn, tags: { 'gpu-fleet-scaler/last-scale': '2026-03-02T00:00:00Z' } }));
    expect((await cloud.ports.eks.send(new DescribeNodegroupCommand(NG))).nodegroup?.tags).toEqual({ 'gpu-fleet-scaler/last-scale': '2026-03-02T00:00:00Z' });
  });

  it('its Engines publish under ClusterName and NodegroupName', async () => {
    const cloud = cluster();
    stepTo(cloud, 2);
    const out = await query(cloud, 'engine_active_requests', { ClusterName: 'speech', NodegroupName: 'gpu', kind: 'stream' }, 'Sum', 0, 2);
    expect(points(out, cloud)).toEqual([[1, 3]]);
  });

  it('UpdateNodegroupVersion brings new nodes up before the old ones go, then reports the new release', async () => {
    const cloud = cluster();
    const old = cloud.eks.require('speech', 'gpu').group.instances.map((i) => i.id);
    const { update } = await cloud.ports.eks.send(new UpdateNodegroupVersionCommand({ ...NG, releaseVersion: '1.31.1-20260301' }));
    expect([update?.type, update?.status]).toEqual(['VersionUpdate', 'InProgress']);
    const group = cloud.eks.require('speech', 'gpu').group;
    expect(group.instances).toHaveLength(4); // 2 old + 2 new (surge)
    // new nodes InService at 1, warm after the 8-minute boot: at 9 the old ones go, at 10 the update is done
    stepTo(cloud, 8);
    expect(old.every((id) => cloud.instance(id) !== undefined)).toBe(true);
    stepTo(cloud, 10);
    expect(old.some((id) => cloud.instance(id) !== undefined)).toBe(false);
    const after = (await cloud.ports.eks.send(new DescribeNodegroupCommand(NG))).nodegroup;
    expect([after?.releaseVersion, after?.status, after?.scalingConfig?.desiredSize]).toEqual(['1.31.1-20260301', 'ACTIVE', 2]);
    expect((await cloud.ports.eks.send(new DescribeUpdateCommand({ name: 'speech', nodegroupName: 'gpu', updateId: update!.id }))).update?.status).toBe('Successful');
  });
});
