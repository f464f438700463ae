import type { RedeployMarker, RollOutcome } from '../fleet/roll-marker.js';
import type { RedeployReason } from './reasons.js';
import type { RedeployWindow } from './window.js';
import { planEksRoll } from './eks-roll.js';

export interface RedeploySettings {
  /** Instances replaced at a time. */
  segmentSize: number;
  busyUtilization: number;
  /** Boot + model load: a new instance is healthy (counts as capacity) only after it. */
  warmupSeconds: number;
  /** No instance replaced for this long: the roll is stuck. */
  stallMinutes: number;
}

/** The group as the roll needs it; min/max are the fleet's bounds clamped by the group's. */
export interface FleetView {
  desired: number;
  min: number;
  max: number;
  inService: number;
  /** Someone else is changing the group (an EKS node group update). */
  busyByOther: boolean;
  /** When the scaler last scaled the group out (its last-scaling tag), if it did. */
  lastScaleOutAt?: Date;
}

export type RollState = 'active' | 'cancelling' | 'succeeded' | 'failed' | 'cancelled';

/** The group's newest instance refresh, reduced to what the decision reads. */
export interface RollView {
  id: string;
  state: RollState;
  status: string;
  statusReason?: string;
  startedAt: Date;
  endedAt?: Date;
  /** Instances still to replace (InstancesToUpdate). */
  left?: number;
}

/** What the metrics say about the fleet now (lib/redeploy/load.ts). */
export interface LoadView {
  /** Load over serving capacity (not planned capacity), for the busiest kind. */
  utilization?: number;
  /** Instances the latest load needs at the target utilisation. */
  needed?: number;
  /** Why the load is unknown: missing, stale or partial data. */
  unknown?: 'MissingData' | 'StaleData' | 'PartialData';
}

export interface RedeployInput {
  now: Date;
  enabled: boolean;
  /** The window containing `now`, if one is open. */
  window?: RedeployWindow;
  settings: RedeploySettings;
  fleet: FleetView;
  marker?: RedeployMarker;
  roll?: RollView;
  load: LoadView;
  /** The group has a termination lifecycle hook, so old instances leave through the drain path. */
  hasDrainHook: boolean;
  /**
   * How the roll replaces instances: an Auto Scaling instance refresh (default), or the
   * controller's own segments (EKS node groups, lib/redeploy/eks-roll.ts), which need
   * room for a segment below the maximum.
   */
  strategy?: 'refresh' | 'controller';
}

export interface RollPlan {
  instances: number;
  /** Instances launched ahead of each segment's terminations. */
  segmentSize: number;
  segments: number;
  minHealthyPercentage: number;
  maxHealthyPercentage: number;
  instanceWarmupSeconds: number;
  estimatedMinutes: number;
  windowEnd: Date;
}

export interface RollProgress {
  planned?: number;
  left?: number;
  replaced?: number;
  elapsedMinutes?: number;
  minutesSinceProgress?: number;
  projectedEnd?: Date;
}

export type RedeployAction =
  | { kind: 'idle'; reason: RedeployReason }
  /** In the window but not starting now; `marker` is written when it changed. */
  | { kind: 'skip'; reason: RedeployReason; marker?: RedeployMarker; numbers: SkipNumbers }
  | { kind: 'start'; reason: 'QuietWindow'; plan: RollPlan; marker: RedeployMarker; numbers: SkipNumbers }
  | { kind: 'wait'; reason: RedeployReason; progress: RollProgress; marker?: RedeployMarker }
  /** Cancel the refresh (leaves the group consistent) and page. */
  | { kind: 'stop'; reason: 'Stalled' | 'WindowOverrun' | 'ProjectedOverrun'; progress: RollProgress }
  /** The roll is over: bring the fleet to its baseline, start the cooldown, write the record. */
  | { kind: 'settle'; reason: RedeployReason; outcome: RollOutcome; baseline: number; page: boolean; progress: RollProgress; marker: RedeployMarker }
  /** The window closed without a roll: the night's record says skipped, and why. */
  | { kind: 'close'; reason: 'WindowEndedSkipped'; skippedBecause?: string; marker: RedeployMarker };

export interface SkipNumbers {
  utilization?: number;
  busyUtilization: number;
  desired: number;
  estimatedMinutes?: number;
  windowMinutesLeft?: number;
}

/** A refresh started this long before the marker's `since` is still ours (two ticks racing, clock skew). */
export const OWNERSHIP_SKEW_MS = 60_000;
/** How long a marked start may take to show up in DescribeInstanceRefreshes. */
export const START_CONFIRM_MS = 3 * 60_000;
/** Minutes per segment beyond warm-up: launch and Pending, before the warm-up clock runs. */
export const LAUNCH_MINUTES = 2;

const MINUTE_MS = 60_000;

/**
 * The next step of one fleet's nightly roll. Pure: AWS state (group, newest instance
 * refresh, the marker tag), the fleet's load and `now` in; one action and its reason out.
 *
 * 1. a roll the marker says is ours comes first, whatever the window or `enabled`:
 *    terminal -> settle; stalled, past the window, or projected past it -> stop;
 *    otherwise wait (recording progress in the marker);
 * 2. a skipped night whose window has closed -> close (the night's record);
 * 3. not enabled, no window, or tonight already done -> idle;
 * 4. in the window: someone else's refresh or update, an empty fleet, no termination
 *    hook (old instances would leave without draining), unknown load,
 *    load above busyUtilization, or a roll that would not fit -> skip (retry next tick);
 * 5. otherwise start, launching each segment before terminating (MaxHealthy > 100)
 *    and keeping every serving instance until its replacement is warm (MinHealthy 100).
 */
export function decideRedeploy(input: RedeployInput): RedeployAction {
  const { now, window, marker, roll } = input;

  if (marker?.phase === 'rolling') return continueRoll(input, marker);

  if (marker?.phase === 'skipped' && (window === undefined || window.start.getTime() !== marker.window.getTime())) {
    return {
      kind: 'close',
      reason: 'WindowEndedSkipped',
      ...(marker.reason ? { skippedBecause: marker.reason } : {}),
      marker: { phase: 'done', window: marker.window, until: marker.until, outcome: 'Skipped', ...(marker.reason ? { reason: marker.reason } : {}) },
    };
  }

  if (!input.enabled) return { kind: 'idle', reason: 'Disabled' };
  if (!window) return { kind: 'idle', reason: 'OutsideWindow' };
  if (marker?.phase === 'done' && marker.window.getTime() === window.start.getTime()) return { kind: 'idle', reason: 'DoneTonight' };

  const { fleet, settings, load } = input;
  const windowMinutesLeft = Math.floor((window.end.getTime() - now.getTime()) / MINUTE_MS);
  const numbers: SkipNumbers = { busyUtilization: settings.busyUtilization, desired: fleet.desired, windowMinutesLeft, ...(load.utilization !== undefined ? { utilization: round(load.utilization) } : {}) };
  const skip = (reason: RedeployReason): RedeployAction => {
    const next: RedeployMarker = { phase: 'skipped', window: window.start, until: window.end, reason };
    const changed = marker?.phase !== 'skipped' || marker.reason !== reason || marker.window.getTime() !== window.start.getTime();
    return { kind: 'skip', reason, numbers, ...(changed ? { marker: next } : {}) };
  };

  if (fleet.busyByOther) return skip('GroupBusy');
  if (roll && (roll.state === 'active' || roll.state === 'cancelling')) return skip('RollInProgressByOther');
  if (fleet.desired === 0) return skip('EmptyFleet');
  if (!input.hasDrainHook) return skip('NoDrainHook');
  // An instance refresh replaces instances still inside their warm-up first, without
  // waiting: started right after a scale-out it would take that serving capacity away.
  if (fleet.lastScaleOutAt && now.getTime() - fleet.lastScaleOutAt.getTime() < (settings.warmupSeconds + LAUNCH_MINUTES * 60) * 1000) return skip('ScaleOutWarming');
  if (load.unknown) return skip(load.unknown);
  if (load.utilization === undefined) return skip('MissingData');
  if (load.utilization > settings.busyUtilization) return skip('Busy');

  const plan = input.strategy === 'controller' ? planEksRoll(fleet.desired, fleet.max, settings, window.end) : planRoll(fleet.desired, settings, window.end);
  if (!plan) return skip('NoSurgeRoom');
  numbers.estimatedMinutes = plan.estimatedMinutes;
  if (plan.estimatedMinutes > windowMinutesLeft) return skip('WouldOverrunWindow');

  return {
    kind: 'start',
    reason: 'QuietWindow',
    plan,
    numbers,
    marker: { phase: 'rolling', window: window.start, until: window.end, since: now, planned: plan.instances, left: plan.instances, progressAt: now },
  };
}

/**
 * Auto Scaling launches up to floor(desired x MaxHealthy / 100) instances and keeps
 * ceil(desired x MinHealthy / 100) healthy, so MaxHealthy = 100 + ceil(100 x segment /
 * desired) gives exactly `segment` extra instances at a time (at most 200: a segment is
 * at most the whole fleet), and MinHealthy 100 terminates an old instance only once a
 * warm replacement stands in for it.
 */
export function planRoll(desired: number, settings: RedeploySettings, windowEnd: Date): RollPlan {
  const segmentSize = Math.max(1, Math.min(settings.segmentSize, desired));
  const maxHealthyPercentage = Math.min(200, 100 + Math.ceil((100 * segmentSize) / desired));
  const effectiveSegment = Math.max(1, Math.floor((desired * maxHealthyPercentage) / 100) - desired);
  const segments = Math.ceil(desired / effectiveSegment);
  const minutesPerSegment = Math.ceil(settings.warmupSeconds / 60) + LAUNCH_MINUTES;
  return {
    instances: desired,
    segmentSize: effectiveSegment,
    segments,
    minHealthyPercentage: 100,
    maxHealthyPercentage,
    instanceWarmupSeconds: settings.warmupSeconds,
    estimatedMinutes: segments * minutesPerSegment,
    windowEnd,
  };
}

function continueRoll(input: RedeployInput, marker: RedeployMarker): RedeployAction {
  const { now, roll, settings } = input;
  const since = marker.since ?? marker.window;
  const ours = roll !== undefined && roll.startedAt.getTime() >= since.getTime() - OWNERSHIP_SKEW_MS;
  const progress: RollProgress = { planned: marker.planned, elapsedMinutes: minutesBetween(since, now) };

  if (!ours) {
    if (now.getTime() - since.getTime() < START_CONFIRM_MS) return { kind: 'wait', reason: 'StartPending', progress };
    return settle(input, marker, 'StartNotConfirmed', 'Failed', true, progress);
  }

  const left = roll.left ?? marker.left;
  if (left !== undefined) {
    progress.left = left;
    if (marker.planned !== undefined) progress.replaced = Math.max(0, marker.planned - left);
  }
  if (roll.state === 'succeeded') return settle(input, marker, 'RollSucceeded', 'Successful', false, { ...progress, left: 0, ...(marker.planned !== undefined ? { replaced: marker.planned } : {}) });
  if (roll.state === 'failed') return settle(input, marker, 'RollFailed', 'Failed', true, progress);
  if (roll.state === 'cancelled') return settle(input, marker, 'RollCancelled', 'Cancelled', false, progress);
  if (roll.state === 'cancelling') return { kind: 'wait', reason: 'Cancelling', progress };

  let next: RedeployMarker | undefined;
  let progressAt = marker.progressAt ?? since;
  if (roll.left !== undefined && roll.left !== marker.left) {
    progressAt = now;
    next = { ...marker, left: roll.left, progressAt: now };
  }
  progress.minutesSinceProgress = minutesBetween(progressAt, now);

  if (now.getTime() >= marker.until.getTime()) return { kind: 'stop', reason: 'WindowOverrun', progress };
  if (progress.minutesSinceProgress >= settings.stallMinutes) return { kind: 'stop', reason: 'Stalled', progress };
  if (progress.replaced !== undefined && progress.replaced > 0 && progress.left !== undefined && progress.left > 0) {
    const perInstanceMs = (now.getTime() - since.getTime()) / progress.replaced;
    const projectedEnd = new Date(now.getTime() + perInstanceMs * progress.left);
    progress.projectedEnd = projectedEnd;
    if (projectedEnd.getTime() > marker.until.getTime()) return { kind: 'stop', reason: 'ProjectedOverrun', progress };
  }
  return { kind: 'wait', reason: 'RollInProgress', progress, ...(next ? { marker: next } : {}) };
}

function settle(input: RedeployInput, marker: RedeployMarker, reason: RedeployReason, outcome: RollOutcome, page: boolean, progress: RollProgress): RedeployAction {
  return {
    kind: 'settle',
    reason,
    outcome,
    baseline: baselineOf(input.fleet, input.load),
    page,
    progress,
    marker: { phase: 'done', window: marker.window, until: marker.until, ...(marker.since ? { since: marker.since } : {}), ...(marker.planned !== undefined ? { planned: marker.planned } : {}), outcome, reason },
  };
}

/**
 * The larger of the fleet's minimum and what the traffic needs, within its maximum.
 * Unknown load never shrinks the fleet: the baseline is then the current count.
 */
export function baselineOf(fleet: FleetView, load: LoadView): number {
  if (load.unknown !== undefined || load.needed === undefined) return Math.min(fleet.max, Math.max(fleet.min, fleet.desired));
  return Math.min(fleet.max, Math.max(fleet.min, load.needed));
}

function minutesBetween(from: Date, to: Date): number {
  return Math.round((to.getTime() - from.getTime()) / MINUTE_MS);
}

function round(value: number): number {
  return Number.isFinite(value) ? Math.round(value * 1000) / 1000 : value;
}
