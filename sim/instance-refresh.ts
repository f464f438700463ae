import {
  CancelInstanceRefreshCommand,
  DescribeInstanceRefreshesCommand,
  StartInstanceRefreshCommand,
  type InstanceRefresh,
  type RefreshPreferences,
  type StartInstanceRefreshCommandInput,
} from '@aws-sdk/client-auto-scaling';
import type { SimClock } from './clock.js';
import { awsError, metadata, SimulationError } from './errors.js';
import { isoSeconds, type AutoScalingGroups } from './groups.js';
import type { SimGroupState, SimInstance, SimLaunchTemplate } from './model.js';
import { operation, type SimOperation } from './port.js';
import type { IdFactory } from './random.js';

type RefreshStatus = 'Pending' | 'InProgress' | 'Successful' | 'Failed' | 'Cancelling' | 'Cancelled';

interface SimRefresh {
  id: string;
  group: SimGroupState;
  status: RefreshStatus;
  statusReason: string;
  startMs: number;
  endMs: number | undefined;
  minHealthy: number;
  maxHealthy: number;
  warmupSeconds: number | undefined;
  skipMatching: boolean;
  protectedMode: 'Refresh' | 'Ignore' | 'Wait';
  preferences: RefreshPreferences;
  desired: StartInstanceRefreshCommandInput['DesiredConfiguration'];
  originalTemplate: SimLaunchTemplate;
  /** Instances that still need replacing (ids of those alive at the start). */
  toReplace: Set<string>;
  initial: number;
}

const ACTIVE: ReadonlySet<RefreshStatus> = new Set(['Pending', 'InProgress', 'Cancelling']);

function invalid(message: string): Error {
  return awsError('autoscaling', 'ValidationError', message);
}

/**
 * Rolling instance refresh as Auto Scaling runs it, minute by minute:
 * - MaxHealthyPercentage > 100 (launch before terminate): launches replacements up to
 *   desired x Max/100 instances, then terminates old ones while the healthy count stays at
 *   or above desired x Min/100;
 * - MaxHealthyPercentage = 100 (terminate then launch): terminates old ones down to the
 *   minimum healthy (at least one at a time when nothing is in flight); the group launches
 *   their replacements.
 * Healthy = InService for at least InstanceWarmup seconds (default: the group's
 * DefaultInstanceWarmup, else its HealthCheckGracePeriod). Terminations go through the
 * group's termination lifecycle hooks. Checkpoints, rollback and bake time are not modelled
 * (asking for them throws SimulationError). While a refresh runs the group keeps the extra
 * instances it launched, whatever the desired capacity.
 */
export class InstanceRefreshes {
  readonly refreshes: SimRefresh[] = [];

  constructor(
    private readonly groups: AutoScalingGroups,
    private readonly clock: SimClock,
    private readonly ids: IdFactory,
  ) {}

  active(group: SimGroupState): SimRefresh | undefined {
    return this.refreshes.find((r) => r.group === group && ACTIVE.has(r.status));
  }

  start(input: StartInstanceRefreshCommandInput): SimRefresh {
    const group = this.groups.require(input.AutoScalingGroupName);
    if (input.Strategy !== undefined && input.Strategy !== 'Rolling') throw invalid(`Strategy must be Rolling, got ${input.Strategy}`);
    if (this.active(group)) throw awsError('autoscaling', 'InstanceRefreshInProgress', 'An Instance Refresh is already in progress and blocks the execution of this Instance Refresh.');
    const p = input.Preferences ?? {};
    const min = p.MinHealthyPercentage ?? 90;
    const max = p.MaxHealthyPercentage ?? 100;
    if (!Number.isInteger(min) || min < 0 || min > 100) throw invalid(`MinHealthyPercentage must be between 0 and 100, got ${min}`);
    if (!Number.isInteger(max) || max < 100 || max > 200) throw invalid(`MaxHealthyPercentage must be between 100 and 200, got ${max}`);
    if (max - min > 100) throw invalid(`The difference between MaxHealthyPercentage (${max}) and MinHealthyPercentage (${min}) must be at most 100`);
    if (min === 100 && max === 100) throw invalid('MinHealthyPercentage and MaxHealthyPercentage cannot both be 100');
    if (p.CheckpointPercentages && p.CheckpointPercentages.length > 0) throw new SimulationError('the simulated instance refresh does not model checkpoints (CheckpointPercentages)');
    if (p.AutoRollback) throw new SimulationError('the simulated instance refresh does not model AutoRollback');
    if (p.BakeTime !== undefined && p.BakeTime > 0) throw new SimulationError(`the simulated instance refresh does not model BakeTime (got ${p.BakeTime})`);
    const protectedMode = (p.ScaleInProtectedInstances ?? 'Ignore') as SimRefresh['protectedMode'];
    const originalTemplate = { ...group.launchTemplate };
    const lt = input.DesiredConfiguration?.LaunchTemplate;
    if (lt) group.launchTemplate = { ...group.launchTemplate, ...(lt.LaunchTemplateName ? { LaunchTemplateName: lt.LaunchTemplateName } : {}), Version: lt.Version ?? '$Default' };
    const skipMatching = p.SkipMatching ?? false;
    const toReplace = new Set(
      this.groups
        .live(group)
        .filter((i) => !(skipMatching && i.launchTemplateVersion === group.launchTemplate.Version))
        .filter((i) => !(i.protectedFromScaleIn && protectedMode === 'Ignore'))
        .map((i) => i.id),
    );
    const refresh: SimRefresh = {
      id: this.ids.uuid(),
      group,
      status: 'InProgress',
      statusReason: '',
      startMs: this.clock.nowMs(),
      endMs: undefined,
      minHealthy: min,
      maxHealthy: max,
      warmupSeconds: p.InstanceWarmup,
      skipMatching,
      protectedMode,
      preferences: { ...p, MinHealthyPercentage: min, MaxHealthyPercentage: max, SkipMatching: skipMatching, ScaleInProtectedInstances: protectedMode },
      desired: input.DesiredConfiguration,
      originalTemplate,
      toReplace,
      initial: toReplace.size,
    };
    this.refreshes.push(refresh);
    this.progress(refresh);
    return refresh;
  }

  cancel(groupName: string | undefined): SimRefresh {
    const group = this.groups.require(groupName);
    const refresh = this.active(group);
    if (!refresh || refresh.status === 'Cancelling') throw awsError('autoscaling', 'ActiveInstanceRefreshNotFound', `No in progress or pending Instance Refresh found for Auto Scaling group ${group.name}`);
    refresh.status = 'Cancelling';
    return refresh;
  }

  tick(): void {
    for (const refresh of this.refreshes) if (ACTIVE.has(refresh.status)) this.progress(refresh);
  }

  private healthy(instance: SimInstance, warmupSeconds: number): boolean {
    if (instance.lifecycleState !== 'InService' || instance.inServiceMinute === undefined) return false;
    return (this.clock.minute - instance.inServiceMinute) * 60 >= warmupSeconds;
  }

  private progress(refresh: SimRefresh): void {
    const group = refresh.group;
    if (refresh.status === 'Cancelling') {
      group.launchTemplate = refresh.originalTemplate;
      this.end(refresh, 'Cancelled', 'Cancelled by a user request');
      return;
    }
    const warmup = refresh.warmupSeconds ?? group.defaultInstanceWarmup ?? group.healthCheckGracePeriod;
    const live = this.groups.live(group);
    for (const id of [...refresh.toReplace]) if (!live.some((i) => i.id === id)) refresh.toReplace.delete(id);
    const old = live.filter((i) => refresh.toReplace.has(i.id));
    const fresh = live.filter((i) => !refresh.toReplace.has(i.id));
    const desired = group.desired;
    if (old.length === 0) {
      group.refreshAllowance = 0;
      if (fresh.every((i) => this.healthy(i, warmup))) this.end(refresh, 'Successful', '');
      return;
    }
    const minHealthy = Math.ceil((desired * refresh.minHealthy) / 100);
    let healthy = live.filter((i) => this.healthy(i, warmup)).length;
    let liveCount = live.length;
    const now = isoSeconds(this.clock.now());
    if (refresh.maxHealthy > 100) {
      const maxLive = Math.max(desired + 1, Math.floor((desired * refresh.maxHealthy) / 100));
      const launches = Math.min(desired - fresh.length, maxLive - liveCount);
      group.refreshAllowance = Math.max(0, liveCount + Math.max(0, launches) - desired);
      for (let n = 0; n < launches; n++) {
        this.groups.launch(group, `At ${now} an instance was launched in response to an instance refresh (${refresh.id}).`);
        liveCount++;
      }
    }
    const inFlight = fresh.filter((i) => !this.healthy(i, warmup)).length + group.instances.filter((i) => i.terminationCause === 'instance-refresh' && !i.terminated).length;
    const candidates = old
      .filter((i) => !(i.protectedFromScaleIn && refresh.protectedMode === 'Wait'))
      .sort((a, b) => Number(this.healthy(a, warmup)) - Number(this.healthy(b, warmup)) || a.launchMs - b.launchMs);
    for (const victim of candidates) {
      const victimHealthy = this.healthy(victim, warmup);
      const allowed = !victimHealthy || healthy - 1 >= minHealthy || (refresh.maxHealthy === 100 && inFlight === 0 && victim === candidates[0]);
      if (!allowed) break;
      if (victimHealthy) healthy--;
      liveCount--;
      refresh.toReplace.delete(victim.id);
      group.refreshAllowance = Math.max(0, liveCount - desired);
      this.groups.beginTermination(victim, 'instance-refresh', `At ${now} an instance was taken out of service in response to an instance refresh (${refresh.id}).  At ${now} instance ${victim.id} was selected for termination.`);
      if (refresh.maxHealthy === 100) break;
    }
    group.refreshAllowance = Math.max(0, liveCount - desired);
    // The group replaces what the refresh took out at once, with the new configuration.
    this.groups.reconcile(group);
  }

  private end(refresh: SimRefresh, status: RefreshStatus, reason: string): void {
    refresh.status = status;
    refresh.statusReason = reason;
    refresh.endMs = this.clock.nowMs();
    refresh.group.refreshAllowance = 0;
  }

  describe(r: SimRefresh): InstanceRefresh {
    const remaining = r.toReplace.size;
    const percentage = r.initial === 0 ? 100 : Math.floor((100 * (r.initial - remaining)) / r.initial);
    return {
      InstanceRefreshId: r.id,
      AutoScalingGroupName: r.group.name,
      Status: r.status,
      StatusReason: r.statusReason,
      StartTime: new Date(r.startMs),
      ...(r.endMs !== undefined ? { EndTime: new Date(r.endMs) } : {}),
      PercentageComplete: r.status === 'Successful' ? 100 : percentage,
      InstancesToUpdate: remaining,
      ProgressDetails: { LivePoolProgress: { PercentageComplete: r.status === 'Successful' ? 100 : percentage, InstancesToUpdate: remaining } },
      Preferences: structuredClone(r.preferences),
      ...(r.desired ? { DesiredConfiguration: structuredClone(r.desired) } : {}),
      Strategy: 'Rolling',
    };
  }
}

export function instanceRefreshOperations(refreshes: InstanceRefreshes): SimOperation[] {
  return [
    operation(StartInstanceRefreshCommand, 'StartInstanceRefresh', (input) => ({ $metadata: metadata(), InstanceRefreshId: refreshes.start(input).id })),
    operation(CancelInstanceRefreshCommand, 'CancelInstanceRefresh', (input) => ({ $metadata: metadata(), InstanceRefreshId: refreshes.cancel(input.AutoScalingGroupName).id })),
    operation(DescribeInstanceRefreshesCommand, 'DescribeInstanceRefreshes', (input) => {
      if (!input.AutoScalingGroupName) throw invalid("1 validation error detected: Value null at 'autoScalingGroupName' failed to satisfy constraint: Member must not be null");
      const all = refreshes.refreshes
        .filter((r) => r.group.name === input.AutoScalingGroupName)
        .filter((r) => !input.InstanceRefreshIds || input.InstanceRefreshIds.includes(r.id))
        .reverse();
      const size = input.MaxRecords ?? 50;
      if (!Number.isInteger(size) || size < 1 || size > 100) throw invalid(`MaxRecords must be between 1 and 100, got ${size}`);
      const offset = input.NextToken ? Number(input.NextToken.replace(/^sim:/, '')) : 0;
      const page = all.slice(offset, offset + size);
      return { $metadata: metadata(), InstanceRefreshes: page.map((r) => refreshes.describe(r)), ...(offset + size < all.length ? { NextToken: `sim:${offset + size}` } : {}) };
    }),
  ];
}
