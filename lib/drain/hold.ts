import { DescribeAutoScalingGroupsCommand } from '@aws-sdk/client-auto-scaling';
import type { AutoScalingPort } from '../aws/ports.js';
import { describeError, withRetry, type RetryPolicy } from '../aws/retry.js';
import { MANAGED_TAG } from '../fleet/group-state.js';
import { TERMINATING_WAIT } from './groups.js';
import { recordHeartbeat } from './hook.js';

export interface HoldResult {
  held: number;
  /** ValidationError: no action of this hook open on the instance (another hook holds it, or it is done). */
  notOurs: number;
  errors: string[];
}

/**
 * Safe mode for when the fleet document cannot be read or is invalid: nothing is known
 * about fleets or grace periods, so nothing is sent or released, but every instance of a
 * group tagged as managed that waits in Terminating:Wait is heartbeated, so a bad config
 * does not let the hook time out and cut streams. Bounded by the hook's global timeout.
 */
export async function holdManagedDrains(autoscaling: AutoScalingPort, hookName: string, retry?: RetryPolicy): Promise<HoldResult> {
  const result: HoldResult = { held: 0, notOurs: 0, errors: [] };
  const waiting: Array<{ groupName: string; instanceId: string }> = [];
  try {
    let nextToken: string | undefined;
    do {
      const token = nextToken;
      const page = await withRetry(
        'autoscaling:DescribeAutoScalingGroups',
        () => autoscaling.send(new DescribeAutoScalingGroupsCommand({ Filters: [{ Name: `tag:${MANAGED_TAG}`, Values: ['true'] }], MaxRecords: 100, NextToken: token })),
        retry,
      );
      for (const group of page.AutoScalingGroups ?? []) {
        for (const instance of group.Instances ?? []) {
          if (instance.LifecycleState === TERMINATING_WAIT && instance.InstanceId && group.AutoScalingGroupName) waiting.push({ groupName: group.AutoScalingGroupName, instanceId: instance.InstanceId });
        }
      }
      nextToken = page.NextToken;
    } while (nextToken);
  } catch (error) {
    result.errors.push(describeError(error));
    return result;
  }
  for (const { groupName, instanceId } of waiting) {
    try {
      const outcome = await recordHeartbeat(autoscaling, { groupName, hookName, instanceId }, retry);
      if (outcome.outcome === 'Done') result.held++;
      else result.notOurs++;
    } catch (error) {
      result.errors.push(describeError(error));
    }
  }
  return result;
}
