import {
  AutoScalingClient,
  CancelInstanceRefreshCommand,
  CreateOrUpdateTagsCommand,
  DescribeInstanceRefreshesCommand,
  DescribeLifecycleHooksCommand,
  StartInstanceRefreshCommand,
} from '@aws-sdk/client-auto-scaling';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import type { RetryPolicy } from '../../lib/aws/retry.js';
import { planRoll } from '../../lib/redeploy/decide.js';
import { REDEPLOY_TAG } from '../../lib/fleet/roll-marker.js';
import { cancelRefresh, hasDrainHook, latestRefresh, startRefresh, writeMarker } from '../../lib/redeploy/refresh.js';

const autoscaling = mockClient(AutoScalingClient);
const client = new AutoScalingClient({ region: 'us-east-1', maxAttempts: 1 });
const retry: RetryPolicy = { attempts: 3, baseDelayMs: 1, maxDelayMs: 1, sleep: async () => {}, random: () => 0 };
const windowEnd = new Date('2025-01-15T11:00:00Z');

function awsError(name: string, message = name): Error {
  return Object.assign(new Error(message), { name, $metadata: { httpStatusCode: 400 } });
}

beforeEach(() => autoscaling.reset());

describe('startRefresh', () => {
  it('asks for a rolling, launch-before-terminate refresh that never drops below desired', async () => {
    autoscaling.on(StartInstanceRefreshCommand).resolves({ InstanceRefreshId: 'r-1' });
    // 10 instances in segments of 2: MaxHealthy 100 + ceil(200 / 10) = 120
    const plan = planRoll(10, { segmentSize: 2, busyUtilization: 0.5, warmupSeconds: 600, stallMinutes: 40 }, windowEnd);
    await expect(startRefresh(client, 'dg-engine', plan, retry)).resolves.toEqual({ started: true, id: 'r-1' });
    expect(autoscaling).toHaveReceivedCommandExactlyOnceWith(StartInstanceRefreshCommand, {
      AutoScalingGroupName: 'dg-engine',
      Strategy: 'Rolling',
      Preferences: {
        MinHealthyPercentage: 100,
        MaxHealthyPercentage: 120,
        InstanceWarmup: 600,
        SkipMatching: false,
        AutoRollback: false,
        ScaleInProtectedInstances: 'Ignore',
        StandbyInstances: 'Ignore',
      },
    });
  });

  it('a refresh already running is the lock, not an error', async () => {
    autoscaling.on(StartInstanceRefreshCommand).rejects(awsError('InstanceRefreshInProgress', 'An Instance Refresh is already in progress'));
    const plan = planRoll(4, { segmentSize: 1, busyUtilization: 0.5, warmupSeconds: 600, stallMinutes: 40 }, windowEnd);
    await expect(startRefresh(client, 'dg-engine', plan, retry)).resolves.toMatchObject({ started: false, reason: 'InstanceRefreshInProgress' });
  });

  it('other refusals surface with the operation named', async () => {
    autoscaling.on(StartInstanceRefreshCommand).rejects(awsError('ValidationError', 'MaxHealthyPercentage must be between 100 and 200'));
    const plan = planRoll(4, { segmentSize: 1, busyUtilization: 0.5, warmupSeconds: 600, stallMinutes: 40 }, windowEnd);
    await expect(startRefresh(client, 'dg-engine', plan, retry)).rejects.toThrow(/autoscaling:StartInstanceRefresh failed after 1 attempt\(s\): ValidationError/);
  });

  it('throttling is retried', async () => {
    autoscaling.on(StartInstanceRefreshCommand).rejectsOnce(awsError('Throttling')).resolves({ InstanceRefreshId: 'r-2' });
    const plan = planRoll(4, { segmentSize: 1, busyUtilization: 0.5, warmupSeconds: 600, stallMinutes: 40 }, windowEnd);
    await expect(startRefresh(client, 'dg-engine', plan, retry)).resolves.toEqual({ started: true, id: 'r-2' });
    expect(autoscaling).toHaveReceivedCommandTimes(StartInstanceRefreshCommand, 2);
  });
});

describe('latestRefresh', () => {
  it.each([
    { status: 'Pending', state: 'active' },
    { status: 'InProgress', state: 'active' },
    { status: 'Baking', state: 'active' },
    { status: 'Cancelling', state: 'cancelling' },
    { status: 'Successful', state: 'succeeded' },
    { status: 'Failed', state: 'failed' },
    { status: 'RollbackSuccessful', state: 'failed' },
    { status: 'Cancelled', state: 'cancelled' },
  ])('$status reads as $state', async ({ status, state }) => {
    autoscaling.on(DescribeInstanceRefreshesCommand).resolves({
      InstanceRefreshes: [{ InstanceRefreshId: 'r-1', Status: status as never, StartTime: new Date('2025-01-15T08:05:00Z'), InstancesToUpdate: 6, PercentageComplete: 40 }],
    });
    await expect(latestRefresh(client, 'dg-engine', retry)).resolves.toMatchObject({ id: 'r-1', state, status, left: 6, startedAt: new Date('2025-01-15T08:05:00Z') });
    expect(autoscaling).toHaveReceivedCommandWith(DescribeInstanceRefreshesCommand, { AutoScalingGroupName: 'dg-engine', MaxRecords: 1 });
  });

  it('no refresh ever: undefined', async () => {
    autoscaling.on(DescribeInstanceRefreshesCommand).resolves({ InstanceRefreshes: [] });
    await expect(latestRefresh(client, 'dg-engine', retry)).resolves.toBeUndefined();
  });

  it('an unknown status is an error, not a guess', async () => {
    autoscaling.on(DescribeInstanceRefreshesCommand).resolves({ InstanceRefreshes: [{ InstanceRefreshId: 'r-9', Status: 'Paused' as never, StartTime: new Date() }] });
    await expect(latestRefresh(client, 'dg-engine', retry)).rejects.toThrow(/status "Paused", which the controller does not know/);
  });
});

describe('cancelRefresh', () => {
  it('cancels the group refresh', async () => {
    autoscaling.on(CancelInstanceRefreshCommand).resolves({ InstanceRefreshId: 'r-1' });
    await expect(cancelRefresh(client, 'dg-engine', retry)).resolves.toBe('Cancelling');
    expect(autoscaling).toHaveReceivedCommandExactlyOnceWith(CancelInstanceRefreshCommand, { AutoScalingGroupName: 'dg-engine' });
  });

  it('a refresh that already ended is fine', async () => {
    autoscaling.on(CancelInstanceRefreshCommand).rejects(awsError('ActiveInstanceRefreshNotFound'));
    await expect(cancelRefresh(client, 'dg-engine', retry)).resolves.toBe('AlreadyEnded');
  });
});

describe('marker and hook', () => {
  it('writes the marker as a group tag that does not propagate to instances', async () => {
    autoscaling.on(CreateOrUpdateTagsCommand).resolves({});
    await writeMarker(client, 'dg-engine', { phase: 'skipped', window: new Date('2025-01-15T08:00:00Z'), until: windowEnd, reason: 'Busy' }, retry);
    expect(autoscaling).toHaveReceivedCommandExactlyOnceWith(CreateOrUpdateTagsCommand, {
      Tags: [
        {
          ResourceId: 'dg-engine',
          ResourceType: 'auto-scaling-group',
          Key: REDEPLOY_TAG,
          Value: 'phase=skipped window=2025-01-15T08:00:00.000Z until=2025-01-15T11:00:00.000Z reason=Busy',
          PropagateAtLaunch: false,
        },
      ],
    });
  });

  it.each([
    { name: 'the drain hook on termination', hooks: [{ LifecycleHookName: 'gpu-fleet-scaler-drain', LifecycleTransition: 'autoscaling:EC2_INSTANCE_TERMINATING' }], expected: true },
    { name: 'a launch hook of that name only', hooks: [{ LifecycleHookName: 'gpu-fleet-scaler-drain', LifecycleTransition: 'autoscaling:EC2_INSTANCE_LAUNCHING' }], expected: false },
    { name: 'no hooks', hooks: [], expected: false },
  ])('hasDrainHook: $name -> $expected', async ({ hooks, expected }) => {
    autoscaling.on(DescribeLifecycleHooksCommand).resolves({ LifecycleHooks: hooks });
    await expect(hasDrainHook(client, 'dg-engine', 'gpu-fleet-scaler-drain', retry)).resolves.toBe(expected);
    expect(autoscaling).toHaveReceivedCommandWith(DescribeLifecycleHooksCommand, { AutoScalingGroupName: 'dg-engine', LifecycleHookNames: ['gpu-fleet-scaler-drain'] });
  });
});
