import type { AutoScalingGroup } from '@aws-sdk/client-auto-scaling';
import { countCalls } from '../aws/call-count.js';
import { describeError } from '../aws/retry.js';
import { ConfigError, loadConfigOrReport } from '../config/load.js';
import type { ControllerConfig, FleetConfig } from '../config/schema.js';
import { DEFAULT_HOOK_NAME } from '../fleet/drain-hook.js';
import type { HandlerDeps } from '../runtime/deps.js';
import { applyDesired, writeLastScaling } from '../fleet/actuate.js';
import { LAST_SCALING_TAG, MANAGED_TAG, asgGroupState, countInstances, describeGroups, readLastScaling, type GroupState } from '../fleet/group-state.js';
import type { PeriodObservation } from '../fleet/observation.js';
import { MetricUnit } from '../telemetry.js';
import { CronError, parseCron } from '../config/cron.js';
import { decideRedeploy, LAUNCH_MINUTES, type LoadView, type RedeployAction, type RedeployInput } from './decide.js';
import { loadView, readObservations } from './fleet-load.js';
import { observeNodegroup, type EksObservation } from './eks-fleet.js';
import { asgRollDriver, eksRollDriver, type RollDriver } from './roll-driver.js';
import { eksRollView, eksStepFor, type EksStep } from './eks-roll.js';
import type { Ec2Port } from './launch-times.js';
import { readMarker, REDEPLOY_TAG, type RedeployMarker } from '../fleet/roll-marker.js';
import { recordRedeploy, type FleetRedeployOutcome } from './record.js';
import { hasDrainHook, latestRefresh } from './refresh.js';
import { windowAt } from './window.js';

export interface RedeployTickOptions {
  /** Stack-wide or per-invocation dry run: decide and log the plan, change nothing. */
  forceDryRun?: boolean;
  /** Only these fleets (an operator's manual invocation). */
  fleets?: readonly string[];
  /** The drain Lambda's termination hook (DRAIN_HOOK_NAME); a roll never starts without it. */
  hookName?: string;
}

export interface RedeployTickResult {
  configValid: boolean;
  fleets: FleetRedeployOutcome[];
  awsCalls: number;
}

export class RedeployError extends Error {
  override readonly name = 'RedeployError';
}

type RollObservation = Omit<RedeployInput, 'load' | 'hasDrainHook'>;

/** EC2 is read only by the EKS roll (launch times), so its port is the redeploy's own. */
export type RedeployDeps = HandlerDeps & { ec2?: Ec2Port };

interface FleetRoll {
  index: number;
  fleet: FleetConfig;
  outcome: FleetRedeployOutcome;
  observed?: RollObservation;
  group?: GroupState;
  /** EKS fleets: the node group, its backing group's nodes and their launch times. */
  eks?: EksObservation;
}

/**
 * One redeploy tick over every fleet with a redeploy section: observe (group, marker
 * tag, newest instance refresh, load), decide (decide.ts), act, record. A lost,
 * repeated or concurrent tick converges on the same state, and StartInstanceRefresh
 * itself refuses a second roll. A fleet's failure is logged, counted and, for a running
 * roll, paged; the other fleets proceed.
 */
export async function runRedeployTick(given: RedeployDeps, options: RedeployTickOptions = {}): Promise<RedeployTickResult> {
  const now = given.now();
  const config = await loadConfigOrReport(given, now, 'redeploy');
  if (config instanceof ConfigError) return { configValid: false, fleets: [], awsCalls: 0 };
  const aws = countCalls({ ...given.ports, ...(given.ec2 ? { ec2: given.ec2 } : {}) });
  const { ec2, ...ports } = aws.ports;
  const deps: RedeployDeps = { ...given, ports, ...(ec2 ? { ec2 } : {}) };
  const { telemetry, retry } = deps;
  const hookName = options.hookName ?? DEFAULT_HOOK_NAME;

  const contexts: FleetRoll[] = config.fleets
    .map((fleet, index) => ({ fleet, index }))
    .filter(({ fleet }) => fleet.redeploy !== undefined && (!options.fleets || options.fleets.includes(fleet.name)))
    .map(({ fleet, index }) => ({ index, fleet, outcome: { fleet: fleet.name, dryRun: fleet.dryRun || options.forceDryRun === true, applied: [] } }));

  const asgNames = contexts.flatMap((c) => (c.fleet.target.type === 'asg' ? [c.fleet.target.autoScalingGroupName] : []));
  let groups = new Map<string, AutoScalingGroup>();
  let describeFailure: string | undefined;
  if (asgNames.length > 0) {
    try {
      groups = await describeGroups(ports.autoscaling, asgNames, retry);
    } catch (error) {
      describeFailure = describeError(error);
    }
  }

  for (const context of contexts) {
    try {
      await observe(deps, context, groups, describeFailure, now);
    } catch (error) {
      context.outcome.error = describeError(error);
    }
  }

  // One metric read for every fleet that may start or settle this tick.
  const wanting = contexts.filter((c) => c.observed !== undefined && needsLoad(c.observed));
  let observations = new Map<number, PeriodObservation[]>();
  let loadFailure = false;
  try {
    observations = await readObservations(ports.cloudwatch, config, wanting.flatMap((c) => (c.group ? [{ index: c.index, instances: c.group.instances, desired: c.group.desired }] : [])), now, retry, (message, fields) => telemetry.warn(message, fields));
  } catch (error) {
    // Unknown load: nothing starts and nothing shrinks; running rolls are still watched.
    loadFailure = true;
    telemetry.error('redeploy: metrics unreadable, treating load as missing', { error: describeError(error) });
  }

  for (const context of contexts) {
    const { outcome, observed } = context;
    if (observed && !outcome.error) {
      try {
        const series = observations.get(context.index);
        const load: LoadView = !loadFailure && series ? loadView(context.fleet, series, observed.fleet.inService, now, config) : { unknown: 'MissingData' };
        let action = decideRedeploy({ ...observed, load, hasDrainHook: true });
        if (action.kind === 'start') {
          // Checked only when about to start: without the hook, old instances would leave undrained.
          const hooked = await hasDrainHook(ports.autoscaling, groupNameOf(context), hookName, retry);
          if (!hooked) action = decideRedeploy({ ...observed, load, hasDrainHook: false });
        }
        let step: EksStep | undefined;
        if (context.eks) ({ action, step } = eksStepFor(action, observed.marker, context.eks.view, observed.settings, now));
        outcome.action = action;
        if (step) outcome.step = step;
        if (!outcome.dryRun) await act(deps, rollDriver(deps, context, step), action, config, outcome.applied);
      } catch (error) {
        outcome.error = describeError(error);
      }
    }
    recordRedeploy(telemetry, outcome);
  }
  telemetry.metric({ name: 'RedeployAwsCalls', value: aws.calls(), unit: MetricUnit.Count, dimensions: {} });
  return { configValid: true, fleets: contexts.map((c) => c.outcome), awsCalls: aws.calls() };
}

function rollDriver(deps: RedeployDeps, context: FleetRoll, step: EksStep | undefined): RollDriver {
  const target = context.fleet.target;
  if (context.eks) {
    const name = target.type === 'eks' ? `${target.clusterName}/${target.nodegroupName}` : context.fleet.name;
    return eksRollDriver(deps, context.eks, name, step, context.observed?.marker);
  }
  return asgRollDriver(deps, context.group!, groupNameOf(context));
}

function groupNameOf(context: FleetRoll): string {
  if (context.eks) return context.eks.backingGroupName;
  if (context.fleet.target.type !== 'asg') throw new RedeployError(`fleet ${context.fleet.name} is not an Auto Scaling group fleet`);
  return context.fleet.target.autoScalingGroupName;
}

/** Load is needed to start (busy?) and to settle (baseline); not to watch a running roll. */
function needsLoad(observed: RollObservation): boolean {
  if (observed.marker?.phase === 'rolling') return true;
  return observed.enabled && observed.window !== undefined;
}

async function observe(deps: RedeployDeps, context: FleetRoll, groups: Map<string, AutoScalingGroup>, describeFailure: string | undefined, now: Date): Promise<void> {
  const { fleet } = context;
  const redeploy = fleet.redeploy!;
  let spec;
  try {
    spec = parseCron(redeploy.schedule, `fleets[${context.index}].redeploy.schedule`);
  } catch (error) {
    if (error instanceof CronError) throw new RedeployError(`configuration: ${error.message}; nothing changed for this fleet`, { cause: error });
    throw error;
  }
  const window = windowAt(spec, redeploy.timeZone, redeploy.windowMinutes, now);
  if (window) context.outcome.window = { start: window.start.toISOString(), end: window.end.toISOString() };
  const settings = {
    segmentSize: redeploy.segmentSize,
    busyUtilization: redeploy.busyUtilization,
    warmupSeconds: fleet.warmupSeconds,
    // Default: one segment's launch and warm-up plus a full drain grace, so a refresh
    // that waits on a long drain is not taken for stuck.
    stallMinutes: redeploy.stallMinutes ?? Math.ceil(fleet.warmupSeconds / 60) + LAUNCH_MINUTES + Math.ceil(fleet.drain.gracePeriodSeconds / 60),
  };
  // A marker that does not parse, or whose times cannot be true (a person's edit), fails
  // this fleet's tick with what is wrong: nothing is guessed, the scaler ignores it too.
  const latest = deps.stampNow?.() ?? now;
  const markerOf = (tags: Record<string, string>) => readMarker(tags[REDEPLOY_TAG], latest);
  const wantsRoll = (marker: RedeployMarker | undefined) => {
    const tonightDone = marker?.phase === 'done' && window !== undefined && marker.window.getTime() === window.start.getTime();
    return marker?.phase === 'rolling' || (redeploy.enabled && window !== undefined && !tonightDone);
  };
  if (fleet.target.type === 'eks') {
    const eks = await observeNodegroup({ ...deps.ports, ...(deps.ec2 ? { ec2: deps.ec2 } : {}) }, fleet.target, fleet.maxInstances, { nodes: (tags) => wantsRoll(markerOf(tags)) }, deps.retry);
    context.eks = eks;
    context.group = eks.group;
    const marker = markerOf(eks.group.tags);
    const max = eks.view.max;
    const roll = eksRollView(marker, eks.view, now, fleet.warmupSeconds);
    context.observed = {
      now,
      enabled: redeploy.enabled,
      ...(window ? { window } : {}),
      settings,
      fleet: { desired: eks.group.desired, min: Math.min(Math.max(fleet.minInstances, eks.group.min), max), max, inService: countInstances(eks.group.instances).serving, busyByOther: eks.group.busy },
      ...(marker ? { marker } : {}),
      ...(roll ? { roll } : {}),
      strategy: 'controller',
    };
    return;
  }
  if (describeFailure) throw new RedeployError(`DescribeAutoScalingGroups failed: ${describeFailure}`);
  const group = groups.get(fleet.target.autoScalingGroupName);
  if (!group) throw new RedeployError(`Auto Scaling group ${fleet.target.autoScalingGroupName} does not exist (DescribeAutoScalingGroups did not return it)`);
  const state = asgGroupState(fleet.target, group);
  context.group = state;
  const marker = markerOf(state.tags);
  const max = Math.min(fleet.maxInstances, state.max);
  const observed: RollObservation = {
    now,
    enabled: redeploy.enabled,
    ...(window ? { window } : {}),
    settings,
    fleet: { desired: state.desired, min: Math.min(Math.max(fleet.minInstances, state.min), max), max, inService: countInstances(state.instances).serving, busyByOther: state.busy, ...lastScaleOut(state, now) },
    ...(marker ? { marker } : {}),
  };
  if (wantsRoll(marker)) {
    const roll = await latestRefresh(deps.ports.autoscaling, fleet.target.autoScalingGroupName, deps.retry);
    if (roll) observed.roll = roll;
  }
  context.observed = observed;
}

/** One action through the fleet's roll driver: the same switch for Auto Scaling groups and EKS. */
async function act(deps: RedeployDeps, driver: RollDriver, action: RedeployAction, config: ControllerConfig, applied: string[]): Promise<void> {
  const requireManaged = () => {
    if (driver.group.tags[MANAGED_TAG] !== 'true') throw new RedeployError(`${driver.label} is not tagged ${MANAGED_TAG}=true: the controller only changes what an operator has tagged as managed`);
  };
  switch (action.kind) {
    case 'idle':
      return;
    case 'skip':
    case 'close':
      if (action.marker) {
        requireManaged();
        await driver.writeMarker(action.marker);
        applied.push('MarkerWritten');
      }
      return;
    case 'wait':
      // A roll in progress writes too (progress, EKS segments): refused in code, not only by IAM.
      requireManaged();
      applied.push(...(await driver.advance(action)));
      return;
    case 'start':
      requireManaged();
      applied.push(...(await driver.start(action)));
      return;
    case 'stop':
      requireManaged();
      applied.push(...(await driver.stop(action)));
      return;
    case 'settle':
      requireManaged();
      await settle(deps, driver.group, action.baseline, config, applied);
      await driver.writeMarker(action.marker);
      applied.push('MarkerDone');
      return;
  }
}

/**
 * The roll is over. A fleet below its baseline is raised to it at once (through the
 * scaler's actuation, which tags the scale-out). A fleet above it is left to the scaler,
 * which brings it down under the rules it applies to every scale-in (the scale-down
 * stabilisation window, the step limits, the cooldown, the least-loaded victims within
 * drain.maxVictimRequests): one path shrinks fleets, so the redeploy cannot terminate in
 * one tick the busy instances the scaler would have spared. At baseline, the cooldown
 * starts, so the scaler does not bounce it.
 */
async function settle(deps: RedeployDeps, group: GroupState, baseline: number, config: ControllerConfig, applied: string[]): Promise<void> {
  const { ports, retry } = deps;
  const stampAt = deps.stampNow?.() ?? deps.now();
  if (baseline > group.desired) {
    await applyDesired(ports, group, baseline, { engineNamespace: config.engineNamespace, periodSeconds: config.periodSeconds, now: deps.now(), stampAt, retry });
    applied.push(`Baseline:${group.desired}->${baseline}`);
    return;
  }
  if (baseline < group.desired) {
    applied.push(`BaselineLeftToScaler:${group.desired}->${baseline}`);
    return;
  }
  if (await writeLastScaling(ports, group, stampAt, 'down', retry)) applied.push('CooldownStarted');
}

/**
 * The scaler's last scale-out from the group's last-scaling tag, read as the scaler reads
 * it: a date in the future counts as now (it must not hold the roll off for decades); an
 * unreadable tag is no scale-out known.
 */
function lastScaleOut(state: GroupState, now: Date): { lastScaleOutAt?: Date } {
  const last = readLastScaling(state.tags[LAST_SCALING_TAG], now);
  return last.lastScaling?.direction === 'up' && last.problem !== 'UnreadableTag' ? { lastScaleOutAt: last.lastScaling.at } : {};
}
