import { TerminateInstanceInAutoScalingGroupCommand } from '@aws-sdk/client-auto-scaling';
import { describe, expect, it } from 'vitest';
import { simStack } from '../../bench/stack.js';
import { validateConfig } from '../../lib/config/load.js';
import { scriptedTraffic, SimCloud, SimTelemetry } from '../../sim/index.js';

const START = new Date('2026-11-16T00:00:00Z');

interface WorldOptions {
  graceSeconds?: number;
  /** Streams (lengths in minutes) arriving at each minute. */
  streams: (minute: number) => number[];
  instances?: number;
  engineExitsWhenDrained?: boolean;
}

function world(options: WorldOptions) {
  const cloud = new SimCloud({ start: START, seed: 3, engineExitsWhenDrained: options.engineExitsWhenDrained ?? false });
  cloud.addAutoScalingGroup({ name: 'engines', minSize: 0, maxSize: 10, desiredCapacity: options.instances ?? 2, tags: { 'gpu-fleet-scaler:managed': 'true' }, traffic: scriptedTraffic(options.streams) });
  const config = validateConfig(
    {
      version: 1,
      fleets: [
        {
          name: 'speech',
          target: { type: 'asg', autoScalingGroupName: 'engines' },
          kinds: { stream: { capacity: 150 } },
          minInstances: 1,
          maxInstances: 10,
          dryRun: false,
          drain: { gracePeriodSeconds: options.graceSeconds ?? 3600 },
        },
      ],
    },
    'test',
  );
  const telemetry = new SimTelemetry();
  const stack = simStack(cloud, cloud.handlerDeps(config, { telemetry }));
  const ids = () => cloud.group('engines').instances.map((i) => i.id);
  const gone = new Map<string, number>();
  const terminateAt = (minute: number, pick: () => string) => async () => {
    if (cloud.minute !== minute) return;
    await cloud.ports.autoscaling.send(new TerminateInstanceInAutoScalingGroupCommand({ InstanceId: pick(), ShouldDecrementDesiredCapacity: true }));
  };
  const watch = (instanceId: string) => () => {
    if (!gone.has(instanceId) && !cloud.instance(instanceId)) gone.set(instanceId, cloud.minute);
  };
  const metric = (name: string) => telemetry.metricValues(name, { Fleet: 'speech' });
  return { cloud, telemetry, stack, ids, terminateAt, gone, watch, metric };
}

/** The instance holding the most streams: the drain that has the most to lose. */
function busiest(cloud: SimCloud): string {
  const instances = [...cloud.group('engines').instances].sort((a, b) => b.engine.streams - a.engine.streams);
  return instances[0]?.id ?? '';
}

describe('drain on the simulated cloud, with the real handler', () => {
  it('holds the instance until its last stream ends, then releases it with nothing cut', async () => {
    // minute 1: streams of 10, 20 and 40 minutes; the least-loaded rule puts 10 and 40 on the older instance
    const w = world({ streams: (m) => (m === 1 ? [10, 20, 40] : []) });
    let victim = '';
    const pick = () => (victim = busiest(w.cloud));
    await w.stack.run(60, [w.terminateAt(5, pick), w.stack.drain, async () => (victim ? w.watch(victim)() : undefined)]);
    // The last stream (1 + 40) ends at minute 41; that minute's zero is visible at 42, and the
    // tick at 42 completes the action, which terminates the instance at once.
    expect(w.gone.get(victim)).toBe(42);
    expect(w.cloud.totals().streamsCutByCause).toEqual({ 'lifecycle-complete': 0, 'hook-timeout': 0, 'no-hook': 0, 'pod-grace': 0 });
    expect(w.metric('StreamsCutAtGrace')).toEqual([0]);
    // drain clock from the command sent at minute 5 to the release at 42: 37 min = 2220 s
    expect(w.metric('DrainDurationSeconds')).toEqual([2220]);
    // it emptied: its length is what the streams needed (drain-history reads it)
    expect(w.metric('DrainSecondsToEmpty')).toEqual([2220]);
    const decisions = w.telemetry.lines.filter((l) => l.message === 'drain decision' && l.fields.instanceId === victim);
    expect(decisions.at(-1)?.fields).toMatchObject({ reason: 'DrainedEmpty', outcome: 'Released' });
  });

  it('forces the release at the grace deadline and counts the streams it cuts', async () => {
    // two 120-minute streams on the victim, a 10-minute grace period
    const w = world({ instances: 1, graceSeconds: 600, streams: (m) => (m === 1 ? [120, 120] : []) });
    const victim = w.ids()[0] as string;
    await w.stack.run(30, [w.terminateAt(5, () => victim), w.stack.drain, async () => w.watch(victim)()]);
    // sent at minute 5, deadline 5 + 10 = minute 15: released and gone then
    expect(w.gone.get(victim)).toBe(15);
    expect(w.metric('StreamsCutAtGrace')).toEqual([2]);
    // forced: how long its streams needed is unknown, so no time-to-empty
    expect(w.metric('DrainDurationSeconds')).toEqual([600]);
    expect(w.metric('DrainSecondsToEmpty')).toEqual([]);
    // what the controller counted is what the simulated cloud actually cut
    expect(w.cloud.totals().streamsCutByCause['lifecycle-complete']).toBe(2);
    expect(w.telemetry.lines.some((l) => l.level === 'WARN' && l.message === 'streams cut at the grace deadline')).toBe(true);
  });

  it('keeps a two-hour drain alive with heartbeats (the hook alone would time out after 5 minutes)', async () => {
    const w = world({ instances: 1, graceSeconds: 3 * 3600, streams: (m) => (m === 1 ? [125] : []) });
    const victim = w.ids()[0] as string;
    await w.stack.run(140, [w.terminateAt(3, () => victim), w.stack.drain, async () => w.watch(victim)()]);
    // stream ends at 1 + 125 = 126; its zero is visible at 127, released and gone then
    expect(w.gone.get(victim)).toBe(127);
    expect(w.cloud.totals().streamsCutByCause).toEqual({ 'lifecycle-complete': 0, 'hook-timeout': 0, 'no-hook': 0, 'pod-grace': 0 });
    // one heartbeat per tick from the command (minute 3) to the last hold (minute 126): 124,
    // plus the lifecycle event's own pass at minute 4
    expect(w.cloud.calls.get('autoscaling:RecordLifecycleActionHeartbeat')).toBe(125);
  });

  it('stops heartbeating when the controller dies, and the hook timeout then releases the instance (DefaultResult CONTINUE)', async () => {
    const w = world({ instances: 1, graceSeconds: 900, streams: (m) => (m === 1 ? [200] : []) });
    const victim = w.ids()[0] as string;
    let alive = true;
    await w.stack.run(30, [w.terminateAt(3, () => victim), async (now) => (alive ? w.stack.drain(now) : undefined), async () => w.watch(victim)(), async () => void (alive = w.cloud.minute < 10)], { lifecycleEvents: false });
    // the hook's timeout is the grace, 900 s: the controller's last tick is minute 10, so the hook
    // times out at 10 + 15 = 25, after the grace deadline 3 + 15 = 18 it would have kept
    expect(w.gone.get(victim)).toBe(25);
    expect(w.cloud.totals().streamsCutByCause['hook-timeout']).toBe(1);
  });
});

describe('an Engine that exits once drained, and stops publishing', () => {
  it('is held to the deadline, since silence proves nothing; the release is not counted as a cut', async () => {
    // The real drain document reports the exit itself (its closing line releases at
    // once); the simulated SSM marks the command Success at delivery without that line,
    // so here only the metric could tell, and it goes silent instead of reporting zero.
    const w = world({ instances: 1, graceSeconds: 1200, engineExitsWhenDrained: true, streams: (m) => (m === 1 ? [6] : []) });
    const victim = w.ids()[0] as string;
    await w.stack.run(30, [w.terminateAt(3, () => victim), w.stack.drain, async () => w.watch(victim)()], { lifecycleEvents: false });
    // sent at 3, deadline 3 + 20 = 23
    expect(w.gone.get(victim)).toBe(23);
    expect(w.cloud.totals().streamsCutByCause).toEqual({ 'lifecycle-complete': 0, 'hook-timeout': 0, 'no-hook': 0, 'pod-grace': 0 });
    expect(w.metric('StreamsCutAtGrace')).toEqual([]);
    expect(w.telemetry.lines.some((l) => l.message.startsWith('drain forced with the load unknown'))).toBe(true);
  });
});

describe('drain of an EKS managed node group on the simulated cloud', () => {
  it('finds the node group Auto Scaling group, puts the hook there, cordons the node and evicts its Engine pod, never sends an SSM command', async () => {
    const cloud = new SimCloud({ start: START, seed: 4 });
    const group = cloud.addNodegroup({ clusterName: 'speech', nodegroupName: 'gpu', minSize: 0, maxSize: 4, desiredCapacity: 1, traffic: scriptedTraffic((m) => (m === 1 ? [12] : [])), tags: { 'gpu-fleet-scaler:managed': 'true' } });
    const config = validateConfig(
      {
        version: 1,
        fleets: [{ name: 'k8s', target: { type: 'eks', clusterName: 'speech', nodegroupName: 'gpu' }, kinds: { stream: { capacity: 150 } }, minInstances: 1, maxInstances: 4, dryRun: false }],
      },
      'test',
    );
    const telemetry = new SimTelemetry();
    const stack = simStack(cloud, cloud.handlerDeps(config, { telemetry }));
    const victim = group.instances[0]?.id as string;
    let goneAt: number | undefined;
    await stack.run(
      25,
      [
        async () => {
          if (cloud.minute === 3) await cloud.ports.autoscaling.send(new TerminateInstanceInAutoScalingGroupCommand({ InstanceId: victim, ShouldDecrementDesiredCapacity: true }));
        },
        stack.drain,
        async () => void (goneAt ??= cloud.instance(victim) ? undefined : cloud.minute),
      ],
      { lifecycleEvents: false },
    );
    expect([...group.hooks.keys()]).toEqual(['gpu-fleet-scaler-drain']);
    // The stream ends at 1 + 12 = 13; the evicted pod's preStop ends then, and the pod is
    // gone at the kubelet's next look (14), where the drain's tick finds no pod and releases.
    expect(goneAt).toBe(14);
    expect(cloud.totals().streamsCutByCause).toEqual({ 'lifecycle-complete': 0, 'hook-timeout': 0, 'no-hook': 0, 'pod-grace': 0 });
    expect(cloud.ssm.commands).toEqual([]);
    expect(cloud.kubernetes.figures).toMatchObject({ evictions: 1, evictionsOnSchedulableNode: 0, acceptedWhileLeaving: 0 });
  });
});
