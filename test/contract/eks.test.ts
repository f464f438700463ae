import { DescribeNodegroupCommand, UpdateNodegroupConfigCommand } from '@aws-sdk/client-eks';
import { expect, it } from 'vitest';
import { describeMoto, noRetry } from './harness.js';
import { createEksFleet } from './fixtures.js';
import { describeClusterAccess } from '../../lib/k8s/connect.js';

const target = { clusterName: 'speech', nodegroupName: 'gpu-a' };

// TagResource on a node group ARN is not covered: moto 5.2.4 tags clusters only and answers
// NotFoundException for a node group (see README).
describeMoto('EKS: the node group calls of an EKS-backed fleet', (moto) => {
  it('DescribeNodegroup answers the scaling config, status, ARN and the backing Auto Scaling group name', async () => {
    await createEksFleet(moto.ports, { cluster: 'speech', nodegroup: 'gpu-a', desired: 3, min: 1, max: 8 });

    const answer = await moto.ports.eks.send(new DescribeNodegroupCommand(target));

    expect(answer.nodegroup).toMatchObject({
      clusterName: 'speech',
      nodegroupName: 'gpu-a',
      status: 'ACTIVE',
      scalingConfig: { desiredSize: 3, minSize: 1, maxSize: 8 },
    });
    expect(answer.nodegroup?.nodegroupArn).toMatch(/^arn:aws:eks:us-east-1:123456789012:nodegroup\/speech\/gpu-a\//);
    expect(answer.nodegroup?.resources?.autoScalingGroups?.[0]?.name).toEqual(expect.any(String));
  });

  it('DescribeNodegroup of an unknown node group is ResourceNotFoundException', async () => {
    await createEksFleet(moto.ports, { cluster: 'speech', nodegroup: 'gpu-a', desired: 1 });

    const describing = moto.ports.eks.send(new DescribeNodegroupCommand({ clusterName: 'speech', nodegroupName: 'gpu-gone' }));

    await expect(describing).rejects.toMatchObject({ name: 'ResourceNotFoundException' });
  });

  it('UpdateNodegroupConfig with only desiredSize changes desired and keeps min and max', async () => {
    await createEksFleet(moto.ports, { cluster: 'speech', nodegroup: 'gpu-a', desired: 2, min: 1, max: 8 });

    const update = await moto.ports.eks.send(new UpdateNodegroupConfigCommand({ ...target, scalingConfig: { desiredSize: 5 } }));

    // Real EKS answers InProgress; moto finishes the update at once (Successful).
    expect(update.update?.type).toBe('ConfigUpdate');
    const answer = await moto.ports.eks.send(new DescribeNodegroupCommand(target));
    expect(answer.nodegroup?.scalingConfig).toEqual({ desiredSize: 5, minSize: 1, maxSize: 8 });
  });
});

describeMoto('EKS: the cluster the drain reaches through Kubernetes', (moto) => {
  it('DescribeCluster gives the endpoint and the CA the drain connects with (describeClusterAccess)', async () => {
    await createEksFleet(moto.ports, { cluster: 'speech', nodegroup: 'gpu-a', desired: 1 });

    const access = await describeClusterAccess(moto.ports.eks, 'speech', noRetry);

    expect(access.endpoint).toMatch(/^https:\/\//);
    expect(access.caData).toMatch(/^[A-Za-z0-9+/=]+$/);
  });

  it('DescribeCluster of an unknown cluster is refused with a KubeConnectError naming it', async () => {
    await expect(describeClusterAccess(moto.ports.eks, 'no-such-cluster', noRetry)).rejects.toThrow(/describing EKS cluster no-such-cluster failed: .*ResourceNotFoundException/);
  });
});
