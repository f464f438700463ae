import { DescribeAutoScalingGroupsCommand, PutLifecycleHookCommand, SetDesiredCapacityCommand, EnterStandbyCommand } from '@aws-sdk/client-auto-scaling';
import { describe, expect, it } from 'vitest';
import { isRetryable, withRetry } from '../../lib/aws/retry.js';
import { SimulationError } from '../../sim/errors.js';
import { scriptedTraffic } from '../../sim/traffic.js';
import { cloudWithGroup, points, query, stepTo } from './helpers.js';

const describeGroups = new DescribeAutoScalingGroupsCommand({ AutoScalingGroupNames: ['gpu'] });

describe('API faults', () => {
  it('throttles the given number of calls with an error the retry policy retries', async () => {
    const cloud = cloudWithGroup();
    cloud.faults.add({ operation: 'autoscaling:DescribeAutoScalingGroups', error: 'Throttling', times: 2 });
    const errors: unknown[] = [];
    for (let i = 0; i < 3; i++) await cloud.ports.autoscaling.send(describeGroups).catch((e: unknown) => errors.push(e));
    expect(errors).toHaveLength(2);
    expect(errors[0]).toMatchObject({ name: 'Throttling', $metadata: { httpStatusCode: 400 } });
    expect(isRetryable(errors[0])).toBe(true);
    expect(cloud.calls.get('autoscaling:DescribeAutoScalingGroups')).toBe(3);
  });

  it.each([
    ['InternalFailure', 500],
    ['ServiceUnavailable', 503],
  ])('%s answers HTTP %i', async (code, status) => {
    const cloud = cloudWithGroup();
    cloud.faults.add({ operation: 'cloudwatch:*', error: code });
    await expect(query(cloud, 'x', {}, 'Sum', 0, 1)).rejects.toMatchObject({ name: code, $metadata: { httpStatusCode: status } });
  });

  it('a timeout carries no HTTP status and is retried through withRetry', async () => {
    const cloud = cloudWithGroup();
    cloud.faults.add({ error: 'timeout', times: 1 });
    const out = await withRetry('DescribeAutoScalingGroups', () => cloud.ports.autoscaling.send(describeGroups), { attempts: 3, baseDelayMs: 1, maxDelayMs: 1, sleep: () => Promise.resolve(), random: () => 0 });
    expect(out.AutoScalingGroups).toHaveLength(1);
    expect(cloud.calls.get('autoscaling:DescribeAutoScalingGroups')).toBe(2);
  });

  it("phase 'after' applies the call and loses the answer", async () => {
    const cloud = cloudWithGroup({ desiredCapacity: 1 });
    cloud.faults.add({ operation: 'autoscaling:SetDesiredCapacity', error: 'InternalFailure', phase: 'after', times: 1 });
    await expect(cloud.ports.autoscaling.send(new SetDesiredCapacityCommand({ AutoScalingGroupName: 'gpu', DesiredCapacity: 3 }))).rejects.toMatchObject({ name: 'InternalFailure' });
    expect(cloud.group('gpu').desired).toBe(3);
  });

  it('a probability fault fails the same calls for the same seed', async () => {
    const failures = async (seed: number) => {
      const cloud = cloudWithGroup({}, seed);
      cloud.faults.add({ operation: '*', error: 'Throttling', probability: 0.5 });
      const out: boolean[] = [];
      for (let i = 0; i < 20; i++) out.push(await cloud.ports.autoscaling.send(describeGroups).then(() => false, () => true));
      return out;
    };
    const a = await failures(5);
    expect(await failures(5)).toEqual(a);
    expect(a.filter(Boolean).length).toBeGreaterThan(3);
    expect(a.filter(Boolean).length).toBeLessThan(17);
  });

  it('an unsupported command names itself', async () => {
    const cloud = cloudWithGroup();
    await expect(cloud.ports.autoscaling.send(new EnterStandbyCommand({ AutoScalingGroupName: 'gpu', ShouldDecrementDesiredCapacity: false }) as never)).rejects.toThrow(SimulationError);
    await expect(cloud.ports.autoscaling.send(new EnterStandbyCommand({ AutoScalingGroupName: 'gpu', ShouldDecrementDesiredCapacity: false }) as never)).rejects.toThrow('does not support EnterStandbyCommand');
  });
});

describe('metric data faults', () => {
  const dims = { AutoScalingGroupName: 'gpu', kind: 'stream' };

  it('drops a fleet samples for a time range (missing data)', async () => {
    const cloud = cloudWithGroup({ traffic: scriptedTraffic(() => [1]) });
    cloud.faults.dropMetrics({ group: 'gpu', fromMinute: 2, untilMinute: 4 });
    stepTo(cloud, 6);
    expect(points(await query(cloud, 'engine_active_requests', dims, 'Sum', 0, 6, 60, { ScanBy: 'TimestampAscending' }), cloud).map(([m]) => m)).toEqual([1, 4, 5]);
  });

  it('delays samples: they appear later, stamped with their own minute (stale data)', async () => {
    const cloud = cloudWithGroup({ traffic: scriptedTraffic(() => [1]) });
    cloud.faults.delayMetrics({ group: 'gpu', fromMinute: 3, untilMinute: 4, delayMinutes: 2 });
    stepTo(cloud, 5);
    const visible = async () => points(await query(cloud, 'engine_active_requests', dims, 'Sum', 0, 10, 60, { ScanBy: 'TimestampAscending' }), cloud).map(([m]) => m);
    // minute 3 would be visible at 4; two minutes late: at 6
    expect(await visible()).toEqual([1, 2, 4]);
    stepTo(cloud, 6);
    expect(await visible()).toEqual([1, 2, 3, 4, 5]);
  });
});

describe('lifecycle event faults', () => {
  async function scaleIn(kind: 'duplicate' | 'drop' | 'delay') {
    const cloud = cloudWithGroup({ desiredCapacity: 2 });
    await cloud.ports.autoscaling.send(new PutLifecycleHookCommand({ AutoScalingGroupName: 'gpu', LifecycleHookName: 'drain', LifecycleTransition: 'autoscaling:EC2_INSTANCE_TERMINATING' }));
    cloud.faults.lifecycleEvents(kind === 'delay' ? { kind, minutes: 3, times: 1 } : { kind, times: 1 });
    await cloud.ports.autoscaling.send(new SetDesiredCapacityCommand({ AutoScalingGroupName: 'gpu', DesiredCapacity: 1 }));
    return cloud;
  }

  it('duplicates an event (same token, new event id)', async () => {
    const cloud = await scaleIn('duplicate');
    cloud.step();
    const events = cloud.takeDueEvents();
    expect(events).toHaveLength(2);
    expect(events[0]?.detail).toEqual(events[1]?.detail);
    expect(events[0]?.id).not.toBe(events[1]?.id);
  });

  it('drops an event', async () => {
    const cloud = await scaleIn('drop');
    stepTo(cloud, 5);
    expect(cloud.takeDueEvents()).toEqual([]);
    expect(cloud.group('gpu').instances[0]?.lifecycleState).toBe('Terminating:Wait');
  });

  it('delays an event so later ones overtake it', async () => {
    const cloud = await scaleIn('delay');
    cloud.step();
    expect(cloud.takeDueEvents()).toEqual([]);
    stepTo(cloud, 3);
    expect(cloud.takeDueEvents()).toHaveLength(1);
  });
});
