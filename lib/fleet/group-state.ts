import { DescribeAutoScalingGroupsCommand, type AutoScalingGroup } from '@aws-sdk/client-auto-scaling';
import { DescribeNodegroupCommand } from '@aws-sdk/client-eks';
import { forEachPage } from '../aws/pages.js';
import type { AutoScalingPort, EksPort } from '../aws/ports.js';
import { withRetry, type RetryPolicy } from '../aws/retry.js';
import type { EksTarget, Target } from '../config/schema.js';
import { CLOCK_SKEW_MARGIN_SECONDS } from '../aws-time.js';

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
  constructor(
    message: string,
    /** IncompleteAwsAnswer: AWS answered without a field the fleet's state needs; the fleet holds. */
    readonly code?: 'IncompleteAwsAnswer',
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

export function parseLastScaling(value: string | undefined): { at: Date; direction: 'up' | 'down' } | undefined {
  if (value === undefined) return undefined;
  const match = /^(\S+) (up|down)$/.exec(value);
  if (!match) return undefined;
  const at = new Date(match[1] as string);
  return Number.isNaN(at.getTime()) ? undefined : { at, direction: match[2] as 'up' | 'down' };
}

export type LastScalingProblem = 'FutureTag' | 'UnreadableTag';

export interface LastScalingRead {
  lastScaling?: { at: Date; direction: 'up' | 'down' };
  /** The tag could not be taken at its word: it counts as a scaling now. */
  problem?: LastScalingProblem;
}

/**
 * The group's last scaling, read so that a tag a person edited can neither block scaling
 * for decades (a date in the future) nor switch the cooldown off (a value that cannot be
 * read): both count as a scaling at `now`, and say so. A date ahead of `now` by less than
 * the clock margin is a host clock's skew, taken as written.
 */
export function readLastScaling(value: string | undefined, now: Date, marginSeconds = CLOCK_SKEW_MARGIN_SECONDS): LastScalingRead {
  if (value === undefined) return {};
  const parsed = parseLastScaling(value);
  if (!parsed) return { lastScaling: { at: now, direction: 'down' }, problem: 'UnreadableTag' };
  if (parsed.at.getTime() > now.getTime() + marginSeconds * 1000) return { lastScaling: { at: now, direction: parsed.direction }, problem: 'FutureTag' };
  return { lastScaling: parsed };
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
    await forEachPage(
      'autoscaling:DescribeAutoScalingGroups',
      { send: (token) => autoscaling.send(new DescribeAutoScalingGroupsCommand({ AutoScalingGroupNames: batch, MaxRecords: 100, NextToken: token })), retry },
      (page) => {
        for (const group of page.AutoScalingGroups ?? []) {
          if (group.AutoScalingGroupName) groups.set(group.AutoScalingGroupName, group);
        }
      },
    );
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
  const missing = !nodegroup ? ['nodegroup'] : (['desiredSize', 'minSize', 'maxSize'] as const).filter((k) => !isCount(scaling?.[k])).map((k) => `scalingConfig.${k}`);
  if (!nodegroup || !scaling || missing.length > 0) {
    throw new FleetStateError(`eks:DescribeNodegroup answered ${target.clusterName}/${target.nodegroupName} without ${missing.join(', ')} (or not as a count): the fleet holds, nothing is changed on a value AWS did not give`, 'IncompleteAwsAnswer');
  }
  return {
    desired: scaling.desiredSize as number,
    min: scaling.minSize as number,
    max: scaling.maxSize as number,
    status: nodegroup.status ?? 'UNKNOWN',
    autoScalingGroupName: nodegroup.resources?.autoScalingGroups?.[0]?.name,
    nodegroupArn: nodegroup.nodegroupArn,
    tags: nodegroup.tags ?? {},
  };
}

/** A whole, non-negative number: what a group's sizes are; anything else (absent, NaN, -1, 2.5) is not one. */
function isCount(value: unknown): value is number {
  return typeof value === 'number' && Number.isInteger(value) && value >= 0;
}

/**
 * The group's instances, and what AWS left out: an instance without its id or its
 * lifecycle state cannot be counted as serving, booting or draining, or be drained.
 */
export function readInstances(group: AutoScalingGroup | undefined): { instances: InstanceState[]; incomplete: string[] } {
  const instances: InstanceState[] = [];
  const incomplete: string[] = [];
  (group?.Instances ?? []).forEach((instance, index) => {
    if (!instance.InstanceId || !instance.LifecycleState) {
      incomplete.push(`Instances[${index}] ${instance.InstanceId ?? '(no InstanceId)'} without ${[!instance.InstanceId && 'InstanceId', !instance.LifecycleState && 'LifecycleState'].filter(Boolean).join(' and ')}`);
      return;
    }
    instances.push({ instanceId: instance.InstanceId, lifecycleState: instance.LifecycleState, healthStatus: instance.HealthStatus, protectedFromScaleIn: instance.ProtectedFromScaleIn ?? false });
  });
  return { instances, incomplete };
}

/** The instances AWS described completely (the drain acts on those, and reports the rest). */
export function instancesOf(group: AutoScalingGroup | undefined): InstanceState[] {
  return readInstances(group).instances;
}

/**
 * What AWS answered about an Auto Scaling group, refusing an answer without a field the
 * decision needs: a missing MaxSize read as 0 would empty the fleet, a missing instance
 * state would hide a serving instance from the partial-data check.
 */
export function asgGroupState(target: Target & { type: 'asg' }, group: AutoScalingGroup): GroupState {
  const missing: string[] = (['DesiredCapacity', 'MinSize', 'MaxSize'] as const).filter((k) => !isCount(group[k]));
  if (group.Instances === undefined) missing.push('Instances');
  const { instances, incomplete } = readInstances(group);
  if (missing.length > 0 || incomplete.length > 0) {
    throw new FleetStateError(
      `autoscaling:DescribeAutoScalingGroups answered ${target.autoScalingGroupName} without ${[...missing, ...incomplete].join(', ')} (or not as a count): the fleet holds, nothing is changed on a value AWS did not give`,
      'IncompleteAwsAnswer',
    );
  }
  return {
    target,
    desired: group.DesiredCapacity as number,
    min: group.MinSize as number,
    max: group.MaxSize as number,
    instances,
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
