import { CompleteLifecycleActionCommand, TerminateInstanceInAutoScalingGroupCommand } from '@aws-sdk/client-auto-scaling';
import { describe, expect, it } from 'vitest';
import { simStack } from '../../bench/stack.js';
import { validateConfig } from '../../lib/config/load.js';
import type { ConfigInput } from '../../lib/config/schema.js';
import { scriptedTraffic, SimCloud, SimTelemetry } from '../../sim/index.js';

const START = new Date('2026-11-16T00:00:00Z');
const NO_CUTS = { 'lifecycle-complete': 0, 'hook-timeout': 0, 'no-hook': 0, 'pod-grace': 0 };

type FleetInput = ConfigInput['fleets'][number];
const fleet = (name: string, groupName: string, extra: Partial<FleetInput> = {}): FleetInput => ({
  name,
  target: { type: 'asg', autoScalingGroupName: groupName },
  kinds: { stream: { capacity: 150 } },
  minInstances: 1,
  maxInstances: 10,
  dryRun: false,
  ...extra,
});

/** One instance in group "engines" holding `streams` (lengths in minutes) from minute 1; terminated at minute `terminateAt`. */
function world(options: { streams: number[]; graceSeconds?: number; fleets?: FleetInput[]; terminateAt?: number; callLog?: boolean }) {
  const cloud = new SimCloud({ start: START, seed: 5, callLogLimit: options.callLog ? 5000 : 0 });
  cloud.addAutoScalingGroup({ name: 'engines', minSize: 0, maxSize: 10, desiredCapacity: 1, tags: { 'gpu-fleet-scaler:managed': 'true' }, traffic: scriptedTraffic((m) => (m === 1 ? options.streams : [])) });
  const config = validateConfig({ version: 1, fleets: options.fleets ?? [fleet('speech', 'engines', { drain: { gracePeriodSeconds: options.graceSeconds ?? 3600 } })] }, 'test');
  const telemetry = new SimTelemetry();
  const stack = simStack(cloud, cloud.handlerDeps(config, { telemetry }));
  const victim = cloud.group('engines').instances[0]?.id as string;
  const terminateAt = options.terminateAt ?? 5;
  let goneAt: number | undefined;
  const results: unknown[] = [];
  return {
    cloud,
    telemetry,
    victim,
    goneAt: () => goneAt,
    results,
    tick: async (now: Date) => {
      results.push(await stack.drain(now));
    },
    /** `minutes` of the cloud with `everyMinute`; lifecycle events go to the drain unless `events` is false. */
    run: (minutes: number, everyMinute: Array<(now: Date) => Promise<unknown>>, events = true) =>
      stack.run(minutes, everyMinute, { lifecycleEvents: events && (async (event) => results.push(await stack.lifecycle(event))) }),
    terminate: async () => {
      if (cloud.minute === terminateAt) await cloud.ports.autoscaling.send(new TerminateInstanceInAutoScalingGroupCommand({ InstanceId: victim, ShouldDecrementDesiredCapacity: true }));
    },
    watch: async () => {
      if (goneAt === undefined && !cloud.instance(victim)) goneAt = cloud.minute;
    },
    metric: (name: string, fleetName = 'speech') => telemetry.metricValues(name, { Fleet: fleetName }),
    sends: () => cloud.calls.get('ssm:SendCommand') ?? 0,
    decisions: () => telemetry.lines.filter((l) => l.message === 'drain decision').map((l) => l.fields),
  };
}

describe('drain tolerates', () => {
  it('duplicate lifecycle events: one command per instance and lifecycle action', async () => {
    const w = world({ streams: [20] });
    w.cloud.faults.lifecycleEvents({ kind: 'duplicate', times: 1 }).lifecycleEvents({ kind: 'duplicate', times: 1 });
    // The schedule puts the hook at minute 1, then is silent until minute 8 (before the
    // heartbeat of minute 6 runs out), so only the events can send, and the duplicates
    // must not send twice.
    const scheduleExceptMinutes2To7 = async (now: Date) => (w.cloud.minute === 1 || w.cloud.minute >= 8 ? w.tick(now) : undefined);
    await w.run(40, [w.terminate, scheduleExceptMinutes2To7, w.watch]);
    // the event queued at minute 5 arrives three times at minute 6
    expect(w.sends()).toBe(1);
    expect(w.goneAt()).toBe(22); // stream 1 + 20 = 21 ends; its zero is read at 22
    expect(w.cloud.totals().streamsCutByCause).toEqual(NO_CUTS);
  });

  it('a late event, overtaken by the drain it announces, changes nothing', async () => {
    const w = world({ streams: [10] });
    w.cloud.faults.lifecycleEvents({ kind: 'delay', minutes: 30, times: 1 });
    await w.run(45, [w.terminate, w.tick, w.watch]);
    // the schedule sent at 5 and released at 12 (stream ends at 11); the event arrives at 35
    expect(w.goneAt()).toBe(12);
    expect(w.sends()).toBe(1);
    expect(w.telemetry.lines.some((l) => l.message === 'drain event instance not waiting in a managed group' && l.fields.instanceId === w.victim)).toBe(true);
    expect(w.telemetry.lines.filter((l) => l.level === 'ERROR')).toEqual([]);
  });

  it('the action completed by someone else (ValidationError) and the instance gone', async () => {
    const w = world({ streams: [60] });
    const operator = async () => {
      if (w.cloud.minute === 9) await w.cloud.ports.autoscaling.send(new CompleteLifecycleActionCommand({ AutoScalingGroupName: 'engines', LifecycleHookName: 'gpu-fleet-scaler-drain', InstanceId: w.victim, LifecycleActionResult: 'CONTINUE' }));
    };
    await w.run(20, [w.terminate, w.tick, operator, w.watch]);
    expect(w.goneAt()).toBe(9);
    // nothing counted by the controller: it did not release this instance
    expect(w.metric('DrainDurationSeconds')).toEqual([]);
    expect(w.metric('StreamsCutAtGrace')).toEqual([]);
    expect(w.telemetry.lines.filter((l) => l.level === 'ERROR')).toEqual([]);
  });

  it('two ticks at once: the instance is released once and counted once', async () => {
    const w = world({ streams: [15] });
    const twice = async (now: Date) => {
      await Promise.all([w.tick(now), w.tick(now)]);
    };
    await w.run(30, [w.terminate, twice, w.watch], false);
    expect(w.goneAt()).toBe(17); // stream ends at 16, read at 17
    const outcomes = w.decisions().filter((d) => d.action === 'Complete').map((d) => d.outcome);
    expect(outcomes.sort()).toEqual(['AlreadyReleased', 'Released']);
    expect(w.metric('DrainDurationSeconds')).toEqual([720]); // minute 5 -> 17
    // Both ticks read an empty command history before either sent: two commands, one
    // SIGINT (the document keeps a marker per container). Reserved concurrency 1 avoids it.
    expect(w.sends()).toBe(2);
    expect(w.cloud.totals().streamsCutByCause).toEqual(NO_CUTS);
  });

  it('an SSM agent that answers only the second command: resent after the delivery timeout, deadline unchanged', async () => {
    const w = world({ streams: [30] });
    w.cloud.faults.ssmAgent({ instanceId: w.victim, mode: 'no-answer', times: 1 });
    await w.run(45, [w.terminate, w.tick, w.watch], false);
    // sent at 5, TimedOut at 10 (300 s), resent at 10, delivered at 11; stream ends at 31, read at 32
    expect(w.sends()).toBe(2);
    expect(w.goneAt()).toBe(32);
    expect(w.metric('DrainDurationSeconds')).toEqual([27 * 60]); // from the first command at 5
    expect(w.cloud.totals().streamsCutByCause).toEqual(NO_CUTS);
  });

  it('an SSM agent that never answers: retried every 5 minutes, forced at the deadline with the cut counted', async () => {
    const w = world({ streams: [90, 90, 90], graceSeconds: 1200 });
    w.cloud.faults.ssmAgent({ instanceId: w.victim, mode: 'no-answer' });
    await w.run(40, [w.terminate, w.tick, w.watch], false);
    // commands at 5, 10, 15, 20; deadline 5 + 20 = 25
    expect(w.sends()).toBe(4);
    expect(w.goneAt()).toBe(25);
    expect(w.metric('StreamsCutAtGrace')).toEqual([3]);
    expect(w.cloud.totals().streamsCutByCause['lifecycle-complete']).toBe(3);
  });

  it('a missing datapoint after the SIGINT never releases: the drain waits for data', async () => {
    const w = world({ streams: [5] });
    w.cloud.faults.dropMetrics({ instanceId: w.victim, fromMinute: 6, untilMinute: 20 });
    await w.run(30, [w.terminate, w.tick, w.watch], false);
    // the stream ends at 6, but nothing is published until minute 20, read at 21
    expect(w.goneAt()).toBe(21);
    const held = w.decisions().filter((d) => d.reason === 'AwaitingPostSigintData').length;
    expect(held).toBeGreaterThanOrEqual(14); // minutes 7..20
  });

  it('throttled Auto Scaling calls are retried', async () => {
    const w = world({ streams: [10] });
    w.cloud.faults.add({ operation: 'autoscaling:RecordLifecycleActionHeartbeat', error: 'Throttling', times: 3 });
    await w.run(20, [w.terminate, w.tick, w.watch], false);
    expect(w.goneAt()).toBe(12);
    expect(w.telemetry.lines.filter((l) => l.level === 'ERROR')).toEqual([]);
  });

  it('one broken fleet does not stop the others', async () => {
    const w = world({ streams: [10], fleets: [fleet('broken', 'no-such-group'), fleet('speech', 'engines')] });
    await w.run(20, [w.terminate, w.tick, w.watch], false);
    expect(w.goneAt()).toBe(12);
    expect(w.metric('DrainErrors', 'broken').every((n) => n === 1)).toBe(true);
    expect(w.metric('DrainErrors', 'speech').every((n) => n === 0)).toBe(true);
    expect(w.telemetry.lines.some((l) => l.level === 'ERROR' && String(l.fields.error).includes('no-such-group'))).toBe(true);
  });

  it('a dry-run fleet decides and logs, and writes nothing', async () => {
    const w = world({ streams: [10], fleets: [fleet('speech', 'engines', { dryRun: true })], callLog: true });
    await w.run(20, [w.tick], false);
    const writes = w.cloud.callLog.filter((c) => /PutLifecycleHook|SendCommand|Heartbeat|CompleteLifecycleAction/.test(c.operation));
    expect(writes).toEqual([]);
    expect(w.cloud.calls.get('autoscaling:DescribeLifecycleHooks')).toBeUndefined();
    expect(w.results.length).toBe(20);
  });
});
