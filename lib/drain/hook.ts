import {
  CompleteLifecycleActionCommand,
  DescribeLifecycleHooksCommand,
  PutLifecycleHookCommand,
  RecordLifecycleActionHeartbeatCommand,
} from '@aws-sdk/client-auto-scaling';
import type { AutoScalingPort } from '../aws/ports.js';
import { awsErrorCode, describeError, withRetry, type RetryPolicy } from '../aws/retry.js';
import { DEFAULT_HOOK_NAME } from '../fleet/drain-hook.js';
import { TERMINATING_TRANSITION } from './event.js';

export interface HookSpec {
  name: string;
  heartbeatTimeoutSeconds: number;
  defaultResult: 'CONTINUE' | 'ABANDON';
}

// Auto Scaling's limits: a heartbeat timeout of 30 to 7200 s, and a hook that is never
// held longer than 100 heartbeat timeouts or 48 hours, whichever is shorter.
const MIN_HEARTBEAT_S = 30;
const MAX_HEARTBEAT_S = 7200;
const GLOBAL_TIMEOUT_FACTOR = 100;
/** Five missed one-minute ticks before the hook gives up on the controller. */
const BASE_HEARTBEAT_S = 300;
/** Room past the grace deadline for the tick that completes the action. */
const GLOBAL_MARGIN_S = 900;

/**
 * The termination hook for a fleet with this grace period.
 *
 * DefaultResult CONTINUE: on a termination hook both results terminate, but CONTINUE lets
 * the group's other hooks run, and the point of a timeout is only that a dead controller
 * never keeps a GPU forever.
 * HeartbeatTimeout: the grace period (at least 300 s, at most Auto Scaling's 7200 s). The
 * controller heartbeats every minute, so the timeout only matters when the controller is
 * down (a bad deploy, throttling, an outage): then a shorter timeout would terminate the
 * instance with its streams before the grace the operator promised them, and a longer one
 * only bills a draining GPU until that grace. The fault suite showed 300 s surviving just
 * three lost ticks. Auto Scaling also ends any hook at 100 heartbeat timeouts however
 * often it is heartbeated, so the timeout grows when 100 of them would not cover the grace
 * plus a margin.
 */
export function hookSpecFor(gracePeriodSeconds: number, name: string = DEFAULT_HOOK_NAME): HookSpec {
  const needed = Math.ceil((gracePeriodSeconds + GLOBAL_MARGIN_S) / GLOBAL_TIMEOUT_FACTOR);
  const heartbeatTimeoutSeconds = Math.min(MAX_HEARTBEAT_S, Math.max(MIN_HEARTBEAT_S, BASE_HEARTBEAT_S, gracePeriodSeconds, needed));
  return { name, heartbeatTimeoutSeconds, defaultResult: 'CONTINUE' };
}

export class LifecycleHookError extends Error {
  override readonly name = 'LifecycleHookError';
}

export type HookEnsured = 'Created' | 'Updated' | 'Unchanged';

/** Idempotent: describes the hook and writes it only when it is missing or differs. */
export async function ensureTerminationHook(autoscaling: AutoScalingPort, groupName: string, spec: HookSpec, retry?: RetryPolicy): Promise<HookEnsured> {
  try {
    const described = await withRetry(
      'autoscaling:DescribeLifecycleHooks',
      () => autoscaling.send(new DescribeLifecycleHooksCommand({ AutoScalingGroupName: groupName, LifecycleHookNames: [spec.name] })),
      retry,
    );
    const hook = described.LifecycleHooks?.find((h) => h.LifecycleHookName === spec.name);
    if (
      hook &&
      hook.LifecycleTransition === TERMINATING_TRANSITION &&
      hook.HeartbeatTimeout === spec.heartbeatTimeoutSeconds &&
      hook.DefaultResult === spec.defaultResult
    ) {
      return 'Unchanged';
    }
    await withRetry(
      'autoscaling:PutLifecycleHook',
      () =>
        autoscaling.send(
          new PutLifecycleHookCommand({
            AutoScalingGroupName: groupName,
            LifecycleHookName: spec.name,
            LifecycleTransition: TERMINATING_TRANSITION,
            HeartbeatTimeout: spec.heartbeatTimeoutSeconds,
            DefaultResult: spec.defaultResult,
          }),
        ),
      retry,
    );
    return hook ? 'Updated' : 'Created';
  } catch (cause) {
    throw new LifecycleHookError(`ensuring lifecycle hook ${spec.name} on ${groupName} failed: ${describeError(cause)}`, { cause });
  }
}

export interface ActionTarget {
  groupName: string;
  hookName: string;
  instanceId: string;
}

/**
 * `NoActiveAction`: Auto Scaling answered ValidationError, which it does when the action
 * was already completed (by another tick, a duplicate event, or a timeout) or the
 * instance is gone: the outcome wanted is already there.
 */
export type ActionOutcome = { outcome: 'Done' } | { outcome: 'NoActiveAction'; message: string };

export async function recordHeartbeat(autoscaling: AutoScalingPort, target: ActionTarget, retry?: RetryPolicy): Promise<ActionOutcome> {
  return tolerateNoAction('autoscaling:RecordLifecycleActionHeartbeat', target, () =>
    withRetry(
      'autoscaling:RecordLifecycleActionHeartbeat',
      () =>
        autoscaling.send(
          new RecordLifecycleActionHeartbeatCommand({ AutoScalingGroupName: target.groupName, LifecycleHookName: target.hookName, InstanceId: target.instanceId }),
        ),
      retry,
    ),
  );
}

/** Always CONTINUE: on a termination hook it lets the instance go and the group's other hooks run. */
export async function completeAction(autoscaling: AutoScalingPort, target: ActionTarget, retry?: RetryPolicy): Promise<ActionOutcome> {
  return tolerateNoAction('autoscaling:CompleteLifecycleAction', target, () =>
    withRetry(
      'autoscaling:CompleteLifecycleAction',
      () =>
        autoscaling.send(
          new CompleteLifecycleActionCommand({
            AutoScalingGroupName: target.groupName,
            LifecycleHookName: target.hookName,
            InstanceId: target.instanceId,
            LifecycleActionResult: 'CONTINUE',
          }),
        ),
      retry,
    ),
  );
}

async function tolerateNoAction(operation: string, target: ActionTarget, call: () => Promise<unknown>): Promise<ActionOutcome> {
  try {
    await call();
    return { outcome: 'Done' };
  } catch (error) {
    if (awsErrorCode(error) === 'ValidationError') return { outcome: 'NoActiveAction', message: describeError(error) };
    throw new LifecycleHookError(`${operation} for ${target.instanceId} in ${target.groupName} failed: ${describeError(error)}`, { cause: error });
  }
}
