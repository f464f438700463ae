import {
  CancelInstanceRefreshCommand,
  CreateOrUpdateTagsCommand,
  DescribeInstanceRefreshesCommand,
  DescribeLifecycleHooksCommand,
  StartInstanceRefreshCommand,
  type InstanceRefresh,
  type StartInstanceRefreshCommandInput,
} from '@aws-sdk/client-auto-scaling';
import type { AutoScalingPort } from '../aws/ports.js';
import { awsErrorCode, describeError, withRetry, type RetryPolicy } from '../aws/retry.js';
import type { RollPlan, RollState, RollView } from './decide.js';
import { formatMarker, REDEPLOY_TAG, type RedeployMarker } from '../fleet/roll-marker.js';

export class RefreshError extends Error {
  override readonly name = 'RefreshError';
}

/**
 * The instance refresh a plan asks for. Rolling, launch before terminate
 * (MaxHealthyPercentage > 100) and never below desired healthy capacity
 * (MinHealthyPercentage 100); InstanceWarmup is the fleet's boot + model load, so a
 * replacement counts as healthy only once it serves. SkipMatching is off: the point is
 * fresh instances even when the launch template has not changed. No checkpoints: the
 * controller watches progress itself (stall, window). Protected and Standby instances
 * are left alone, as an operator put them there for a reason.
 */
export function refreshInput(groupName: string, plan: RollPlan): StartInstanceRefreshCommandInput {
  return {
    AutoScalingGroupName: groupName,
    Strategy: 'Rolling',
    Preferences: {
      MinHealthyPercentage: plan.minHealthyPercentage,
      MaxHealthyPercentage: plan.maxHealthyPercentage,
      InstanceWarmup: plan.instanceWarmupSeconds,
      SkipMatching: false,
      AutoRollback: false,
      ScaleInProtectedInstances: 'Ignore',
      StandbyInstances: 'Ignore',
    },
  };
}

export type StartOutcome = { started: true; id: string } | { started: false; reason: 'InstanceRefreshInProgress'; message: string };

/** The refresh itself is the lock: a second start answers InstanceRefreshInProgress. */
export async function startRefresh(autoscaling: AutoScalingPort, groupName: string, plan: RollPlan, retry?: RetryPolicy): Promise<StartOutcome> {
  try {
    const answer = await withRetry('autoscaling:StartInstanceRefresh', () => autoscaling.send(new StartInstanceRefreshCommand(refreshInput(groupName, plan))), retry);
    if (!answer.InstanceRefreshId) throw new RefreshError(`StartInstanceRefresh for ${groupName} answered no InstanceRefreshId`);
    return { started: true, id: answer.InstanceRefreshId };
  } catch (error) {
    if (awsErrorCode(error) === 'InstanceRefreshInProgress') return { started: false, reason: 'InstanceRefreshInProgress', message: describeError(error) };
    throw error;
  }
}

/** The group's newest instance refresh (DescribeInstanceRefreshes answers newest first). */
export async function latestRefresh(autoscaling: AutoScalingPort, groupName: string, retry?: RetryPolicy): Promise<RollView | undefined> {
  const answer = await withRetry(
    'autoscaling:DescribeInstanceRefreshes',
    () => autoscaling.send(new DescribeInstanceRefreshesCommand({ AutoScalingGroupName: groupName, MaxRecords: 1 })),
    retry,
  );
  const newest = answer.InstanceRefreshes?.[0];
  return newest ? rollView(newest) : undefined;
}

const STATES: Record<string, RollState> = {
  Pending: 'active',
  InProgress: 'active',
  Baking: 'active',
  RollbackInProgress: 'active',
  Cancelling: 'cancelling',
  Successful: 'succeeded',
  Failed: 'failed',
  RollbackFailed: 'failed',
  // Rolled back to the old configuration: the roll did not do its job.
  RollbackSuccessful: 'failed',
  Cancelled: 'cancelled',
};

export function rollView(refresh: InstanceRefresh): RollView {
  const status = refresh.Status ?? 'Unknown';
  const state = STATES[status];
  if (!state) throw new RefreshError(`instance refresh ${refresh.InstanceRefreshId ?? '?'} has status ${JSON.stringify(status)}, which the controller does not know`);
  if (!refresh.StartTime) throw new RefreshError(`instance refresh ${refresh.InstanceRefreshId ?? '?'} has no StartTime`);
  return {
    id: refresh.InstanceRefreshId ?? '',
    state,
    status,
    ...(refresh.StatusReason ? { statusReason: refresh.StatusReason } : {}),
    startedAt: new Date(refresh.StartTime),
    ...(refresh.EndTime ? { endedAt: new Date(refresh.EndTime) } : {}),
    ...(refresh.InstancesToUpdate !== undefined ? { left: refresh.InstancesToUpdate } : {}),
  };
}

export type CancelOutcome = 'Cancelling' | 'AlreadyEnded';

/** Cancelling stops new replacements; what was replaced stays, the group stays consistent. */
export async function cancelRefresh(autoscaling: AutoScalingPort, groupName: string, retry?: RetryPolicy): Promise<CancelOutcome> {
  try {
    await withRetry('autoscaling:CancelInstanceRefresh', () => autoscaling.send(new CancelInstanceRefreshCommand({ AutoScalingGroupName: groupName })), retry);
    return 'Cancelling';
  } catch (error) {
    // Ended (or another tick cancelled it) between our describe and the cancel.
    if (awsErrorCode(error) === 'ActiveInstanceRefreshNotFound') return 'AlreadyEnded';
    throw error;
  }
}

export async function writeMarker(autoscaling: AutoScalingPort, groupName: string, marker: RedeployMarker, retry?: RetryPolicy): Promise<void> {
  const value = formatMarker(marker);
  await withRetry(
    'autoscaling:CreateOrUpdateTags',
    () => autoscaling.send(new CreateOrUpdateTagsCommand({ Tags: [{ ResourceId: groupName, ResourceType: 'auto-scaling-group', Key: REDEPLOY_TAG, Value: value, PropagateAtLaunch: false }] })),
    retry,
  );
}

/** Whether the group has the drain Lambda's termination hook: without it old instances would leave undrained. */
export async function hasDrainHook(autoscaling: AutoScalingPort, groupName: string, hookName: string, retry?: RetryPolicy): Promise<boolean> {
  const answer = await withRetry(
    'autoscaling:DescribeLifecycleHooks',
    () => autoscaling.send(new DescribeLifecycleHooksCommand({ AutoScalingGroupName: groupName, LifecycleHookNames: [hookName] })),
    retry,
  );
  return (answer.LifecycleHooks ?? []).some((hook) => hook.LifecycleHookName === hookName && hook.LifecycleTransition === 'autoscaling:EC2_INSTANCE_TERMINATING');
}
