import { TerminateInstanceInAutoScalingGroupCommand } from '@aws-sdk/client-auto-scaling';
import { describe, expect, it } from 'vitest';
import { simStack } from '../../bench/stack.js';
import { validateConfig } from '../../lib/config/load.js';
import { SimCloud, SimTelemetry } from '../../sim/index.js';

/** A cloud of `fleets` one-instance groups, and the drain handler over all of them. */
function fleets(count: number) {
  const cloud = new SimCloud({ start: new Date('2026-11-16T00:00:00Z'), seed: 9 });
  const names = Array.from({ length: count }, (_, i) => `engines-${i}`);
  for (const name of names) cloud.addAutoScalingGroup({ name, minSize: 0, maxSize: 4, desiredCapacity: 1, tags: { 'gpu-fleet-scaler:managed': 'true' } });
  const config = validateConfig(
    {
      version: 1,
      fleets: names.map((name) => ({ name, target: { type: 'asg', autoScalingGroupName: name }, kinds: { stream: { capacity: 150 } }, minInstances: 1, maxInstances: 4, dryRun: false })),
    },
    'test',
  );
  const stack = simStack(cloud, cloud.handlerDeps(config, { telemetry: new SimTelemetry() }));
  const tick = async () => {
    cloud.resetCalls();
    await stack.drain(cloud.now());
    return Object.fromEntries([...cloud.calls].sort());
  };
  return { cloud, tick, names };
}

describe('AWS calls per drain tick', () => {
  it('1 fleet: hook put on the first tick, then one describe a minute while nothing drains', async () => {
    const w = fleets(1);
    expect(await w.tick()).toEqual({ 'autoscaling:DescribeAutoScalingGroups': 1, 'autoscaling:DescribeLifecycleHooks': 1, 'autoscaling:PutLifecycleHook': 1 });
    w.cloud.step();
    expect(await w.tick()).toEqual({ 'autoscaling:DescribeAutoScalingGroups': 1 });
  });

  it('100 fleets: two batched describes (50 names a call); hooks checked again after 10 minutes', async () => {
    const w = fleets(100);
    expect(await w.tick()).toEqual({ 'autoscaling:DescribeAutoScalingGroups': 2, 'autoscaling:DescribeLifecycleHooks': 100, 'autoscaling:PutLifecycleHook': 100 });
    w.cloud.step();
    expect(await w.tick()).toEqual({ 'autoscaling:DescribeAutoScalingGroups': 2 });
    for (let m = 0; m < 9; m++) w.cloud.step();
    // minute 10: every hook is due for its check again, and found as wanted
    expect(await w.tick()).toEqual({ 'autoscaling:DescribeAutoScalingGroups': 2, 'autoscaling:DescribeLifecycleHooks': 100 });
  });

  it('100 fleets with one instance draining in each of 3 fleets: one listing and one metric read for all of them, one heartbeat each', async () => {
    const w = fleets(100);
    await w.tick();
    for (const name of w.names.slice(0, 3)) {
      const instanceId = w.cloud.group(name).instances[0]?.id;
      await w.cloud.ports.autoscaling.send(new TerminateInstanceInAutoScalingGroupCommand({ InstanceId: instanceId, ShouldDecrementDesiredCapacity: true }));
    }
    w.cloud.step();
    // first drain tick: no command yet, so the termination activity of each group dates the drain
    expect(await w.tick()).toEqual({
      'autoscaling:DescribeAutoScalingGroups': 2,
      'autoscaling:DescribeScalingActivities': 3,
      'autoscaling:RecordLifecycleActionHeartbeat': 3,
      // One ListMetrics walk (which kinds each instance was ever asked for) and one read.
      'cloudwatch:ListMetrics': 1,
      'cloudwatch:GetMetricData': 1,
      'ssm:ListCommandInvocations': 1,
      'ssm:SendCommand': 3,
    });
    w.cloud.step();
    expect(await w.tick()).toEqual({
      'autoscaling:DescribeAutoScalingGroups': 2,
      'autoscaling:RecordLifecycleActionHeartbeat': 3,
      // One ListMetrics walk (which kinds each instance was ever asked for) and one read.
      'cloudwatch:ListMetrics': 1,
      'cloudwatch:GetMetricData': 1,
      'ssm:ListCommandInvocations': 1,
    });
  });
});
