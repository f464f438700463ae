import { DescribeNodegroupCommand, DescribeUpdateCommand, TagResourceCommand, UpdateNodegroupConfigCommand, UpdateNodegroupVersionCommand } from '@aws-sdk/client-eks';
import { DescribeAutoScalingGroupsCommand } from '@aws-sdk/client-auto-scaling';
import { describe, expect, it } from 'vitest';
import { SimCloud } from '../../sim/cloud.js';
import { scriptedTraffic } from '../../sim/traffic.js';
import { cordonRequest, evictionRequest, listNodesRequest, readScaleRequest } from '../../lib/k8s/api.js';
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

describe('Kubernetes API faults of the simulated cluster', () => {
  const engineOn = (cloud: SimCloud) => [...cloud.kubernetes.pods.get('speech')!.values()].find((p) => p.role === 'engine' && p.nodeName)!;

  it('answers a faulted call with the API server\'s Status object, before the call takes effect, and records the hit', async () => {
    const cloud = cluster();
    cloud.faults.kubernetes({ call: 'create eviction', status: 429, times: 1 });
    const transport = cloud.kubernetes.transport('speech');
    const pod = engineOn(cloud);
    const refused = await transport(evictionRequest(pod.namespace, pod.name));
    expect(refused).toMatchObject({ status: 429, body: { kind: 'Status', reason: 'TooManyRequests', code: 429 } });
    expect(pod.deletionMinute).toBeUndefined();
    expect(cloud.faults.hits).toEqual([{ minute: 0, operation: 'kubernetes:create eviction', kind: '429', phase: 'before' }]);
    // used up: the next eviction goes through
    expect((await transport(evictionRequest(pod.namespace, pod.name))).status).toBe(201);
  });

  it('a timeout after the call took effect: the pod is evicted, the caller gets no answer', async () => {
    const cloud = cluster();
    cloud.faults.kubernetes({ status: 'timeout', phase: 'after' });
    const pod = engineOn(cloud);
    await expect(cloud.kubernetes.transport('speech')(evictionRequest(pod.namespace, pod.name))).rejects.toThrow(/no answer within/);
    expect(pod.deletionMinute).toBe(0);
  });

  it.each([
    ['list nodes', listNodesRequest('eks.amazonaws.com/nodegroup=gpu'), 409, 'Conflict'],
    ['patch node', cordonRequest('n-1'), 500, 'InternalError'],
    ['get scale', readScaleRequest('deepgram', 'deepgram-engine'), 503, 'ServiceUnavailable'],
  ])('names each call as its own (%s)', async (call, request, status, reason) => {
    const cloud = cluster();
    cloud.faults.kubernetes({ call, status });
    expect(await cloud.kubernetes.transport('speech')(request)).toMatchObject({ status, body: { reason } });
    expect(cloud.faults.hits.map((h) => h.operation)).toEqual([`kubernetes:${call}`]);
  });
});
