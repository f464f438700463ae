import { DescribeAutoScalingGroupsCommand, type AutoScalingGroup } from '@aws-sdk/client-auto-scaling';
import { DescribeNodegroupCommand } from '@aws-sdk/client-eks';
import type { AutoScalingPort, EksPort } from '../aws/ports.js';
import { withRetry, type RetryPolicy } from '../aws/retry.js';
import type { EksTarget, Target } from '../config/schema.js';

export const MANAGED_TAG = 'gpu-fleet-scaler:managed';
export const LAST_SCALING_TAG = 'gpu-fleet-scaler:last-scaling';
/** DescribeAutoScalingGroups takes at most 50 names per call by default. */
export const MAX_GROUP_NAMES_PER_CALL = 50;

export interface InstanceState {
  instanceId: string;
  lifecycleState: string;
  healthStatus?: string;
  protectedFromScaleIn: boolean;
}

export interface GroupState {
  target: Target;
  desired: number;
  min: number;
  max: number;
  instances: InstanceState[];
  tags: Record<string, string>;
  /** An EKS node group not ACTIVE or DEGRADED: someone else is changing it. */
  busy: boolean;
  /** The Auto Scaling group holding the instances (an EKS node group's own group). */
  autoScalingGroupName?: string;
  nodegroupArn?: string;
}

export class FleetStateError extends Error {
  override readonly name = 'FleetStateError';
}

export function parseLastScaling(value: string | undefined): { at: Date; direction: 'up' | 'down' } | undefined {
  if (value === undefined) return undefined;
  const match = /^(\S+) (up|down)$/.exec(value);
  if (!match) return undefined;
  const at = new Date(match[1] as string);
  return Number.isNaN(at.getTime()) ? undefined : { at, direction: match[2] as 'up' | 'down' };
}

export function formatLastScaling(at: Date, direction: 'up' | 'down'): string {
  return `${at.toISOString()} ${direction}`;
}

/** Auto Scaling groups by name, described in batches of 50 names with NextToken paging. */
export async function describeGroups(autoscaling: AutoScalingPort, names: readonly string[], retry?: RetryPolicy): Promise<Map<string, AutoScalingGroup>> {
  const groups = new Map<string, AutoScalingGroup>();
  const unique = [...new Set(names)];
  for (let offset = 0; offset < unique.length; offset += MAX_GROUP_NAMES_PER_CALL) {
    const batch = unique.slice(offset, offset + MAX_GROUP_NAMES_PER_CALL);
    let nextToken: string | undefined;
    do {
      const answer = await withRetry(
        'autoscaling:DescribeAutoScalingGroups',
        () => autoscaling.send(new DescribeAutoScalingGroupsCommand({ AutoScalingGroupNames: batch, MaxRecords: 100, NextToken: nextToken })),
        retry,
      );
      for (const group of answer.AutoScalingGroups ?? []) {
        if (group.AutoScalingGroupName) groups.set(group.AutoScalingGroupName, group);
      }
      nextToken = answer.NextToken;
    } while (nextToken);
  }
  return groups;
}

export interface NodegroupState {
  desired: number;
  min: number;
  max: number;
  status: string;
  autoScalingGroupName?: string;
  nodegroupArn?: string;
  tags: Record<string, string>;
}

export async function describeNodegroup(eks: EksPort, target: EksTarget, retry?: RetryPolicy): Promise<NodegroupState> {
  const answer = await withRetry(
    'eks:DescribeNodegroup',
    () => eks.send(new DescribeNodegroupCommand({ clusterName: target.clusterName, nodegroupName: target.nodegroupName })),
    retry,
  );
  const nodegroup = answer.nodegroup;
  const scaling = nodegroup?.scalingConfig;
  if (!nodegroup || scaling?.desiredSize === undefined || scaling.minSize === undefined || scaling.maxSize === undefined) {
    throw new FleetStateError(`eks:DescribeNodegroup answered no scalingConfig for ${target.clusterName}/${target.nodegroupName}`);
  }
  return {
    desired: scaling.desiredSize,
    min: scaling.minSize,
    max: scaling.maxSize,
    status: nodegroup.status ?? 'UNKNOWN',
    autoScalingGroupName: nodegroup.resources?.autoScalingGroups?.[0]?.name,
    nodegroupArn: nodegroup.nodegroupArn,
    tags: nodegroup.tags ?? {},
  };
}

export function instancesOf(group: AutoScalingGroup | undefined): InstanceState[] {
  return (group?.Instances ?? []).map((instance) => ({
    instanceId: instance.InstanceId ?? '',
    lifecycleState: instance.LifecycleState ?? 'Unknown',
    healthStatus: instance.HealthStatus,
    protectedFromScaleIn: instance.ProtectedFromScaleIn ?? false,
  }));
}

export function asgGroupState(target: Target & { type: 'asg' }, group: AutoScalingGroup): GroupState {
  return {
    target,
    desired: group.DesiredCapacity ?? 0,
    min: group.MinSize ?? 0,
    max: group.MaxSize ?? 0,
    instances: instancesOf(group),
    tags: Object.fromEntries((group.Tags ?? []).filter((t) => t.Key !== undefined).map((t) => [t.Key as string, t.Value ?? ''])),
    busy: false,
    autoScalingGroupName: group.AutoScalingGroupName,
  };
}

export function eksGroupState(target: EksTarget, nodegroup: NodegroupState, group: AutoScalingGroup | undefined): GroupState {
  return {
    target,
    desired: nodegroup.desired,
    min: nodegroup.min,
    max: nodegroup.max,
    instances: instancesOf(group),
    tags: nodegroup.tags,
    busy: nodegroup.status !== 'ACTIVE' && nodegroup.status !== 'DEGRADED',
    autoScalingGroupName: nodegroup.autoScalingGroupName,
    nodegroupArn: nodegroup.nodegroupArn,
  };
}

/** Instance counts the decision needs, from the group's lifecycle states. */
export function countInstances(instances: readonly InstanceState[]): { serving: number; booting: number; draining: number } {
  let serving = 0;
  let booting = 0;
  let draining = 0;
  for (const instance of instances) {
    if (instance.lifecycleState === 'InService') serving++;
    else if (instance.lifecycleState.startsWith('Pending')) booting++;
    else if (instance.lifecycleState.startsWith('Terminating')) draining++;
  }
  return { serving, booting, draining };
}
