import type { AutoScalingGroup } from '@aws-sdk/client-auto-scaling';
import { describeError } from '../aws/retry.js';
import { mapLimited } from '../concurrency.js';
import type { ControllerConfig, FleetConfig } from '../config/schema.js';
import type { HandlerDeps } from '../runtime/deps.js';
import { MANAGED_TAG, describeGroups, readInstances, type InstanceState } from '../fleet/group-state.js';
import { MetricUnit } from '../telemetry.js';
import { DrainCommandError, listDrainCommands, sendDrainCommand } from './commands.js';
import { decideDrain, DRAIN_REASONS, type DrainCommand, type DrainDecision } from './decide.js';
import { resolveDrainGroups, reportUndatedActivities, terminationStarts, TERMINATING_WAIT, type DrainGroup } from './groups.js';
import { DEFAULT_HOOK_NAME } from '../fleet/drain-hook.js';
import { completeAction, ensureTerminationHook, hookSpecFor, recordHeartbeat, type HookEnsured } from './hook.js';
import { readInstanceLoads, type InstanceLoad } from '../fleet/instance-load.js';
import { drainEksFleet, type KubeInstanceResult, type KubeFollowResult } from './kube-drain.js';

export interface DrainTickOptions {
  documentName: string;
  hookName?: string;
  /** Put the termination hook where it is missing or differs (the schedule does; an event need not). */
  ensureHooks: boolean;
  /** A failed or undelivered command is sent again after this long. */
  resendAfterSeconds?: number;
  /** How long SSM tries to reach an agent that does not answer before the command times out. */
  deliveryTimeoutSeconds?: number;
  /**
   * When each group's hook was last found as wanted (kept by a warm Lambda between
   * invocations). Only saves calls: a cold start checks every group, and a hook deleted
   * behind the controller's back is put again within hookRecheckSeconds.
   */
  hookCheckedAt?: Map<string, number>;
  hookRecheckSeconds?: number;
  /** Reconcile only the fleet this Auto Scaling group belongs to (a lifecycle event's); no fleet when none does. */
  onlyGroup?: string;
}

/** What happened to one instance this tick, after the decision. */
export type DrainOutcome =
  | 'DryRun'
  | 'Held'
  | 'Sent'
  | 'Released'
  /** CompleteLifecycleAction answered ValidationError: another tick or a timeout already released it. */
  | 'AlreadyReleased'
  /** SendCommand answered InvalidInstanceId: the instance is gone or its agent is not registered. */
  | 'Unreachable'
  | 'Failed';

export interface InstanceDrainResult extends DrainDecision {
  groupName: string;
  outcome: DrainOutcome;
  detail?: string;
}

export interface FleetDrainResult {
  fleet: string;
  dryRun: boolean;
  draining: number;
  hooks: Record<string, HookEnsured | 'CheckedRecently' | 'Failed' | 'DryRun'>;
  /** Instances of Auto Scaling groups (SSM drain) and of EKS node groups (cordon and evict). */
  instances: Array<InstanceDrainResult | KubeInstanceResult>;
  /** EKS fleets: the Engine and API Deployments set to follow the nodes. */
  follow?: KubeFollowResult;
  errors: string[];
}

export interface DrainTickResult {
  fleets: FleetDrainResult[];
}

export const DRAIN_METRICS = {
  instancesDraining: 'InstancesDraining',
  /** Longest time past its grace deadline of an instance still waiting: the stuck-drain alarm. */
  overdue: 'DrainOverdueSeconds',
  drainDuration: 'DrainDurationSeconds',
  /** Drains that ended because the instance emptied (not at the grace deadline): how long its streams took. */
  secondsToEmpty: 'DrainSecondsToEmpty',
  streamsCut: 'StreamsCutAtGrace',
  errors: 'DrainErrors',
} as const;

const DEFAULT_RESEND_AFTER_S = 300;
const DEFAULT_DELIVERY_TIMEOUT_S = 300;
const DEFAULT_HOOK_RECHECK_S = 600;
const INSTANCE_CONCURRENCY = 8;
/** Commands older than the longest grace plus this cannot belong to a drain still running. */
const HISTORY_MARGIN_S = 3600;

interface FleetPlan {
  fleet: FleetConfig;
  result: FleetDrainResult;
  groups: DrainGroup[];
  waiting: Array<{ group: DrainGroup; instanceId: string }>;
  /** The Engine node group's instances (EKS fleets), for the Deployments that follow them. */
  engineInstances?: InstanceState[];
}

/**
 * One reconciliation over every managed fleet: make sure each group has its termination
 * hook, then for each instance in Terminating:Wait observe (SSM command history, the
 * instance's active requests), decide (lib/drain/decide.ts) and act. Everything it knows
 * it reads again each time, so a lost, repeated or concurrent tick changes nothing.
 * A fleet's failure is recorded on that fleet and the others proceed.
 */
export async function runDrainTick(deps: HandlerDeps, config: ControllerConfig, options: DrainTickOptions): Promise<DrainTickResult> {
  const now = deps.now();
  const hookName = options.hookName ?? DEFAULT_HOOK_NAME;
  let plans: FleetPlan[] = config.fleets.map((fleet) => ({
    fleet,
    result: { fleet: fleet.name, dryRun: fleet.dryRun, draining: 0, hooks: {}, instances: [], errors: [] },
    groups: [],
    waiting: [],
  }));

  for (const plan of plans) {
    try {
      plan.groups = await resolveDrainGroups(deps.ports.eks, plan.fleet, deps.retry);
    } catch (error) {
      plan.result.errors.push(describeError(error));
    }
  }

  if (options.onlyGroup !== undefined) plans = plans.filter((p) => p.groups.some((g) => g.groupName === options.onlyGroup));

  let described: Map<string, AutoScalingGroup> | undefined;
  try {
    described = await describeGroups(deps.ports.autoscaling, plans.flatMap((p) => p.groups.map((g) => g.groupName)), deps.retry);
  } catch (error) {
    for (const plan of plans) if (plan.groups.length > 0) plan.result.errors.push(describeError(error));
  }

  for (const plan of plans) {
    for (const group of plan.groups) {
      if (!described) break;
      const asg = described.get(group.groupName);
      if (!asg) {
        plan.result.errors.push(`Auto Scaling group ${group.groupName} not found`);
        continue;
      }
      // Refused in code, not only by IAM: a group an operator has not tagged is never touched.
      if (!(asg.Tags ?? []).some((t) => t.Key === MANAGED_TAG && t.Value === 'true')) {
        plan.result.errors.push(`Auto Scaling group ${group.groupName} is not tagged ${MANAGED_TAG}=true: no hook is put and nothing is sent, held or released there`);
        continue;
      }
      if (options.ensureHooks) await ensureHook(deps, plan, group, hookName, options, now);
      const { instances, incomplete } = readInstances(asg);
      if (incomplete.length > 0) plan.result.errors.push(`autoscaling:DescribeAutoScalingGroups answered ${group.groupName} with ${incomplete.join('; ')}: not drained this tick`);
      if (group.role === 'engine' && group.target.type === 'eks') plan.engineInstances = [...(plan.engineInstances ?? []), ...instances];
      for (const instance of instances) {
        if (instance.lifecycleState === TERMINATING_WAIT) plan.waiting.push({ group, instanceId: instance.instanceId });
      }
    }
    plan.result.draining = plan.waiting.length;
  }

  // EKS nodes are drained through Kubernetes (kube-drain.ts), never with an SSM command.
  const anyWaiting = plans.some((p) => p.waiting.some((w) => w.group.target.type !== 'eks'));
  // Undefined when the listing failed: the tick then only holds (see drainFleet).
  let commands: Map<string, DrainCommand[]> | undefined;
  let commandsError: string | undefined;
  if (anyWaiting) {
    const longestGrace = Math.max(...config.fleets.map((f) => f.drain.gracePeriodSeconds));
    try {
      const listing = await listDrainCommands(deps.ports.ssm, {
        documentName: options.documentName,
        invokedAfter: new Date(now.getTime() - (longestGrace + HISTORY_MARGIN_S) * 1000),
        retry: deps.retry,
      });
      commands = listing.byInstance;
      // Said every tick it lasts; each instance's decision line counts its incomplete commands too.
      if (listing.incomplete.length > 0) deps.telemetry.warn('drain command history incomplete: unknown fields read as unknown, never as no command', { incomplete: listing.incomplete });
    } catch (error) {
      commandsError = describeError(error);
    }
  }

  // Only Engines publish engine_active_requests; an API instance is released when its
  // containers exit (the command's Success line) or at the deadline.
  let loads = new Map<string, InstanceLoad>();
  const requests = plans
    .map((p) => ({ target: p.fleet.target, instanceIds: p.waiting.filter((w) => w.group.role === 'engine').map((w) => w.instanceId) }))
    .filter((r) => r.instanceIds.length > 0);
  if (requests.length > 0) {
    try {
      loads = await readInstanceLoads(deps.ports.cloudwatch, {
        namespace: config.engineNamespace,
        requests,
        now,
        periodSeconds: config.periodSeconds,
        retry: deps.retry,
        // Not fatal: every kind then counts as existing, and a silent one holds the drain.
        onListingError: (error) => deps.telemetry.warn('Engine series unlisted: a kind without datapoints holds the drain this tick', { error }),
        onIncomplete: (queries) => deps.telemetry.warn('drain instance load incomplete: an instance whose queries CloudWatch did not answer whole is unknown and holds its drain', { queries }),
      });
    } catch (error) {
      // Without loads nothing is released early; the deadline still holds.
      for (const plan of plans) if (plan.waiting.length > 0) plan.result.errors.push(describeError(error));
    }
  }

  for (const plan of plans) {
    const eksWaiting = plan.waiting.filter((w) => w.group.target.type === 'eks');
    const ssmWaiting = plan.waiting.filter((w) => w.group.target.type !== 'eks');
    if (ssmWaiting.length > 0) {
      try {
        if (commandsError) plan.result.errors.push(commandsError);
        await drainFleet(deps, { ...plan, waiting: ssmWaiting }, { commands, loads, now, latest: deps.stampNow?.() ?? now, hookName, options });
      } catch (error) {
        plan.result.errors.push(describeError(error));
      }
    }
    if (eksWaiting.length > 0 || (plan.fleet.target.type === 'eks' && (plan.fleet.kubernetes?.engineDeployment || plan.fleet.kubernetes?.apiDeployment))) {
      try {
        const eks = await drainEksFleet(deps, { fleet: plan.fleet, waiting: eksWaiting, engineInstances: plan.engineInstances, loads, now, latest: deps.stampNow?.() ?? now, hookName });
        plan.result.instances.push(...eks.instances);
        plan.result.errors.push(...eks.errors);
        if (eks.follow) plan.result.follow = eks.follow;
        for (const result of eks.instances) if (result.outcome === 'Released') publishRelease(deps, plan.fleet.name, result);
      } catch (error) {
        plan.result.errors.push(describeError(error));
      }
    }
    publishFleet(deps, plan.result);
  }
  return { fleets: plans.map((p) => p.result) };
}

async function ensureHook(deps: HandlerDeps, plan: FleetPlan, group: DrainGroup, hookName: string, options: DrainTickOptions, now: Date): Promise<void> {
  const spec = hookSpecFor(plan.fleet.drain.gracePeriodSeconds, hookName);
  if (plan.fleet.dryRun) {
    plan.result.hooks[group.groupName] = 'DryRun';
    return;
  }
  const key = `${group.groupName}\u0000${spec.name}\u0000${spec.heartbeatTimeoutSeconds}`;
  const checkedAt = options.hookCheckedAt?.get(key);
  if (checkedAt !== undefined && now.getTime() - checkedAt < (options.hookRecheckSeconds ?? DEFAULT_HOOK_RECHECK_S) * 1000) {
    plan.result.hooks[group.groupName] = 'CheckedRecently';
    return;
  }
  try {
    const ensured = await ensureTerminationHook(deps.ports.autoscaling, group.groupName, spec, deps.retry);
    options.hookCheckedAt?.set(key, now.getTime());
    plan.result.hooks[group.groupName] = ensured;
    if (ensured !== 'Unchanged') deps.telemetry.info('drain hook written', { fleet: plan.fleet.name, group: group.groupName, hook: spec.name, outcome: ensured, heartbeatTimeoutSeconds: spec.heartbeatTimeoutSeconds, defaultResult: spec.defaultResult });
  } catch (error) {
    plan.result.hooks[group.groupName] = 'Failed';
    plan.result.errors.push(describeError(error));
  }
}

interface FleetContext {
  commands: Map<string, DrainCommand[]> | undefined;
  loads: Map<string, InstanceLoad>;
  now: Date;
  /** The latest AWS's clock may read (the host clock, when ahead of `now`): no first SIGINT past a deadline by it. */
  latest: Date;
  hookName: string;
  options: DrainTickOptions;
}

async function drainFleet(deps: HandlerDeps, plan: FleetPlan, context: FleetContext): Promise<void> {
  const { fleet } = plan;
  const { now, loads } = context;

  const starts = new Map<string, Date>();
  const undated: string[] = [];
  if (context.commands) {
    for (const group of plan.groups) {
      // No command yet, or one whose request time SSM left out: the clock needs the termination's start.
      const uncommanded = plan.waiting
        .filter((w) => w.group.groupName === group.groupName)
        .filter((w) => {
          const sent = context.commands?.get(w.instanceId) ?? [];
          return sent.length === 0 || sent.some((c) => c.requestedAt === undefined);
        })
        .map((w) => w.instanceId);
      if (uncommanded.length === 0) continue;
      try {
        const read = await terminationStarts(deps.ports.autoscaling, group.groupName, uncommanded, deps.retry);
        for (const [id, at] of read.starts) starts.set(id, at);
        undated.push(...read.undated);
      } catch (error) {
        plan.result.errors.push(describeError(error));
      }
    }
  }
  reportUndatedActivities(deps.telemetry, fleet.name, undated);

  const policy = { gracePeriodSeconds: fleet.drain.gracePeriodSeconds, resendAfterSeconds: context.options.resendAfterSeconds ?? DEFAULT_RESEND_AFTER_S };
  // A few instances at a time: each needs up to three calls, and a large scale-in must
  // fit in one invocation; the results keep the group's order.
  const results = await mapLimited(plan.waiting, INSTANCE_CONCURRENCY, async ({ group, instanceId }) => {
    const target = { groupName: group.groupName, hookName: context.hookName, instanceId };
    // Without the command history a tick cannot tell a new drain from a running one: it
    // only keeps the hook alive, and sends or releases nothing.
    const decision: DrainDecision = context.commands
      ? decideDrain({ instanceId, commands: context.commands.get(instanceId) ?? [], load: loads.get(instanceId), terminatingSince: starts.get(instanceId) }, policy, now, context.latest)
      : { instanceId, action: 'Heartbeat', reason: 'HistoryUnreadable', numbers: { gracePeriodSeconds: fleet.drain.gracePeriodSeconds, commands: 0 } };
    try {
      const { outcome, detail } = await act(deps, fleet, group, decision, target, context);
      return { ...decision, groupName: group.groupName, outcome, detail };
    } catch (error) {
      return { ...decision, groupName: group.groupName, outcome: 'Failed' as const, detail: describeError(error) };
    }
  });
  for (const result of results) {
    plan.result.instances.push(result);
    if (result.outcome === 'Failed' && result.detail) plan.result.errors.push(result.detail);
    const { instanceId, groupName, action, reason, numbers, outcome, detail } = result;
    deps.telemetry[outcome === 'Failed' ? 'error' : 'info']('drain decision', {
      fleet: fleet.name,
      group: groupName,
      instanceId,
      action,
      reason,
      explanation: DRAIN_REASONS[reason],
      ...numbers,
      outcome,
      detail,
      dryRun: fleet.dryRun,
    });
    if (outcome === 'Released') publishRelease(deps, fleet.name, result);
  }
}

async function act(
  deps: HandlerDeps,
  fleet: FleetConfig,
  group: DrainGroup,
  decision: DrainDecision,
  target: { groupName: string; hookName: string; instanceId: string },
  context: FleetContext,
): Promise<{ outcome: DrainOutcome; detail?: string }> {
  if (fleet.dryRun) return { outcome: 'DryRun' };
  switch (decision.action) {
    case 'SendAndHeartbeat': {
      let commandId: string;
      try {
        commandId = await sendDrainCommand(deps.ports.ssm, {
          documentName: context.options.documentName,
          instanceId: decision.instanceId,
          containerNamePattern: fleet.drain.containerNamePattern,
          runtime: fleet.drain.runtime ?? (group.target.type === 'eks' ? 'containerd' : 'docker'),
          waitSeconds: fleet.drain.gracePeriodSeconds,
          deliveryTimeoutSeconds: context.options.deliveryTimeoutSeconds ?? DEFAULT_DELIVERY_TIMEOUT_S,
          retry: deps.retry,
        });
      } catch (error) {
        if (error instanceof DrainCommandError && error.code === 'InvalidInstanceId') {
          // Gone, or an agent that never registered: the hook is still heartbeated so the
          // deadline (from the termination activity) decides, not the hook's timeout.
          const heartbeat = await recordHeartbeat(deps.ports.autoscaling, target, deps.retry);
          return { outcome: heartbeat.outcome === 'Done' ? 'Unreachable' : 'AlreadyReleased', detail: error.message };
        }
        // An SSM outage must not let the hook time out: that would terminate the instance
        // with its streams. The send is retried next tick; the failure is still reported.
        try {
          await recordHeartbeat(deps.ports.autoscaling, target, deps.retry);
        } catch (heartbeatError) {
          throw new DrainCommandError(`${describeError(error)}; the heartbeat after it failed too: ${describeError(heartbeatError)}`, error instanceof DrainCommandError ? error.code : undefined, { cause: error });
        }
        throw error;
      }
      await recordHeartbeat(deps.ports.autoscaling, target, deps.retry);
      return { outcome: 'Sent', detail: commandId };
    }
    case 'Heartbeat': {
      const heartbeat = await recordHeartbeat(deps.ports.autoscaling, target, deps.retry);
      return heartbeat.outcome === 'Done' ? { outcome: 'Held' } : { outcome: 'AlreadyReleased', detail: heartbeat.message };
    }
    case 'Complete':
    case 'Force': {
      const completed = await completeAction(deps.ports.autoscaling, target, deps.retry);
      return completed.outcome === 'Done' ? { outcome: 'Released' } : { outcome: 'AlreadyReleased', detail: completed.message };
    }
  }
}

/**
 * Published only by the tick whose CompleteLifecycleAction succeeded: a concurrent tick
 * or a duplicate event gets ValidationError and counts nothing, so a cut is counted once.
 */
function publishRelease(deps: HandlerDeps, fleet: string, decision: Pick<DrainDecision, 'instanceId' | 'action' | 'reason' | 'numbers'> | KubeInstanceResult): void {
  const dimensions = { Fleet: fleet };
  if (decision.numbers.drainSeconds !== undefined) {
    deps.telemetry.metric({ name: DRAIN_METRICS.drainDuration, value: decision.numbers.drainSeconds, unit: MetricUnit.Seconds, dimensions });
    // The grace an operator's traffic needs is read from these (fleet-scaler drain-history):
    // a forced drain's own length is unknown, only that it exceeded the grace.
    if (decision.action === 'Complete') deps.telemetry.metric({ name: DRAIN_METRICS.secondsToEmpty, value: decision.numbers.drainSeconds, unit: MetricUnit.Seconds, dimensions });
  }
  const cut = decision.action === 'Force' ? decision.numbers.activeStreams : 0;
  if (cut === undefined) {
    deps.telemetry.warn('drain forced with the load unknown: streams cut cannot be counted', { fleet, instanceId: decision.instanceId, reason: decision.reason });
    return;
  }
  deps.telemetry.metric({ name: DRAIN_METRICS.streamsCut, value: cut, unit: MetricUnit.Count, dimensions });
  if (cut > 0) deps.telemetry.warn('streams cut at the grace deadline', { fleet, instanceId: decision.instanceId, streamsCut: cut, ...decision.numbers });
}

function publishFleet(deps: HandlerDeps, result: FleetDrainResult): void {
  const dimensions = { Fleet: result.fleet };
  deps.telemetry.metric({ name: DRAIN_METRICS.instancesDraining, value: result.draining, unit: MetricUnit.Count, dimensions });
  deps.telemetry.metric({ name: DRAIN_METRICS.overdue, value: overdueSeconds(result), unit: MetricUnit.Seconds, dimensions });
  deps.telemetry.metric({ name: DRAIN_METRICS.errors, value: result.errors.length, unit: MetricUnit.Count, dimensions });
  for (const error of result.errors) deps.telemetry.error('drain fleet error', { fleet: result.fleet, error });
}

/** Seconds past the deadline of the most overdue instance this tick left waiting (0 when none). */
function overdueSeconds(result: FleetDrainResult): number {
  let overdue = 0;
  for (const instance of result.instances) {
    if (instance.outcome === 'Released' || instance.outcome === 'AlreadyReleased' || instance.outcome === 'DryRun') continue;
    const toDeadline = instance.numbers.secondsToDeadline;
    if (toDeadline !== undefined && toDeadline < 0) overdue = Math.max(overdue, -toDeadline);
  }
  return overdue;
}
