/**
 * Why a fleet's desired count is what it is. Every decision carries exactly one; the
 * dashboard and the logs group by it, so codes are stable identifiers, not prose.
 */
export const REASONS = {
  ScaleUp: 'load needs more instances than the fleet has',
  ScaleUpRejectedRequests: 'the Engines are turning requests away (429/503), so capacity is short whatever the active counts say',
  ScaleUpBacklog: 'the declared backlog (numbers.backlog) needs more instances to clear within its target time than the load does (numbers.loadInstances); the larger need wins',
  ScaleUpLimited: 'scale-up capped by the per-tick step limit',
  ScaleUpPredictedLimited: 'the forecast needs more within the boot time; the step limit caps this tick, the rest follows next tick',
  ScaleUpStabilized: 'the latest load needs more, but not every recommendation in the scale-up window agrees yet',
  ScaleUpCooldown: 'a scale-up is due but the fleet scaled too recently',
  ScaleUpPredicted: 'the forecast (numbers.forecastSource: past weeks, past days or the recent trend) needs more within the boot time than the load now; capacity is added ahead of the rise',
  ScaleDown: 'every recommendation in the scale-down window needs fewer instances',
  ScaleDownLimited: 'scale-down capped by the per-tick step limit',
  ScaleDownStabilized: 'the latest load needs fewer, but a recommendation in the scale-down window still needs the current count',
  ScaleDownHeldByForecast: 'the scale-down window needs fewer instances, but the forecast needs the current count within the boot time; numbers carry both',
  ScaleDownToForecast: 'the scale-down window needs fewer instances; the fleet shrinks only to what the forecast needs within the boot time',
  ScaleDownCooldown: 'a scale-down is due but the fleet scaled too recently',
  WithinTolerance: 'load is within the tolerance band of the planned capacity',
  MissingData: 'no metric data in the window: holding, never shrinking on missing data',
  PartialData: 'fewer instances reported than are serving: never shrinking on partial data',
  StaleData: 'the newest datapoint is too old: never shrinking on stale data',
  AtMax: 'the fleet needs more but is at its maximum',
  AtMin: 'the fleet could shrink but is at its minimum',
  BelowMin: 'the fleet is below its minimum and is raised to it',
  AboveMax: 'the fleet is above its maximum and is lowered to it',
  GroupBusy: 'the group is being updated by someone else (EKS update in progress); holding',
  RedeployInProgress: 'a redeploy roll owns the fleet; only scale-out the traffic needs is allowed',
  FollowsEngine: 'API fleet follows the Engine count at its ratio',
} as const;

export type ReasonCode = keyof typeof REASONS;
