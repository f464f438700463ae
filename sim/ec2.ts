import { DescribeInstancesCommand, type DescribeInstancesCommandOutput, type Instance } from '@aws-sdk/client-ec2';
import type { SimCloud } from './cloud.js';
import { metadata, SimulationError } from './errors.js';

/**
 * EC2 DescribeInstances over the simulated instances, as the EKS roll reads it: the
 * `instance-id` filter (or InstanceIds), each instance with its LaunchTime and state
 * (terminated ones stay visible, as in EC2). Counted as `ec2:DescribeInstances`; the
 * fault injector does not reach it. Kept apart from `cloud.ports` because only the
 * redeploy reads EC2: pass it as the redeploy handler's `ec2`.
 */
export function simEc2Port(cloud: SimCloud): { send: (command: unknown) => Promise<DescribeInstancesCommandOutput> } {
  return {
    async send(command: unknown) {
      if (!(command instanceof DescribeInstancesCommand)) {
        throw new SimulationError(`the simulated ec2 supports DescribeInstances only, got ${(command as { constructor?: { name?: string } })?.constructor?.name ?? typeof command}`);
      }
      cloud.calls.set('ec2:DescribeInstances', (cloud.calls.get('ec2:DescribeInstances') ?? 0) + 1);
      const input = command.input;
      const filters = input.Filters ?? [];
      for (const filter of filters) {
        if (filter.Name !== 'instance-id') throw new SimulationError(`the simulated ec2 supports the instance-id filter only, got ${String(filter.Name)}`);
      }
      const ids = [...(input.InstanceIds ?? []), ...filters.flatMap((f) => f.Values ?? [])];
      const instances: Instance[] = [];
      for (const id of new Set(ids)) {
        const instance = cloud.autoScaling.instance(id);
        if (!instance) continue;
        const state = instance.terminated ? 'terminated' : instance.lifecycleState.startsWith('Pending') ? 'pending' : 'running';
        instances.push({ InstanceId: id, LaunchTime: new Date(instance.launchMs), Placement: { AvailabilityZone: instance.availabilityZone }, State: { Name: state } });
      }
      return { $metadata: metadata(), Reservations: instances.map((i) => ({ Instances: [i] })) };
    },
  };
}
