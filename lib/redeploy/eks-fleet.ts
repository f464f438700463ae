import { TerminateInstanceInAutoScalingGroupCommand } from '@aws-sdk/client-auto-scaling';
import { TagResourceCommand, UpdateNodegroupConfigCommand } from '@aws-sdk/client-eks';
import type { AutoScalingPort, EksPort } from '../aws/ports.js';
import { awsErrorCode, withRetry, type RetryPolicy } from '../aws/retry.js';
import type { EksTarget } from '../config/schema.js';
import { MANAGED_TAG, describeGroups, describeNodegroup, eksGroupState, type GroupState } from '../fleet/group-state.js';
import type { EksGroupView, EksStep } from './eks-roll.js';
import { readLaunchTimes, type Ec2Port } from './launch-times.js';
import { formatMarker, REDEPLOY_TAG, type RedeployMarker } from '../fleet/roll-marker.js';

export class EksRollError extends Error {
  override readonly name = 'EksRollError';
}

export interface EksObservation {
  group: GroupState;
  view: EksGroupView;
  backingGroupName: string;
  /** The backing Auto Scaling group carries the managed tag (TerminateInstanceInAutoScalingGroup needs it). */
  backingManaged: boolean;
}

/**
 * A node group as the roll needs it: DescribeNodegroup (desired, bounds, status, tags:
 * the marker lives there, where the scaler reads it) and, when `nodes` is asked for (a
 * roll may start, or runs), the backing Auto Scaling group's instances and their launch
 * times from EC2.
 */
export async function observeNodegroup(
  ports: { eks: EksPort; autoscaling: AutoScalingPort; ec2?: Ec2Port },
  target: EksTarget,
  fleetMax: number,
  wants: { nodes: (tags: Record<string, string>) => boolean },
  retry?: RetryPolicy,
): Promise<EksObservation> {
  const nodegroup = await describeNodegroup(ports.eks, target, retry);
  const backingGroupName = nodegroup.autoScalingGroupName;
  if (!backingGroupName) throw new EksRollError(`EKS node group ${target.clusterName}/${target.nodegroupName} lists no Auto Scaling group in resources.autoScalingGroups`);
  if (!wants.nodes(nodegroup.tags)) {
    const group = eksGroupState(target, nodegroup, undefined);
    return { group, view: { desired: group.desired, max: Math.min(fleetMax, group.max), updating: group.busy, nodes: [] }, backingGroupName, backingManaged: false };
  }
  if (!ports.ec2) throw new EksRollError('no EC2 client: the EKS roll reads launch times with ec2:DescribeInstances');
  const asg = (await describeGroups(ports.autoscaling, [backingGroupName], retry)).get(backingGroupName);
  if (!asg) throw new EksRollError(`Auto Scaling group ${backingGroupName} of node group ${target.clusterName}/${target.nodegroupName} does not exist (DescribeAutoScalingGroups did not return it)`);
  const group = eksGroupState(target, nodegroup, asg);
  const ids = group.instances.map((i) => i.instanceId);
  const launched = ids.length > 0 ? await readLaunchTimes(ports.ec2, ids, retry) : new Map<string, Date>();
  const view: EksGroupView = {
    desired: group.desired,
    max: Math.min(fleetMax, group.max),
    updating: group.busy,
    nodes: group.instances.map((i) => {
      const launchedAt = launched.get(i.instanceId);
      return { instanceId: i.instanceId, lifecycleState: i.lifecycleState, protectedFromScaleIn: i.protectedFromScaleIn, ...(launchedAt ? { launchedAt } : {}) };
    }),
  };
  const backingManaged = (asg.Tags ?? []).some((t) => t.Key === MANAGED_TAG && t.Value === 'true');
  return { group, view, backingGroupName, backingManaged };
}

export async function writeNodegroupMarker(eks: EksPort, group: GroupState, marker: RedeployMarker, retry?: RetryPolicy): Promise<void> {
  const arn = group.nodegroupArn;
  if (!arn) throw new EksRollError('DescribeNodegroup answered no nodegroupArn: the redeploy marker cannot be written');
  const value = formatMarker(marker);
  await withRetry('eks:TagResource', () => eks.send(new TagResourceCommand({ resourceArn: arn, tags: { [REDEPLOY_TAG]: value } })), retry);
}

export type StepOutcome = { applied: string[] };

/**
 * Carries out one step, ordered so that a failure half-way leaves more capacity, never
 * less: a raise is sent before the marker records it (a lost marker write raises again:
 * one extra segment until the baseline), and the marker forgets a segment before its old
 * nodes are terminated (a failed termination leaves the new nodes as extra capacity).
 * A refused raise (another node group update in flight) is retried next tick.
 */
export async function applyEksStep(
  ports: { eks: EksPort; autoscaling: AutoScalingPort },
  observation: EksObservation,
  marker: RedeployMarker,
  step: EksStep,
  now: Date,
  retry?: RetryPolicy,
): Promise<StepOutcome> {
  const { group } = observation;
  const target = group.target as EksTarget;
  const result: StepOutcome = { applied: [] };
  if (step.kind === 'raise') {
    try {
      await withRetry(
        'eks:UpdateNodegroupConfig',
        () => ports.eks.send(new UpdateNodegroupConfigCommand({ clusterName: target.clusterName, nodegroupName: target.nodegroupName, scalingConfig: { desiredSize: step.desired } })),
        retry,
      );
    } catch (error) {
      if (awsErrorCode(error) === 'ResourceInUseException') {
        result.applied.push('RaiseDeferred');
        return result;
      }
      throw error;
    }
    await writeNodegroupMarker(ports.eks, group, { ...marker, surge: step.surge, surgeAt: now }, retry);
    result.applied.push(`Raised:${group.desired}->${step.desired}`);
    return result;
  }
  if (step.kind === 'retire') {
    if (!observation.backingManaged) {
      throw new EksRollError(`Auto Scaling group ${observation.backingGroupName} is not tagged ${MANAGED_TAG}=true: old nodes cannot be retired (tag the node group's Auto Scaling group as managed too)`);
    }
    const { surge: _surge, surgeAt: _surgeAt, ...withoutSegment } = marker;
    await writeNodegroupMarker(ports.eks, group, withoutSegment, retry);
    for (const instanceId of step.instanceIds) {
      await withRetry(
        'autoscaling:TerminateInstanceInAutoScalingGroup',
        () => ports.autoscaling.send(new TerminateInstanceInAutoScalingGroupCommand({ InstanceId: instanceId, ShouldDecrementDesiredCapacity: true })),
        retry,
      );
      result.applied.push(`Retired:${instanceId}`);
    }
    return result;
  }
  return result;
}
