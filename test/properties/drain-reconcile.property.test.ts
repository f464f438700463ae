import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createDrainHandler, type DrainHandlerDeps } from '../../functions/drain.js';
import { validateConfig } from '../../lib/config/load.js';
import { lambdaContext, scheduledEvent, SimTelemetry } from '../../sim/index.js';
import { DOCUMENT, DrainWorld, GROUP, HOOK, NO_WAIT_RETRY, T0, type InstanceScript } from './drain-world.js';

/**
 * The drain reconciler (functions/drain.ts -> lib/drain/reconcile.ts) over generated worlds:
 * Engine loads with missing datapoints, SSM agents that answer late, never or fail, lost,
 * duplicated and out-of-order events, ticks that run at once, and injected API failures.
 * Each run replays one generated world minute by minute through the real handler; fast-check
 * shrinks a failing world and prints it.
 */

const MINUTE = 60_000;
const FAULTABLE = ['DescribeAutoScalingGroups', 'DescribeScalingActivities', 'RecordLifecycleActionHeartbeat', 'CompleteLifecycleAction', 'GetMetricData', 'SendCommand', 'ListCommandInvocations'];

const agentArb = fc.oneof(
  { weight: 4, arbitrary: fc.integer({ min: 1, max: 150 }).map((delaySeconds) => ({ kind: 'prompt' as const, delaySeconds })) },
  { weight: 1, arbitrary: fc.constant({ kind: 'silent' as const }) },
  { weight: 1, arbitrary: fc.constant({ kind: 'fails-once' as const }) },
);

const scriptArb = (horizonMinutes: number): fc.Arbitrary<InstanceScript> =>
  fc.record({
    terminatingAt: fc.integer({ min: 0, max: 600 }),
    before: fc.array(fc.oneof(fc.constant(0), fc.integer({ min: 0, max: 40 })), { minLength: 1, maxLength: 20 }),
    finishing: fc.array(fc.integer({ min: 0, max: 5 }), { maxLength: 10 }),
    dropped: fc.oneof(fc.array(fc.integer({ min: 0, max: horizonMinutes }), { maxLength: 12 }), fc.constant([...Array(horizonMinutes + 1).keys()])),
    agent: agentArb,
    reportsExit: fc.boolean(),
  });

interface Delivery {
  /** 0 = lost; 2 = duplicated. */
  copies: number;
  offsetSeconds: number;
  kind: 'schedule' | 'lifecycle';
  /** A lifecycle event for this instance, stamped this many minutes late. */
  instance: number;
  lateMinutes: number;
  concurrent: boolean;
  failing: readonly string[];
}

const deliveryArb = (withFaults: boolean): fc.Arbitrary<Delivery> =>
  fc.record({
    copies: fc.oneof({ weight: 6, arbitrary: fc.constant(1) }, { weight: 2, arbitrary: fc.constant(0) }, { weight: 1, arbitrary: fc.constant(2) }),
    offsetSeconds: fc.integer({ min: 1, max: 50 }),
    kind: fc.constantFrom('schedule' as const, 'lifecycle' as const),
    instance: fc.nat(3),
    lateMinutes: fc.nat(30),
    concurrent: fc.boolean(),
    failing: withFaults ? fc.oneof({ weight: 3, arbitrary: fc.constant<string[]>([]) }, { weight: 1, arbitrary: fc.subarray(FAULTABLE, { minLength: 1 }) }) : fc.constant<string[]>([]),
  });

/** At most three lost minutes in a row: a hook survives four (HeartbeatTimeout 300 s). */
function boundLosses(deliveries: Delivery[]): Delivery[] {
  let lost = 0;
  return deliveries.map((d) => {
    if (d.copies === 0 && lost >= 3) return { ...d, copies: 1 };
    lost = d.copies === 0 ? lost + 1 : 0;
    return d;
  });
}

const worldArb = (options: { faults: boolean }) =>
  fc.integer({ min: 60, max: 5400 }).chain((grace) => {
    const horizon = Math.ceil((600 + grace) / 60) + 15;
    return fc.record({
      grace: fc.constant(grace),
      scripts: fc.array(scriptArb(horizon), { minLength: 1, maxLength: 3 }),
      deliveries: fc.array(deliveryArb(options.faults), { minLength: horizon, maxLength: horizon }).map(boundLosses),
    });
  });

type WorldInput = { grace: number; scripts: InstanceScript[]; deliveries: Delivery[] };

function setUp(input: WorldInput) {
  const world = new DrainWorld(input.scripts, input.grace);
  const config = validateConfig(
    { version: 1, fleets: [{ name: 'speech', target: { type: 'asg', autoScalingGroupName: GROUP }, kinds: { stream: { capacity: 150 } }, minInstances: 1, maxInstances: 10, dryRun: false, drain: { gracePeriodSeconds: input.grace } }] },
    'property',
  );
  const telemetry = new SimTelemetry();
  const deps: DrainHandlerDeps = {
    ports: world.ports,
    telemetry,
    now: () => new Date(T0.getTime() + world.nowMs),
    loadConfig: async () => config,
    retry: NO_WAIT_RETRY,
    drainDocumentName: DOCUMENT,
    hookName: HOOK,
  };
  const handler = createDrainHandler(() => deps);
  const eventFor = (d: Delivery, at: number) => {
    const time = new Date(T0.getTime() + at);
    if (d.kind === 'schedule') return scheduledEvent(time);
    const instance = world.instances[d.instance % world.instances.length];
    return {
      version: '0',
      id: `event-${at}`,
      'detail-type': 'EC2 Instance-terminate Lifecycle Action',
      source: 'aws.autoscaling',
      account: '123456789012',
      time: new Date(time.getTime() - d.lateMinutes * MINUTE).toISOString().replace(/\.\d{3}Z$/, 'Z'),
      region: 'us-east-1',
      resources: [],
      detail: { LifecycleActionToken: `token-${instance?.id}`, AutoScalingGroupName: GROUP, LifecycleHookName: HOOK, EC2InstanceId: instance?.id, LifecycleTransition: 'autoscaling:EC2_INSTANCE_TERMINATING' },
    };
  };
  const invoke = (event: unknown) => handler(event, lambdaContext('drain'));
  return { world, telemetry, eventFor, invoke };
}

/** Sends to one instance in order; each after the first needs the previous to have ended unsignalled at least 300 s before. */
function expectSendDiscipline(world: DrainWorld): void {
  for (const instance of world.instances) {
    const sends = world.invocations.filter((i) => i.instanceId === instance.id);
    for (let k = 1; k < sends.length; k++) {
      const previous = sends[k - 1]!;
      const next = sends[k]!;
      const previousEnded = previous.failsBeforeSigint ? (previous.startsAt as number) <= next.requestedAt : previous.startsAt === undefined && next.requestedAt - previous.requestedAt >= previous.deliveryTimeoutMs;
      expect({ instance: instance.id, send: k, previousEnded }).toEqual({ instance: instance.id, send: k, previousEnded: true });
      // resendAfterSeconds (300) after the previous request
      expect(next.requestedAt - previous.requestedAt).toBeGreaterThanOrEqual(300_000);
    }
    if (instance.script.agent.kind === 'prompt') expect(sends.length).toBeLessThanOrEqual(1);
  }
}

/** No release by the controller before the deadline unless the Engine is empty and a post-SIGINT datapoint (or the exit line) said so. */
function expectNoEarlyRelease(world: DrainWorld): void {
  for (const release of world.releases.filter((r) => r.how === 'CompleteLifecycleAction')) {
    const instance = world.byId(release.instanceId)!;
    const deadline = world.deadlineMs(instance) as number;
    if (release.at >= deadline) continue;
    const saved = world.nowMs;
    world.nowMs = release.at;
    const evidence = world.zeroSeenAfterSigint(instance, release.at) || instance.script.reportsExit;
    world.nowMs = saved;
    expect({ instance: release.instanceId, at: release.at, deadline, cut: release.cut, evidence }).toEqual({ instance: release.instanceId, at: release.at, deadline, cut: 0, evidence: true });
  }
}

describe('drain reconciler: properties over generated worlds', () => {
  it('sequential ticks (lost, duplicated, late events): no early release, release at the deadline, a heartbeat every tick, one command per lifecycle action, idempotent ticks', async () => {
    await fc.assert(
      fc.asyncProperty(worldArb({ faults: false }), async (input) => {
        const { world, eventFor, invoke } = setUp(input);
        for (const [minute, d] of input.deliveries.entries()) {
          for (let copy = 0; copy < d.copies; copy++) {
            const at = minute * MINUTE + d.offsetSeconds * 1000 + copy * 1000;
            world.advanceTo(at);
            world.tick++;
            await invoke(eventFor(d, at));
            const tick = world.tick;
            // Every instance still held was heartbeated by this tick.
            for (const instance of world.instances.filter((i) => i.state === 'Terminating:Wait')) {
              expect({ instance: instance.id, lastHeartbeat: instance.lastHeartbeat }).toEqual({ instance: instance.id, lastHeartbeat: at });
            }
            // At or after the deadline nothing is held, once the tick's clock has reached it: a
            // tick decides on AWS's clock as its event tells it (lib/aws-time.ts), and a late
            // lifecycle event's time is behind, so that tick releases nothing early; the next
            // schedule tick, whose time is on time, releases.
            const tickClock = d.kind === 'schedule' ? at : at - d.lateMinutes * MINUTE;
            for (const instance of world.instances) {
              const deadline = world.deadlineMs(instance);
              if (deadline !== undefined && deadline <= tickClock) expect({ instance: instance.id, state: instance.state }).toEqual({ instance: instance.id, state: 'Gone' });
            }
            // The same tick again (a duplicate invocation at the same instant, the world unchanged:
            // agents take at least a second) sends and releases nothing more.
            world.tick++;
            await invoke(eventFor(d, at));
            const again = world.writes.filter((w) => w.tick === world.tick && w.operation !== 'RecordLifecycleActionHeartbeat').map((w) => `${w.operation} ${w.instanceId}`);
            expect({ afterTick: tick, writes: again }).toEqual({ afterTick: tick, writes: [] });
          }
        }
        expectNoEarlyRelease(world);
        expectSendDiscipline(world);
        expect(world.releases.filter((r) => r.how !== 'CompleteLifecycleAction')).toEqual([]);
        // Every instance that entered Terminating:Wait was released, once.
        const entered = world.instances.filter((i) => i.hookStart !== undefined).map((i) => i.id);
        expect(world.releases.map((r) => r.instanceId).sort()).toEqual(entered.sort());
      }),
      { numRuns: 150 },
    );
  });

  it('two ticks at once: still no early release and one release per instance; at most one extra command per instance', async () => {
    await fc.assert(
      fc.asyncProperty(worldArb({ faults: false }), async (input) => {
        const { world, eventFor, invoke } = setUp(input);
        for (const [minute, d] of input.deliveries.entries()) {
          if (d.copies === 0) continue;
          const at = minute * MINUTE + d.offsetSeconds * 1000;
          world.advanceTo(at);
          world.tick++;
          if (d.concurrent) await Promise.all([invoke(eventFor(d, at)), invoke(scheduledEvent(new Date(T0.getTime() + at)))]);
          else await invoke(eventFor(d, at));
        }
        expectNoEarlyRelease(world);
        expect(world.releases.filter((r) => r.how !== 'CompleteLifecycleAction')).toEqual([]);
        for (const instance of world.instances.filter((i) => i.script.agent.kind === 'prompt')) {
          // lib/drain/README.md: two ticks at once may both send; the document SIGINTs a container once.
          expect(world.invocations.filter((i) => i.instanceId === instance.id).length).toBeLessThanOrEqual(2);
        }
      }),
      { numRuns: 100 },
    );
  });

  it('with API calls failing at random: no early release, no command sent twice without cause, and a failed tick releases nothing', async () => {
    await fc.assert(
      fc.asyncProperty(worldArb({ faults: true }), async (input) => {
        const { world, eventFor, invoke } = setUp(input);
        for (const [minute, d] of input.deliveries.entries()) {
          if (d.copies === 0) continue;
          const at = minute * MINUTE + d.offsetSeconds * 1000;
          world.advanceTo(at);
          world.tick++;
          world.failing = new Set(d.failing);
          await invoke(eventFor(d, at));
          world.failing = new Set();
          const blind = ['DescribeAutoScalingGroups', 'ListCommandInvocations'].some((op) => d.failing.includes(op));
          if (blind) expect(world.writes.filter((w) => w.tick === world.tick && (w.operation === 'SendCommand' || w.operation === 'CompleteLifecycleAction'))).toEqual([]);
        }
        expectNoEarlyRelease(world);
        expectSendDiscipline(world);
      }),
      { numRuns: 100 },
    );
  });

  it('SSM, metrics or activities failing for the whole drain: the hook is still heartbeated every tick and never times out', async () => {
    const outage = fc.subarray(['SendCommand', 'ListCommandInvocations', 'GetMetricData', 'DescribeScalingActivities'], { minLength: 1 });
    await fc.assert(
      fc.asyncProperty(worldArb({ faults: false }), outage, async (input, failing) => {
        const { world, eventFor, invoke } = setUp(input);
        world.failing = new Set(failing);
        for (const [minute, d] of input.deliveries.entries()) {
          if (d.copies === 0) continue;
          const at = minute * MINUTE + d.offsetSeconds * 1000;
          world.advanceTo(at);
          world.tick++;
          await invoke(eventFor(d, at));
          for (const instance of world.instances.filter((i) => i.state === 'Terminating:Wait')) {
            expect({ instance: instance.id, lastHeartbeat: instance.lastHeartbeat }).toEqual({ instance: instance.id, lastHeartbeat: at });
          }
        }
        expect(world.releases.filter((r) => r.how !== 'CompleteLifecycleAction')).toEqual([]);
        expectNoEarlyRelease(world);
      }),
      { numRuns: 100 },
    );
  });
});
