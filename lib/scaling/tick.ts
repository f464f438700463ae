import type { AutoScalingGroup } from '@aws-sdk/client-auto-scaling';
import { describeError } from '../aws/retry.js';
import { mapLimited } from '../concurrency.js';
import { ConfigError, loadConfigOrReport } from '../config/load.js';
import type { ControllerConfig, FleetConfig, Target } from '../config/schema.js';
import { countCalls } from '../aws/call-count.js';
import type { HandlerDeps } from '../runtime/deps.js';
import { MetricUnit } from '../telemetry.js';
import { applyApiDesired, applyDesired, writeLastScaling } from '../fleet/actuate.js';
import { decide, type Decision, type DecisionInput, type ForecastHeadroom, type ForecastSource } from './decide.js';
import {
  FleetStateError,
  LAST_SCALING_TAG,
  MANAGED_TAG,
  asgGroupState,
  countInstances,
  describeGroups,
  describeNodegroup,
  eksGroupState,
  readInstances,
  readLastScaling,
  type GroupState,
  type NodegroupState,
} from '../fleet/group-state.js';
import { emptySeries, fleetQueries, incompleteSignalsWarning, listEngineSeries, lookbackPeriodsFor, queryWindow, readSignals, type SeriesPresence } from '../fleet/read-signals.js';
import { observationsFromSeries, type FleetSeries, type PeriodObservation } from '../fleet/observation.js';
import { periodsCoveringListingLag } from '../fleet/kind-readings.js';
import { configuredKinds, plannedCapacities } from '../fleet/recommend.js';
import type { RequestKind } from '../fleet/engine-metrics.js';
import { guardDuringRoll } from './roll-guard.js';
import { readRollGuard } from '../fleet/roll-guard.js';
import { REDEPLOY_TAG } from '../fleet/roll-marker.js';
import { decideApiFleet, type ApiDecision } from './api-fleet.js';
import { recordFleetTick } from './record.js';

export interface ForecastInput {
  fleet: FleetConfig;
  now: Date;
  current: number;
  /** The capacity per instance of each kind this tick plans with (recommend.ts plannedCapacities); undefined when no period has a whole load. */
  capacityPerInstance?: Partial<Record<RequestKind, number>>;
}

export interface ForecastAnswer {
  /** Instances the fleet will need within its boot time; undefined = no forecast, reactive. */
  instances?: number;
  source: ForecastSource;
  /**
   * Instances the fleet will need from the end of its lead time through its scale-in window:
   * a scale-in below it would be undone within its own window.
   */
  scaleInHold?: number;
  /** The headroom the forecast carries and where it came from. */
  headroom?: ForecastHeadroom;
}

/** Predictive scaling plugs in here; undefined = no forecast this tick (decisions say NoForecast). */
export type ForecastProvider = (input: ForecastInput) => Promise<ForecastAnswer | undefined>;

/** What a decision hears of the forecast: the fields of DecisionInput it fills. */
export type ForecastFields = Pick<DecisionInput, 'forecastInstances' | 'forecastScaleInHold' | 'forecastSource' | 'forecastHeadroom'>;

/**
 * Asks the provider for a fleet's forecast and hands its answer to the decision: the one
 * path of the scale tick and of the replay. No provider, or a fleet kept reactive: nothing
 * (predictive scaling off); a provider with no answer this tick: NoForecast.
 */
export async function forecastForDecision(provider: ForecastProvider | undefined, fleet: FleetConfig, now: Date, current: number, observations: readonly PeriodObservation[]): Promise<ForecastFields> {
  if (!provider || fleet.predictive === false) return {};
  const answer = (await provider({ fleet, now, current, capacityPerInstance: plannedCapacities(fleet, observations) })) ?? { source: 'NoForecast' as const };
  return { forecastInstances: answer.instances, forecastScaleInHold: answer.scaleInHold, forecastSource: answer.source, forecastHeadroom: answer.headroom };
}

export interface TickOptions {
  /** Stack-wide override: decide and log, change nothing (a safe first deploy). */
  forceDryRun?: boolean;
  forecast?: ForecastProvider;
}

export interface ApiOutcome {
  current: number;
  desired: number;
  reason: ApiDecision['reason'];
  numbers: ApiDecision['numbers'];
  applied: boolean;
  error?: string;
}

export interface FleetOutcome {
  fleet: string;
  decision?: Decision;
  applied: boolean;
  /** Where the group was left: short of decision.desired when drain.maxVictimRequests spared busy instances. */
  appliedDesired?: number;
  dryRun: boolean;
  victims?: string[];
  victimReason?: string;
  api?: ApiOutcome;
  error?: string;
  /** Why the fleet held without a decision, when the error has a code (IncompleteAwsAnswer). */
  errorCode?: string;
}

export interface TickResult {
  configValid: boolean;
  configProblems?: string[];
  fleets: FleetOutcome[];
  awsCalls: number;
}

function asgNameOf(target: Target, nodegroups: Map<string, NodegroupState>): string | undefined {
  return target.type === 'asg' ? target.autoScalingGroupName : nodegroups.get(nodegroupKey(target))?.autoScalingGroupName;
}

function nodegroupKey(target: Target & { type: 'eks' }): string {
  return `${target.clusterName}/${target.nodegroupName}`;
}

function groupStateOf(target: Target, groups: Map<string, AutoScalingGroup>, nodegroups: Map<string, NodegroupState>): GroupState {
  if (target.type === 'asg') {
    const group = groups.get(target.autoScalingGroupName);
    if (!group) throw new ScaleTickError(`Auto Scaling group ${target.autoScalingGroupName} does not exist (DescribeAutoScalingGroups did not return it)`);
    return asgGroupState(target, group);
  }
  const nodegroup = nodegroups.get(nodegroupKey(target));
  if (!nodegroup) throw new ScaleTickError(`EKS node group ${nodegroupKey(target)} could not be described`);
  // Without its Auto Scaling group the node group's instances are unknown, never none.
  const backing = nodegroup.autoScalingGroupName ? groups.get(nodegroup.autoScalingGroupName) : undefined;
  if (!backing) {
    throw new FleetStateError(
      `EKS node group ${nodegroupKey(target)}: ${nodegroup.autoScalingGroupName ? `its Auto Scaling group ${nodegroup.autoScalingGroupName} was not described` : 'eks:DescribeNodegroup answered without resources.autoScalingGroups'}: the fleet holds, its instances are unknown`,
      'IncompleteAwsAnswer',
    );
  }
  const state = eksGroupState(target, nodegroup, backing);
  const { incomplete } = readInstances(backing);
  if (backing.Instances === undefined || incomplete.length > 0) {
    throw new FleetStateError(`autoscaling:DescribeAutoScalingGroups answered ${nodegroup.autoScalingGroupName} without ${backing.Instances === undefined ? 'Instances' : incomplete.join(', ')}: the fleet holds`, 'IncompleteAwsAnswer');
  }
  return state;
}

/** Fleets acted on at once; bounded so a tick of many fleets does not burst the write APIs. */
const FLEET_CONCURRENCY = 8;

export class ScaleTickError extends Error {
  override readonly name = 'ScaleTickError';
}

/**
 * One tick of the scale Lambda: observe every fleet, decide, act where something
 * changes. AWS is read in batches (one DescribeAutoScalingGroups per 50 groups, one
 * GetMetricData per 500 queries, one DescribeNodegroup per EKS fleet); writes happen
 * only when a count changes. A fleet whose calls fail is logged and counted; the
 * others proceed.
 */
export async function runScaleTick(given: HandlerDeps, options: TickOptions = {}): Promise<TickResult> {
  const now = given.now();
  const config = await loadConfigOrReport(given, now, 'scale');
  if (config instanceof ConfigError) return { configValid: false, configProblems: config.message.split('\n').slice(1), fleets: [], awsCalls: 0 };
  const aws = countCalls(given.ports);
  const deps: HandlerDeps = { ...given, ports: aws.ports };
  const { telemetry, ports, retry } = deps;

  const fleetErrors = new Map<string, string>();

  const nodegroups = new Map<string, NodegroupState>();
  const eksTargets = config.fleets.flatMap((f) => [f.target, ...(f.api ? [f.api.target] : [])]).filter((t): t is Target & { type: 'eks' } => t.type === 'eks');
  await Promise.all(
    eksTargets.map(async (target) => {
      try {
        nodegroups.set(nodegroupKey(target), await describeNodegroup(ports.eks, target, retry));
      } catch (error) {
        fleetErrors.set(nodegroupKey(target), describeError(error));
      }
    }),
  );

  const groupNames = config.fleets
    .flatMap((f) => [f.target, ...(f.api ? [f.api.target] : [])])
    .map((t) => asgNameOf(t, nodegroups))
    .filter((n): n is string => n !== undefined);
  let groups = new Map<string, AutoScalingGroup>();
  let describeFailure: string | undefined;
  try {
    groups = await describeGroups(ports.autoscaling, groupNames, retry);
  } catch (error) {
    describeFailure = describeError(error);
  }

  // Each fleet's instances are queried one by one, so the groups come first; a fleet whose
  // group cannot be described queries nothing and fails on its own below.
  const states = config.fleets.map((fleet) => {
    try {
      return describeFailure ? undefined : groupStateOf(fleet.target, groups, nodegroups);
    } catch {
      return undefined;
    }
  });
  // One ListMetrics walk for every fleet: which kinds each instance has ever been asked for.
  // Unreadable: every kind counts as existing, so a silent one is unknown, never zero.
  let presence: SeriesPresence | null = null;
  try {
    presence = await listEngineSeries(ports.cloudwatch, config.engineNamespace, retry);
  } catch (error) {
    telemetry.warn('Engine series unlisted: a kind without datapoints counts as unknown this tick', { error: describeError(error) });
  }
  const lookback = Math.max(lookbackPeriodsFor(maxWindowSeconds(config), config.staleAfterSeconds, config.periodSeconds), periodsCoveringListingLag(config.periodSeconds));
  const window = queryWindow(now, config.periodSeconds, lookback);
  const queries = config.fleets.flatMap((fleet, index) => fleetQueries(config, fleet, index, states[index]?.instances.map((i) => i.instanceId) ?? []));
  let series: FleetSeries[];
  try {
    series = await readSignals(ports.cloudwatch, queries, window, config.fleets.length, retry);
    config.fleets.forEach((fleet, index) => {
      const warning = incompleteSignalsWarning(fleet.name, series[index] as FleetSeries);
      if (warning) telemetry.warn(warning.message, warning.fields);
    });
  } catch (error) {
    // Without metrics every fleet holds (MissingData); bounds are still enforced.
    telemetry.error('metrics unreadable: every fleet holds this tick', { error: describeError(error) });
    telemetry.metric({ name: 'MetricReadErrors', value: 1, unit: MetricUnit.Count, dimensions: {} });
    series = config.fleets.map(emptySeries);
  }

  const periodMs = config.periodSeconds * 1000;
  const periodStarts: number[] = [];
  for (let t = window.start.getTime(); t < window.end.getTime(); t += periodMs) periodStarts.push(t);
  const samplesPerPeriod = config.periodSeconds / config.scrapeIntervalSeconds;

  // Fleets decide and act side by side: a call that never answers (a hung connection)
  // holds only its own fleet, and the others still act and log before the Lambda times out.
  const outcomes = await mapLimited(config.fleets, FLEET_CONCURRENCY, async (fleet, index): Promise<FleetOutcome> => {
    const dryRun = fleet.dryRun || options.forceDryRun === true;
    const outcome: FleetOutcome = { fleet: fleet.name, applied: false, dryRun };
    try {
      const targetError = fleet.target.type === 'eks' ? fleetErrors.get(nodegroupKey(fleet.target)) : undefined;
      if (targetError) throw new ScaleTickError(targetError);
      if (describeFailure) throw new ScaleTickError(`DescribeAutoScalingGroups failed: ${describeFailure}`);
      const group = groupStateOf(fleet.target, groups, nodegroups);
      const counts = countInstances(group.instances);
      const last = readLastScaling(group.tags[LAST_SCALING_TAG], now);
      const roll = readRollGuard(group.tags, now, deps.stampNow?.() ?? now);
      const observations = observationsFromSeries(series[index] as FleetSeries, configuredKinds(fleet), periodStarts, samplesPerPeriod, { instances: group.instances, presence, desired: group.desired });
      const forecast = await forecastForDecision(options.forecast, fleet, now, group.desired, observations);
      const decision = guardDuringRoll(decide({
        fleet,
        settings: { periodSeconds: config.periodSeconds, staleAfterSeconds: config.staleAfterSeconds },
        now,
        snapshot: {
          current: group.desired,
          groupMin: group.min,
          groupMax: group.max,
          servingInstances: counts.serving,
          bootingInstances: counts.booting,
          drainingInstances: counts.draining,
          lastScaling: last.lastScaling,
          lastScalingProblem: last.problem,
          busy: group.busy,
        },
        observations,
        ...forecast,
      }), roll);
      outcome.decision = decision;
      const managed = group.tags[MANAGED_TAG] === 'true';
      // Said every tick it lasts; left for the redeploy tick, which refuses it too, and a person to mend.
      if (roll.problem) telemetry.warn('redeploy marker not taken at its word: no roll holds the fleet', { fleet: fleet.name, problem: roll.problem, detail: roll.detail, tag: group.tags[REDEPLOY_TAG] });
      if (last.problem) {
        // Said every tick it lasts; rewritten to now, so the cooldown runs once and ends.
        telemetry.warn('last-scaling tag not taken at its word: counted as a scaling now', { fleet: fleet.name, problem: last.problem, tag: group.tags[LAST_SCALING_TAG], countedAs: now.toISOString(), rewritten: !dryRun && managed });
        if (!dryRun && managed && decision.desired === group.desired) await writeLastScaling(ports, group, deps.stampNow?.() ?? now, last.lastScaling?.direction ?? 'down', retry);
      }
      if (decision.desired !== group.desired && !dryRun) {
        if (!managed) throw new ScaleTickError(`${describeTarget(fleet.target)} is not tagged ${MANAGED_TAG}=true: the controller only changes groups an operator has tagged as managed`);
        const result = await applyDesired(ports, group, decision.desired, {
          engineNamespace: config.engineNamespace,
          periodSeconds: config.periodSeconds,
          now,
          stampAt: deps.stampNow?.() ?? now,
          retry,
          maxVictimRequests: fleet.drain.maxVictimRequests,
          presence,
        });
        outcome.applied = result.desired !== group.desired;
        outcome.appliedDesired = result.desired;
        outcome.victims = result.victims;
        outcome.victimReason = result.victimReason;
      }
      if (fleet.api) {
        outcome.api = await followWithApi(deps, fleet, outcome.appliedDesired ?? decision.desired, groups, nodegroups, fleetErrors, dryRun);
      }
    } catch (error) {
      outcome.error = describeError(error);
      if (error instanceof FleetStateError && error.code) outcome.errorCode = error.code;
    }
    recordFleetTick(telemetry, fleet, outcome);
    return outcome;
  });
  telemetry.metric({ name: 'AwsCallsPerTick', value: aws.calls(), unit: MetricUnit.Count, dimensions: {} });
  return { configValid: true, fleets: outcomes, awsCalls: aws.calls() };
}

async function followWithApi(
  deps: HandlerDeps,
  fleet: FleetConfig,
  engineDesired: number,
  groups: Map<string, AutoScalingGroup>,
  nodegroups: Map<string, NodegroupState>,
  fleetErrors: Map<string, string>,
  dryRun: boolean,
): Promise<ApiOutcome> {
  const api = fleet.api!;
  const targetError = api.target.type === 'eks' ? fleetErrors.get(nodegroupKey(api.target)) : undefined;
  if (targetError) throw new ScaleTickError(`API fleet: ${targetError}`);
  const group = groupStateOf(api.target, groups, nodegroups);
  const decision = decideApiFleet(api, engineDesired, group);
  const { desired } = decision;
  const outcome: ApiOutcome = { current: group.desired, desired, reason: decision.reason, numbers: decision.numbers, applied: false };
  if (desired === group.desired || dryRun || group.busy) return outcome;
  if (group.tags[MANAGED_TAG] !== 'true') {
    outcome.error = `${describeTarget(api.target)} is not tagged ${MANAGED_TAG}=true`;
    return outcome;
  }
  await applyApiDesired(deps.ports, group, desired, deps.retry);
  outcome.applied = true;
  return outcome;
}

function describeTarget(target: Target): string {
  return target.type === 'asg' ? `Auto Scaling group ${target.autoScalingGroupName}` : `EKS node group ${target.clusterName}/${target.nodegroupName}`;
}

function maxWindowSeconds(config: ControllerConfig): number {
  return Math.max(...config.fleets.map((f) => Math.max(f.scaleUp.stabilizationSeconds, f.scaleDown.stabilizationSeconds)));
}
