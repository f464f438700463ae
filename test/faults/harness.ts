import { DescribeNodegroupCommand, TagResourceCommand } from '@aws-sdk/client-eks';
import { GetMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import { simStack, type SimStack } from '../../bench/stack.js';
import type { AwsPorts } from '../../lib/aws/ports.js';
import { validateConfig } from '../../lib/config/load.js';
import type { ConfigInput } from '../../lib/config/schema.js';
import type { HandlerDeps } from '../../lib/runtime/deps.js';
import type { Telemetry } from '../../lib/telemetry.js';
import { SimCloud, SimTelemetry, syntheticTraffic, type MetricScope } from '../../sim/index.js';
import type { DecisionRecord, GroupRecord } from './invariants.js';

export const START = new Date('2026-06-01T00:00:00Z');
/** A day compressed to 12 hours (night, rise, peak, fall), then a fault-free tail in which every drain must finish. */
export const DAY_MINUTES = 720;
export const TAIL_MINUTES = 60;
export const GRACE_MINUTES = 10;
/** scaleDown.cooldownSeconds (300, the default) in minutes. */
export const SCALE_DOWN_COOLDOWN_MINUTES = 5;
export const CAPACITY = 20;
/** scaleDown.stabilizationSeconds (600, the default) in minutes: the periods a scale-in depends on. */
const DOWN_WINDOW_MINUTES = 10;

export interface FleetSpec {
  name: string;
  /** The Auto Scaling group (the backing one for the EKS node group, known after creation). */
  group: string;
  eks?: { clusterName: string; nodegroupName: string };
  peakRate: number;
  /** Minutes the daily curve is shifted by. */
  phase: number;
}

export const FLEETS: readonly FleetSpec[] = [
  { name: 'speech', group: 'asg-speech', peakRate: 40, phase: 0 },
  { name: 'calm', group: 'asg-calm', peakRate: 30, phase: 120 },
  { name: 'k8s', group: '', eks: { clusterName: 'speech', nodegroupName: 'gpu' }, peakRate: 30, phase: 60 },
];

/** Night trough of 10 % of the peak, peak at mid-day (plus the fleet's phase). */
export function dailyRate(spec: FleetSpec): (minute: number) => number {
  return (minute) => spec.peakRate * (0.1 + 0.9 * (1 - Math.cos((2 * Math.PI * (minute - spec.phase)) / DAY_MINUTES)) / 2);
}

export type HandlerName = 'scale' | 'drain';

/** A metric fault on one group's samples; also tells the harness which decisions saw damaged data. */
export type MetricFault = MetricScope & { group: string; delayMinutes?: number };

export interface Scenario {
  name: string;
  /** Seeds to run it with (default: the suite's one); a seed that once found a fault stays. */
  seeds?: readonly number[];
  /** Fleets the faults touch; the others must decide exactly as in a fault-free run. 'all': no fleet is spared. */
  touches: readonly string[] | 'all';
  /** API, answer, lifecycle-event and agent faults, set up before the run. */
  inject?: (world: World) => void;
  metricFaults?: (world: World) => MetricFault[];
  /** Minutes the handlers' clock is ahead (+) or behind (-) the cloud's, by minute. */
  skewMinutes?: (minute: number) => number;
  /** Both handlers run twice at once every minute in this range. */
  concurrent?: (minute: number) => boolean;
  /** The Lambda is killed after this many AWS calls (undefined: runs to the end). */
  killAfterCalls?: (handler: HandlerName, minute: number) => number | undefined;
  /** The Lambda is killed right after a call of this command took effect (its answer never read). */
  killAfterCommand?: (handler: HandlerName, minute: number, command: string) => boolean;
  /** Calls that never answer (a connection that hangs); the invocation then runs until the Lambda times out. */
  hangWhen?: (world: World, handler: HandlerName, minute: number, command: string, input: unknown) => boolean;
  /** Something else acting on the cloud each minute (an operator, AWS behind the controller's back). */
  actor?: (world: World) => Promise<void>;
}

export interface World {
  cloud: SimCloud;
  fleets: FleetSpec[];
  groupOf: (fleet: string) => string;
  /** Instances the scenario itself released: not the controller's doing. */
  excused: Set<string>;
  /** Injects a metric fault (also during the run) and remembers it to judge which decisions saw damaged data. */
  addMetricFault: (fault: MetricFault) => void;
}

export interface RunRecord {
  scenario: string;
  decisions: DecisionRecord[];
  groups: GroupRecord[];
  cloud: SimCloud;
  world: World;
  endMinute: number;
  /** Scale and drain invocations that were killed mid-operation, or timed out on a call that never answered. */
  kills: number;
  timeouts: number;
  /** Invocations run on a skewed clock, and alongside another of the same handler. */
  skewed: number;
  concurrent: number;
  /** Invocations whose promise rejected (the handler threw). */
  handlerErrors: string[];
  /** The controller's log lines (the last 20,000) and metrics. */
  telemetry: SimTelemetry;
}

interface Invocation {
  ports: AwsPorts;
  now: () => Date;
  telemetry: Telemetry;
}

/** Passes everything on, and keeps the scale handler's per-fleet decision lines. */
function capturing(telemetry: Telemetry, decisions: Array<Record<string, unknown>>): Telemetry {
  return {
    info: (message, fields) => {
      if (message === 'fleet decision' && fields) decisions.push(fields);
      telemetry.info(message, fields);
    },
    warn: (message, fields) => telemetry.warn(message, fields),
    error: (message, fields) => {
      // A fleet whose actuation failed still logs the decision it tried to apply.
      if (message.startsWith('fleet tick failed') && fields?.reason !== undefined) decisions.push(fields);
      telemetry.error(message, fields);
    },
    metric: (point) => telemetry.metric(point),
  };
}

const config = (fleets: FleetSpec[]) =>
  validateConfig(
    {
      version: 1,
      fleets: fleets.map((f) => ({
        name: f.name,
        target: f.eks ? { type: 'eks', ...f.eks } : { type: 'asg', autoScalingGroupName: f.group },
        ...(f.eks ? { kubernetes: { namespace: 'deepgram', engineDeployment: 'deepgram-engine' } } : {}),
        kinds: { stream: { capacity: CAPACITY } },
        minInstances: 1,
        maxInstances: 20,
        dryRun: false,
        drain: { gracePeriodSeconds: GRACE_MINUTES * 60 },
      })),
    } satisfies ConfigInput,
    'faults',
  );

/**
 * Ports that stop answering (the Lambda was killed mid-call) past a budget of calls, or
 * once a call the scenario names has gone through.
 */
function killable(ports: AwsPorts, budget: number, killAfter: (command: string) => boolean, onKill: () => void): AwsPorts {
  let calls = 0;
  let dead = false;
  const wrap = <P extends { send: (command: never) => Promise<unknown> }>(port: P): P =>
    ({
      send: (command: never) => {
        calls++;
        if (dead || calls > budget) {
          dead = true;
          onKill();
          return new Promise<never>(() => undefined);
        }
        const sent = port.send(command);
        if (killAfter((command as object).constructor.name.replace(/Command$/, ''))) {
          dead = true;
          return sent.then(() => {
            onKill();
            return new Promise<never>(() => undefined);
          });
        }
        return sent;
      },
    }) as unknown as P;
  return { autoscaling: wrap(ports.autoscaling), cloudwatch: wrap(ports.cloudwatch), eks: wrap(ports.eks), ssm: wrap(ports.ssm), sns: wrap(ports.sns) };
}

function hanging(ports: AwsPorts, hang: (command: string, input: unknown) => boolean): AwsPorts {
  const wrap = <P extends { send: (command: never) => Promise<unknown> }>(port: P): P =>
    ({
      send: (command: never) => {
        const c = command as { constructor: { name: string }; input: unknown };
        if (hang(c.constructor.name.replace(/Command$/, ''), c.input)) return new Promise<never>(() => undefined);
        return port.send(command);
      },
    }) as unknown as P;
  return { autoscaling: wrap(ports.autoscaling), cloudwatch: wrap(ports.cloudwatch), eks: wrap(ports.eks), ssm: wrap(ports.ssm), sns: wrap(ports.sns) };
}

/**
 * Simulated time stands still while a handler runs and every simulated call answers
 * within microtasks, so a handler still pending after a few turns of the event loop is
 * waiting on a call that never answers: the Lambda times out.
 */
function lambdaTimeout(): Promise<'timed out'> {
  return new Promise((resolve) => {
    let turns = 0;
    const turn = () => (++turns >= 5 ? resolve('timed out') : setImmediate(turn));
    setImmediate(turn);
  });
}

/** Watches the scale handler's metric read: did its last attempt fail, was its answer rewritten. */
interface ReadWatch {
  failed: boolean;
  rewritten: boolean;
  reads: number;
}

function watchReads(ports: AwsPorts, cloud: SimCloud, watch: ReadWatch): AwsPorts {
  const cloudwatch = {
    send: async (command: unknown) => {
      const send = () => ports.cloudwatch.send(command as GetMetricDataCommand);
      // The scale tick's read names its queries f<fleet>_...; the victim and drain reads i<n>_....
      const fleetRead = command instanceof GetMetricDataCommand && (command.input.MetricDataQueries ?? []).some((q) => /^f\d+_/.test(q.Id ?? ''));
      if (!fleetRead) return send();
      const hitsBefore = cloud.faults.hits.length;
      watch.reads++;
      try {
        const answer = await send();
        watch.failed = false;
        watch.rewritten = cloud.faults.hits.slice(hitsBefore).some((h) => h.kind === 'rewrite');
        return answer;
      } catch (error) {
        watch.failed = true;
        throw error;
      }
    },
  };
  return { ...ports, cloudwatch: cloudwatch as unknown as AwsPorts['cloudwatch'] };
}

function metricTaint(faults: readonly MetricFault[], group: string, t: number, serving: ReadonlyMap<string, ReadonlySet<number>>): boolean {
  // The decision at t reads sample minutes t - 1 - window .. t - 1; a sample m delayed d minutes is visible from m + 1 + d.
  const first = t - 1 - DOWN_WINDOW_MINUTES;
  const last = t - 1;
  return faults.some((f) => {
    if (f.group !== group) return false;
    const from = Math.max(f.fromMinute, first, f.delayMinutes === undefined ? first : t - f.delayMinutes);
    const until = Math.min(f.untilMinute - 1, last);
    if (f.instanceId === undefined) return from <= until;
    for (let m = from; m <= until; m++) if (serving.get(f.instanceId)?.has(m)) return true;
    return false;
  });
}

/**
 * Three fleets (two Auto Scaling groups and an EKS node group) through one day of rise
 * and fall, run by the real scale and drain handlers on the simulated cloud with the
 * scenario's faults; records every decision, every group's count per tick, and what the
 * cloud did to instances.
 */
export const DEFAULT_SEED = 11;

export async function runScenario(scenario: Scenario, seed = DEFAULT_SEED): Promise<RunRecord> {
  const cloud = new SimCloud({ start: START, seed });
  const fleets = FLEETS.map((f) => ({ ...f }));
  for (const [i, f] of fleets.entries()) {
    const options = { minSize: 0, maxSize: 30, desiredCapacity: 2, capacity: CAPACITY, bootMinutes: 8, traffic: syntheticTraffic({ rate: dailyRate(f), seed: seed * 10 + i }) };
    if (f.eks) {
      // The node group and the Auto Scaling group EKS made for it, as docs/deploy.md asks.
      f.group = cloud.addNodegroup({ ...options, ...f.eks, tags: { 'gpu-fleet-scaler:managed': 'true' } }).name;
      const described = await cloud.ports.eks.send(new DescribeNodegroupCommand(f.eks));
      await cloud.ports.eks.send(new TagResourceCommand({ resourceArn: described.nodegroup!.nodegroupArn!, tags: { 'gpu-fleet-scaler:managed': 'true' } }));
    } else {
      cloud.addAutoScalingGroup({ ...options, name: f.group, tags: { 'gpu-fleet-scaler:managed': 'true' } });
    }
  }
  const metricFaults: MetricFault[] = [];
  const world: World = {
    cloud,
    fleets,
    groupOf: (name) => fleets.find((f) => f.name === name)!.group,
    excused: new Set(),
    addMetricFault: (f) => {
      metricFaults.push(f);
      if (f.delayMinutes === undefined) cloud.faults.dropMetrics(f);
      else cloud.faults.delayMetrics({ ...f, delayMinutes: f.delayMinutes });
    },
  };
  scenario.inject?.(world);
  for (const f of scenario.metricFaults?.(world) ?? []) world.addMetricFault(f);
  cloud.resetCalls();

  const controllerConfig = config(fleets);
  const telemetry = new SimTelemetry({ limit: 20_000 });
  const base = cloud.handlerDeps(controllerConfig, { telemetry });
  const record: RunRecord = { scenario: scenario.name, decisions: [], groups: [], cloud, world, endMinute: DAY_MINUTES + TAIL_MINUTES, kills: 0, timeouts: 0, skewed: 0, concurrent: 0, handlerErrors: [], telemetry };

  // A Lambda container: its own stack (the handlers and their warm state), and the ports,
  // clock and telemetry of the invocation it runs. Two invocations at once run in two
  // containers, as they would in AWS.
  const containers = new Map<number, { stack: SimStack; current: Invocation }>();
  const container = (index: number) => {
    let found = containers.get(index);
    if (!found) {
      const slot: { current: Invocation } = { current: { ports: cloud.ports, now: () => cloud.now(), telemetry: base.telemetry } };
      found = Object.assign(slot, { stack: simStack(cloud, (): HandlerDeps => ({ ...base, ports: slot.current.ports, now: slot.current.now, telemetry: slot.current.telemetry })) });
      containers.set(index, found);
    }
    return found;
  };

  const invoke = async <T>(name: HandlerName, index: number, run: (c: ReturnType<typeof container>) => Promise<T>, watch?: ReadWatch, decisions?: Array<Record<string, unknown>>): Promise<T | undefined> => {
    const minute = cloud.minute;
    const skew = scenario.skewMinutes?.(minute) ?? 0;
    if (skew !== 0) record.skewed++;
    if (index > 0) record.concurrent++;
    let ports = watch ? watchReads(cloud.ports, cloud, watch) : cloud.ports;
    let killed: () => void = () => undefined;
    const death = new Promise<undefined>((resolve) => (killed = () => resolve(undefined)));
    const budget = scenario.killAfterCalls?.(name, minute);
    const killAfter = scenario.killAfterCommand;
    if (budget !== undefined || killAfter) ports = killable(ports, budget ?? Number.POSITIVE_INFINITY, (command) => killAfter?.(name, minute, command) ?? false, () => killed());
    const hang = scenario.hangWhen;
    if (hang) ports = hanging(ports, (command, input) => hang(world, name, minute, command, input));
    const c = container(index);
    // The decisions come from the log lines, as an operator would read them: a Lambda that
    // times out has logged the fleets it finished, and returns nothing.
    const telemetry = decisions ? capturing(base.telemetry, decisions) : base.telemetry;
    c.current = { ports, now: () => new Date(cloud.now().getTime() + skew * 60_000), telemetry };
    const running = run(c).catch((error: unknown) => {
      record.handlerErrors.push(`${name} at ${minute}: ${String(error)}`);
      return undefined;
    });
    const outcome = await Promise.race([running.then((value) => ({ value })), death.then(() => 'killed' as const), ...(hang ? [lambdaTimeout()] : [])]);
    if (outcome === 'killed') record.kills++;
    if (outcome === 'timed out') record.timeouts++;
    return typeof outcome === 'object' ? outcome.value : undefined;
  };

  // Instance-scoped metric faults damage data only while the instance serves.
  const serving = new Map<string, Set<number>>();
  const noteServing = () => {
    for (const f of metricFaults) {
      if (f.instanceId === undefined) continue;
      const instance = cloud.instance(f.instanceId);
      if (instance && instance.lifecycleState === 'InService' && cloud.minute >= instance.serveFrom) {
        let minutes = serving.get(f.instanceId);
        if (!minutes) serving.set(f.instanceId, (minutes = new Set()));
        minutes.add(cloud.minute);
      }
    }
  };

  const scaleOnce = async (now: Date, index: number) => {
    const watch: ReadWatch = { failed: false, rewritten: false, reads: 0 };
    const minute = cloud.minute;
    const logged: Array<Record<string, unknown>> = [];
    await invoke('scale', index, (c) => c.stack.scale(now), watch, logged);
    for (const line of logged) {
      const fleet = String(line.fleet);
      const group = world.groupOf(fleet);
      const touched = scenario.touches === 'all' || scenario.touches.includes(fleet);
      record.decisions.push({
        minute,
        fleet,
        current: Number(line.current),
        desired: Number(line.desired),
        reason: String(line.reason),
        load: line.load === undefined ? undefined : Object.values(line.load as Record<string, number>).reduce((sum, v) => sum + v, 0),
        written: line.applied === true ? Number(line.appliedDesired) : undefined,
        dataFaulty: watch.reads === 0 || watch.failed || (watch.rewritten && touched) || metricTaint(metricFaults, group, minute, serving),
      });
    }
  };
  const drainOnce = async (now: Date, index: number) => {
    await invoke('drain', index, (c) => c.stack.drain(now));
  };

  await container(0).stack.run(
    record.endMinute,
    [
      async (now) => {
        noteServing();
        // The tail only finishes the drains: no new scale-in starts one.
        if (cloud.minute >= DAY_MINUTES) return;
        if (scenario.concurrent?.(cloud.minute)) await Promise.all([scaleOnce(now, 0), scaleOnce(now, 1)]);
        else await scaleOnce(now, 0);
      },
      async (now) => {
        if (scenario.concurrent?.(cloud.minute)) await Promise.all([drainOnce(now, 0), drainOnce(now, 1)]);
        else await drainOnce(now, 0);
      },
      async () => {
        if (scenario.actor && cloud.minute < DAY_MINUTES) await scenario.actor(world);
        for (const f of fleets) {
          const group = cloud.group(f.group);
          record.groups.push({ minute: cloud.minute, group: f.group, desired: group.desired, min: Math.max(1, group.minSize), max: Math.min(20, group.maxSize) });
        }
      },
    ],
    { lifecycleEvents: (event) => invoke('drain', 0, (c) => c.stack.lifecycle(event)) },
  );
  return record;
}
