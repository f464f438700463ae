import { DescribeScalingActivitiesCommand } from '@aws-sdk/client-auto-scaling';
import { DescribeNodegroupCommand } from '@aws-sdk/client-eks';
import type { AutoScalingPort, EksPort } from '../aws/ports.js';
import { describeError, withRetry, type RetryPolicy } from '../aws/retry.js';
import type { FleetConfig, Target } from '../config/schema.js';
import type { Telemetry } from '../telemetry.js';

/** The state an instance held by a termination lifecycle hook is in. */
export const TERMINATING_WAIT = 'Terminating:Wait';

export class DrainGroupError extends Error {
  override readonly name = 'DrainGroupError';
}

export type DrainRole = 'engine' | 'api';

export interface DrainGroup {
  groupName: string;
  role: DrainRole;
  target: Target;
}

/**
 * The Auto Scaling groups whose terminations a fleet drains: the Engine target and the
 * API target. An EKS managed node group is resolved to the groups EKS created for it
 * (DescribeNodegroup resources.autoScalingGroups, usually one).
 */
export async function resolveDrainGroups(eks: EksPort, fleet: FleetConfig, retry?: RetryPolicy): Promise<DrainGroup[]> {
  const targets: Array<{ target: Target; role: DrainRole }> = [{ target: fleet.target, role: 'engine' }];
  if (fleet.api) targets.push({ target: fleet.api.target, role: 'api' });
  const groups: DrainGroup[] = [];
  for (const { target, role } of targets) {
    if (target.type === 'asg') {
      groups.push({ groupName: target.autoScalingGroupName, role, target });
      continue;
    }
    let answer;
    try {
      answer = await withRetry(
        'eks:DescribeNodegroup',
        () => eks.send(new DescribeNodegroupCommand({ clusterName: target.clusterName, nodegroupName: target.nodegroupName })),
        retry,
      );
    } catch (cause) {
      throw new DrainGroupError(`resolving ${target.clusterName}/${target.nodegroupName} to its Auto Scaling groups failed: ${describeError(cause)}`, { cause });
    }
    const names = (answer.nodegroup?.resources?.autoScalingGroups ?? []).map((g) => g.name).filter((n): n is string => !!n);
    if (names.length === 0) throw new DrainGroupError(`EKS node group ${target.clusterName}/${target.nodegroupName} has no Auto Scaling group yet`);
    for (const groupName of names) groups.push({ groupName, role, target });
  }
  return groups;
}

const TERMINATING_ACTIVITY = /Terminating EC2 instance: (i-[0-9a-f]+)/;

/** Said once per fleet per tick, by the SSM and the EKS drain alike. */
export function reportUndatedActivities(telemetry: Telemetry, fleet: string, undated: readonly string[]): void {
  if (undated.length > 0) telemetry.warn('drain scaling activities incomplete: an activity without StartTime is skipped, its start unknown', { fleet, undated });
}

export interface TerminationStarts {
  starts: Map<string, Date>;
  /** Termination activities of a wanted instance without StartTime: skipped (unknown), each named by field, rule and value. */
  undated: string[];
}

/**
 * When each instance began terminating, from the group's scaling activities (newest
 * first). Only needed for an instance that never got a drain command, so its deadline
 * still has a start.
 */
export async function terminationStarts(autoscaling: AutoScalingPort, groupName: string, instanceIds: readonly string[], retry?: RetryPolicy): Promise<TerminationStarts> {
  const wanted = new Set(instanceIds);
  const starts = new Map<string, Date>();
  const undated: string[] = [];
  if (wanted.size === 0) return { starts, undated };
  try {
    const answer = await withRetry(
      'autoscaling:DescribeScalingActivities',
      () => autoscaling.send(new DescribeScalingActivitiesCommand({ AutoScalingGroupName: groupName, MaxRecords: 100 })),
      retry,
    );
    for (const activity of answer.Activities ?? []) {
      const instanceId = TERMINATING_ACTIVITY.exec(activity.Description ?? '')?.[1];
      if (!instanceId || !wanted.has(instanceId)) continue;
      if (!activity.StartTime) {
        undated.push(`${groupName} activity ${activity.ActivityId ?? '(no ActivityId)'} for ${instanceId}: StartTime must be present, got ${String(activity.StartTime)}`);
        continue;
      }
      const at = new Date(activity.StartTime);
      const seen = starts.get(instanceId);
      if (!seen || at < seen) starts.set(instanceId, at);
    }
  } catch (cause) {
    throw new DrainGroupError(`reading the scaling activities of ${groupName} failed: ${describeError(cause)}`, { cause });
  }
  return { starts, undated };
}
