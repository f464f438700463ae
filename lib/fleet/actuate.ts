import { CreateOrUpdateTagsCommand, SetDesiredCapacityCommand, TerminateInstanceInAutoScalingGroupCommand } from '@aws-sdk/client-auto-scaling';
import { TagResourceCommand, UpdateNodegroupConfigCommand } from '@aws-sdk/client-eks';
import type { AutoScalingPort, CloudWatchPort, EksPort } from '../aws/ports.js';
import { withRetry, type RetryPolicy } from '../aws/retry.js';
import { chooseVictims } from './choose-victims.js';
import { readInstanceLoad } from './instance-load.js';
import type { SeriesPresence } from './read-signals.js';
import { LAST_SCALING_TAG, formatLastScaling, type GroupState } from './group-state.js';

export interface ActuationPorts {
  autoscaling: AutoScalingPort;
  eks: EksPort;
  cloudwatch: CloudWatchPort;
}

export interface ActuationContext {
  engineNamespace: string;
  /** drain.maxVictimRequests of the fleet: a scale-in takes only instances this idle. */
  maxVictimRequests?: number;
  periodSeconds: number;
  now: Date;
  /** The time the last-scaling tag records: never behind AWS's clock (lib/aws-time.ts); `now` when unset. */
  stampAt?: Date;
  retry?: RetryPolicy;
  /** The tick's ListMetrics walk (lib/fleet/read-signals.ts); omitted: the victim read lists it itself. */
  presence?: SeriesPresence | null;
}

export interface ActuationResult {
  /** The desired count the group was left at: less of a scale-in than decided when victims were too busy. */
  desired: number;
  /** Instances terminated by choice (scale-in of an Auto Scaling group or node group). */
  victims: string[];
  victimReason?: string;
}

/**
 * Moves a group to `desired` and records when, on the group itself, so the next tick's
 * cooldown reads it back without a database.
 *
 * Scale-in of an Auto Scaling group, or of an EKS node group through its backing group,
 * picks its victims: the instances serving the fewest requests leave through
 * TerminateInstanceInAutoScalingGroup (decrementing desired capacity), so the fewest
 * streams have to drain; the termination lifecycle hook then holds each while its
 * streams finish (on EKS: cordoned, pods evicted). What cannot be picked (protected or
 * unknown instances) is left to SetDesiredCapacity and the group's termination policy.
 */
export async function applyDesired(ports: ActuationPorts, group: GroupState, desired: number, context: ActuationContext): Promise<ActuationResult> {
  const result: ActuationResult = { desired, victims: [] };
  const direction = desired > group.desired ? 'up' : 'down';
  const { retry } = context;
  // On a scale-in the cooldown tag goes first: a Lambda that died between its terminations
  // and the tag would leave no cooldown, and the next tick would shrink again at once. On
  // a scale-out it goes last, so a Lambda that dies never delays the next scale-out.
  const tag = async () => {
    await writeLastScaling(ports, group, context.stampAt ?? context.now, direction, retry);
  };
  // An EKS node group's victims leave through its backing Auto Scaling group, as
  // cluster-autoscaler removes nodes from a managed node group; without the group's
  // instances (not described) only the node group's desired size can be set.
  if (group.target.type === 'asg' || group.instances.length > 0) {
    let remainingDesired = group.desired;
    let tagged = false;
    if (direction === 'down') {
      const candidates = group.instances.filter((i) => i.lifecycleState === 'InService');
      const loads = await readInstanceLoad(ports.cloudwatch, {
        namespace: context.engineNamespace,
        target: group.target,
        instanceIds: candidates.map((c) => c.instanceId),
        now: context.now,
        periodSeconds: context.periodSeconds,
        retry,
        presence: context.presence,
      });
      const choice = chooseVictims(
        candidates.map((c) => ({ instanceId: c.instanceId, lifecycleState: c.lifecycleState, protectedFromScaleIn: c.protectedFromScaleIn, activeRequests: loads.get(c.instanceId)?.activeRequests })),
        group.desired - desired,
        context.maxVictimRequests,
      );
      result.victimReason = choice.reason;
      if (choice.victims.length > 0 || context.maxVictimRequests === undefined) {
        await tag();
        tagged = true;
      }
      for (const instanceId of choice.victims) {
        await withRetry(
          'autoscaling:TerminateInstanceInAutoScalingGroup',
          () => ports.autoscaling.send(new TerminateInstanceInAutoScalingGroupCommand({ InstanceId: instanceId, ShouldDecrementDesiredCapacity: true })),
          retry,
        );
        result.victims.push(instanceId);
        remainingDesired--;
      }
    }
    if (direction === 'down' && context.maxVictimRequests !== undefined) {
      // The group's termination policy must not pick the busy instances the limit spared.
      result.desired = remainingDesired;
      if (remainingDesired === group.desired) return result;
    } else if (remainingDesired !== desired) await setGroupDesired(ports, group.target, desired, retry);
    if (!tagged) await tag();
    return result;
  }

  if (direction === 'down') await tag();
  await setGroupDesired(ports, group.target, desired, retry);
  if (direction === 'up') await tag();
  return result;
}

/**
 * Records a scaling on the group itself (the Auto Scaling group's tag, or the node
 * group's), where the next tick's cooldown reads it back. Returns whether it was written:
 * not for a node group whose ARN is not known.
 */
export async function writeLastScaling(ports: ActuationPorts, group: GroupState, at: Date, direction: 'up' | 'down', retry?: RetryPolicy): Promise<boolean> {
  const value = formatLastScaling(at, direction);
  if (group.target.type === 'asg') {
    const name = group.target.autoScalingGroupName;
    await withRetry(
      'autoscaling:CreateOrUpdateTags',
      () =>
        ports.autoscaling.send(
          new CreateOrUpdateTagsCommand({ Tags: [{ ResourceId: name, ResourceType: 'auto-scaling-group', Key: LAST_SCALING_TAG, Value: value, PropagateAtLaunch: false }] }),
        ),
      retry,
    );
    return true;
  }
  if (!group.nodegroupArn) return false;
  const arn = group.nodegroupArn;
  await withRetry('eks:TagResource', () => ports.eks.send(new TagResourceCommand({ resourceArn: arn, tags: { [LAST_SCALING_TAG]: value } })), retry);
  return true;
}

/** The API fleet follows the Engine count: no victims to pick, its own hook drains it. */
export async function applyApiDesired(ports: ActuationPorts, group: GroupState, desired: number, retry?: RetryPolicy): Promise<void> {
  await setGroupDesired(ports, group.target, desired, retry);
}

/** Sets a group's desired count (Auto Scaling group or EKS node group). */
async function setGroupDesired(ports: ActuationPorts, target: GroupState['target'], desired: number, retry?: RetryPolicy): Promise<void> {
  if (target.type === 'asg') {
    const name = target.autoScalingGroupName;
    await withRetry(
      'autoscaling:SetDesiredCapacity',
      () => ports.autoscaling.send(new SetDesiredCapacityCommand({ AutoScalingGroupName: name, DesiredCapacity: desired, HonorCooldown: false })),
      retry,
    );
    return;
  }
  const { clusterName, nodegroupName } = target;
  await withRetry('eks:UpdateNodegroupConfig', () => ports.eks.send(new UpdateNodegroupConfigCommand({ clusterName, nodegroupName, scalingConfig: { desiredSize: desired } })), retry);
}
