import { effectiveTargetUtilization, type FleetConfig } from '../config/schema.js';
import type { RequestKind } from '../fleet/engine-metrics.js';
import type { PeriodObservation } from '../fleet/observation.js';
import type { ReasonCode } from './reasons.js';
import { capacitiesAboveEngineLimit, recommend, type Recommendation } from '../fleet/recommend.js';

export interface FleetSnapshot {
  /** The group's desired capacity now (booting instances included). */
  current: number;
  groupMin: number;
  groupMax: number;
  /** InService instances past their warm-up: each is expected to report metrics. */
  servingInstances: number;
  bootingInstances: number;
  drainingInstances: number;
  lastScaling?: { at: Date; direction: 'up' | 'down' };
  /** The last-scaling tag was dated in the future or unreadable, and counts as a scaling now. */
  lastScalingProblem?: 'FutureTag' | 'UnreadableTag';
  /** Someone else is changing the group (an EKS update in progress). */
  busy?: boolean;
}

export interface DecisionSettings {
  periodSeconds: number;
  staleAfterSeconds: number;
}

export interface DecisionInput {
  fleet: FleetConfig;
  settings: DecisionSettings;
  now: Date;
  snapshot: FleetSnapshot;
  /** Complete periods of the query window, oldest first. */
  observations: PeriodObservation[];
  /** Instances a forecast says the fleet will need within its boot time (predictive scaling). */
  forecastInstances?: number;
  /**
   * Instances the forecast says the fleet will need through the scale-in window after its
   * boot time: only ever holds a scale-in, never drives a scale-up.
   */
  forecastScaleInHold?: number;
  /**
   * Where the forecast came from, when predictive scaling is on: a past-weeks or past-days
   * pattern, the recent trend alone (no history matched), or none at all (history too
   * short, or unreadable: the decision is reactive). Undefined: predictive scaling is off.
   */
  forecastSource?: ForecastSource;
  forecastHeadroom?: ForecastHeadroom;
}

/**
 * The requests of headroom a forecast carries above its peak, and where they came from:
 * measured (the fleet's own past forecast errors against its service level) or assumed
 * (Poisson noise, until enough past forecasts exist).
 */
export interface ForecastHeadroom {
  requests: number;
  source: 'EmpiricalResiduals' | 'PoissonAssumed';
  /** Measured: the headroom as a share of the forecast peak (at least one instance's capacity). */
  fraction?: number;
  /** Measured: the past forecasts it stands on. */
  samples?: number;
}

export type ForecastSource = 'WeeklyPattern' | 'DailyPattern' | 'TrendOnly' | 'NoForecast';

export interface DecisionNumbers {
  current: number;
  desired: number;
  min: number;
  max: number;
  latestRecommendation?: number;
  scaleUpRecommendation?: number;
  scaleDownRecommendation?: number;
  forecastInstances?: number;
  forecastScaleInHold?: number;
  forecastSource?: ForecastSource;
  forecastHeadroom?: ForecastHeadroom;
  /** The scale-down target before the forecast held it up. */
  reactiveScaleDownRecommendation?: number;
  /** The utilisation the reactive rule planned for: the fleet's, or its default with or without a forecast. */
  targetUtilization?: number;
  load: Partial<Record<RequestKind, number>>;
  /** Configured kinds read as zero load because no Engine has been asked for them yet (no series). */
  kindsNeverRequested?: RequestKind[];
  capacityPerInstance: Partial<Record<RequestKind, number>>;
  /** The lowest engine_max_active_requests the Engines reported (0 = no limit, left out). */
  engineLimit?: number;
  /** Kinds whose configured capacity is above the Engines' own limit: planned with the limit instead. */
  capacityAboveEngineLimit?: Partial<Record<RequestKind, { configured: number; engineLimit: number }>>;
  /** The backlog signal's value and the instances it asks for, when the fleet declares one. */
  backlog?: number;
  backlogInstances?: number;
  /** Instances the Engines' load alone asks for. */
  loadInstances?: number;
  utilization?: number;
  rejected?: number;
  reportingInstances?: number;
  servingInstances: number;
  bootingInstances: number;
  drainingInstances: number;
  dataAgeSeconds?: number;
  cooldownRemainingSeconds?: number;
  /** The last-scaling tag was not taken at its word (dated in the future, or unreadable): counted as a scaling now. */
  lastScalingProblem?: 'FutureTag' | 'UnreadableTag';
  /** The redeploy marker was not taken at its word (unreadable, or times that cannot be true): no roll holds the fleet. */
  rollMarkerProblem?: 'UnreadableMarker' | 'ImplausibleMarker';
  stepLimit?: number;
}

export interface Decision {
  desired: number;
  reason: ReasonCode;
  numbers: DecisionNumbers;
}

/**
 * The desired instance count of one fleet, with the reason and the numbers behind it.
 * Pure: everything it knows is in `input`.
 *
 * 1. recommend per complete period (recommend.ts);
 * 2. freshness: no complete period -> hold (MissingData); the newest too old -> no
 *    scale-in (StaleData); fewer instances reported than serve, in the newest period or any
 *    period of the scale-down window -> no scale-in (PartialData);
 * 3. stabilise: scale up to the lowest recommendation of the scale-up window, down to
 *    the highest of the scale-down window, which must be complete to allow a scale-in;
 * 4. a forecast can only raise the scale-up target (ScaleUpPredicted) and hold off a
 *    scale-in, wholly (ScaleDownHeldByForecast) or in part (ScaleDownToForecast): to what
 *    the fleet needs within its boot time, or through the scale-in window after it
 *    (forecastScaleInHold), whichever is more;
 * 5. cooldowns from the fleet's last scaling activity, per direction;
 * 6. step limits: the larger of maxInstancesPerStep and maxPercentPerStep of current;
 * 7. clamp to [min, max] of the fleet and of the group.
 */
export function decide(input: DecisionInput): Decision {
  const { fleet, settings, now, snapshot } = input;
  const { current } = snapshot;
  const max = Math.min(fleet.maxInstances, snapshot.groupMax);
  const min = Math.min(Math.max(fleet.minInstances, snapshot.groupMin), max);
  const periodMs = settings.periodSeconds * 1000;
  // The floor leaves the headroom to the forecast only when that headroom is sized from the
  // fleet's measured errors: an assumed one (a new fleet, no past to measure) does not carry
  // the service level, so the reactive target keeps its own.
  const forecastStands =
    input.forecastInstances !== undefined && input.forecastSource !== undefined && input.forecastSource !== 'NoForecast' && input.forecastHeadroom?.source !== 'PoissonAssumed';
  const targetUtilization = effectiveTargetUtilization(fleet, forecastStands);

  const numbers: DecisionNumbers = {
    current,
    desired: current,
    min,
    max,
    targetUtilization,
    load: {},
    capacityPerInstance: {},
    servingInstances: snapshot.servingInstances,
    bootingInstances: snapshot.bootingInstances,
    drainingInstances: snapshot.drainingInstances,
    forecastInstances: input.forecastInstances,
    ...(input.forecastScaleInHold !== undefined ? { forecastScaleInHold: input.forecastScaleInHold } : {}),
    forecastSource: input.forecastSource,
    ...(input.forecastHeadroom !== undefined ? { forecastHeadroom: input.forecastHeadroom } : {}),
    ...(snapshot.lastScalingProblem ? { lastScalingProblem: snapshot.lastScalingProblem } : {}),
  };
  const finish = (proposal: number, reason: ReasonCode): Decision => clamp(proposal, reason, numbers);

  if (snapshot.busy) return finish(current, 'GroupBusy');

  // A recommendation exists where the load or a declared backlog is known; it is a lower
  // bound (scale-up only) where one of the two is not.
  const recommendations = input.observations.map((observation) => {
    const recommendation = recommend(fleet, observation, current, targetUtilization);
    return recommendation ? { observation, recommendation } : undefined;
  });
  const latestIndex = findLastIndex(recommendations, (r) => r?.recommendation !== undefined);
  const latest = recommendations[latestIndex];
  if (latest === undefined || latest.recommendation === undefined) return finish(current, 'MissingData');

  const latestRec: Recommendation = latest.recommendation;
  const latestAtMs = latest.observation.at.getTime();
  numbers.latestRecommendation = latestRec.instances;
  numbers.load = latest.observation.load;
  numbers.kindsNeverRequested = latest.observation.neverRequested;
  numbers.capacityPerInstance = latestRec.capacityPerInstance;
  numbers.engineLimit = latest.observation.engineLimit;
  numbers.capacityAboveEngineLimit = capacitiesAboveEngineLimit(fleet, latest.observation);
  numbers.backlog = latest.observation.backlog;
  numbers.backlogInstances = latestRec.backlogInstances;
  numbers.loadInstances = latestRec.loadInstances;
  numbers.utilization = round(latestRec.utilization);
  numbers.rejected = latest.observation.rejected;
  numbers.reportingInstances = latest.observation.reportingInstances;
  numbers.dataAgeSeconds = Math.round((now.getTime() - (latestAtMs + periodMs)) / 1000);

  const stale = numbers.dataAgeSeconds > settings.staleAfterSeconds;
  const partial = latest.observation.reportingInstances === undefined || latest.observation.reportingInstances < snapshot.servingInstances;

  const upFromMs = latestAtMs - fleet.scaleUp.stabilizationSeconds * 1000;
  const upWindow = recommendations.filter((r) => r?.recommendation !== undefined && r.observation.at.getTime() >= upFromMs);
  let upRec = Math.min(...upWindow.map((r) => r!.recommendation!.instances));

  // The scale-down window ends at the newest period that should exist by now, so a
  // missing newest period counts as a gap in the window, never as quiet.
  const expectedNewestMs = Math.floor(now.getTime() / periodMs) * periodMs - periodMs;
  const downFromMs = expectedNewestMs - fleet.scaleDown.stabilizationSeconds * 1000;
  const downWindow = input.observations.map((o, i) => ({ o, r: recommendations[i] })).filter(({ o }) => o.at.getTime() >= downFromMs);
  const expectedDownPeriods = Math.floor((expectedNewestMs - downFromMs) / periodMs) + 1;
  const downComplete = downWindow.length >= expectedDownPeriods && downWindow.every(({ r }) => r?.recommendation !== undefined && !r.recommendation.lowerBound);
  let downRec = downComplete ? Math.max(...downWindow.map(({ r }) => r!.recommendation!.instances)) : current;

  numbers.scaleUpRecommendation = upRec;
  numbers.scaleDownRecommendation = downRec;

  let predicted = false;
  let heldByForecast = false;
  if (input.forecastInstances !== undefined) {
    if (input.forecastInstances > upRec && input.forecastInstances > current) {
      upRec = input.forecastInstances;
      predicted = true;
    }
    const hold = Math.max(input.forecastInstances, input.forecastScaleInHold ?? 0);
    if (hold > downRec && downRec < current) {
      numbers.reactiveScaleDownRecommendation = downRec;
      downRec = hold;
      heldByForecast = true;
    }
  }

  let proposal: number;
  let reason: ReasonCode;
  if (upRec > current) {
    proposal = upRec;
    reason = predicted ? 'ScaleUpPredicted' : latestRec.rejected ? 'ScaleUpRejectedRequests' : latestRec.backlogDominant ? 'ScaleUpBacklog' : 'ScaleUp';
  } else if (latestRec.instances > current) {
    return finish(current, 'ScaleUpStabilized');
  } else if (latestRec.instances < current || downRec < current) {
    if (stale) return finish(current, 'StaleData');
    if (partial) return finish(current, 'PartialData');
    if (!downComplete) return finish(current, 'MissingData');
    if (downRec >= current) return finish(current, heldByForecast ? 'ScaleDownHeldByForecast' : 'ScaleDownStabilized');
    // A period missing an instance under-reports its load, and the target is the busiest
    // period of the window: any such period could set it too low.
    if (downWindow.some(({ o }) => o.reportingInstances === undefined || o.reportingInstances < snapshot.servingInstances)) return finish(current, 'PartialData');
    proposal = downRec;
    reason = heldByForecast ? 'ScaleDownToForecast' : 'ScaleDown';
  } else {
    // Only the backlog is known: the Engines' load could need more than it says.
    return finish(current, latestRec.lowerBound ? 'MissingData' : 'WithinTolerance');
  }

  const direction = proposal > current ? 'up' : 'down';
  const policy = direction === 'up' ? fleet.scaleUp : fleet.scaleDown;
  if (snapshot.lastScaling !== undefined) {
    const sinceSeconds = (now.getTime() - snapshot.lastScaling.at.getTime()) / 1000;
    if (sinceSeconds < policy.cooldownSeconds) {
      numbers.cooldownRemainingSeconds = Math.ceil(policy.cooldownSeconds - sinceSeconds);
      // Cooldowns must not trap a fleet outside its bounds.
      return finish(current, direction === 'up' ? 'ScaleUpCooldown' : 'ScaleDownCooldown');
    }
  }

  const percentStep = direction === 'up' ? Math.ceil((current * policy.maxPercentPerStep) / 100) : Math.floor((current * policy.maxPercentPerStep) / 100);
  const step = Math.max(policy.maxInstancesPerStep, percentStep);
  numbers.stepLimit = step;
  if (Math.abs(proposal - current) > step) {
    proposal = direction === 'up' ? current + step : current - step;
    reason = direction === 'up' ? (predicted ? 'ScaleUpPredictedLimited' : 'ScaleUpLimited') : 'ScaleDownLimited';
  }
  return finish(proposal, reason);
}

function clamp(proposal: number, reason: ReasonCode, numbers: DecisionNumbers): Decision {
  const { min, max, current } = numbers;
  let desired = proposal;
  let finalReason = reason;
  if (proposal > max) {
    desired = max;
    finalReason = current > max ? 'AboveMax' : 'AtMax';
  } else if (proposal < min) {
    desired = min;
    finalReason = current < min ? 'BelowMin' : 'AtMin';
  }
  numbers.desired = desired;
  return { desired, reason: finalReason, numbers };
}

function findLastIndex<T>(items: readonly T[], predicate: (item: T) => boolean): number {
  for (let i = items.length - 1; i >= 0; i--) if (predicate(items[i] as T)) return i;
  return -1;
}

function round(value: number): number {
  return Number.isFinite(value) ? Math.round(value * 1000) / 1000 : value;
}
