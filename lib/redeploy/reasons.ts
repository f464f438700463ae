/**
 * Why a redeploy tick did what it did. Stable identifiers: logs, metrics (dimension
 * Reason) and the dashboard group by them.
 */
export const REDEPLOY_REASONS = {
  Disabled: 'redeploy is not enabled for this fleet',
  OutsideWindow: 'no redeploy window is open',
  DoneTonight: "tonight's roll has already finished (or was closed as skipped)",
  EmptyFleet: 'the fleet has no instances to replace',
  Busy: 'utilisation is above busyUtilization: retry later in the window',
  MissingData: 'no complete metric period: missing data means do not start',
  StaleData: 'the newest datapoint is too old: do not start on stale data',
  PartialData: 'fewer instances reported than serve: the load is unknown, do not start',
  ScaleOutWarming: 'the scaler added instances less than their warm-up ago: an instance refresh would replace them first and take that capacity away; retry later in the window',
  NoDrainHook: 'the group has no termination lifecycle hook yet: old instances would leave without draining (the drain schedule puts it)',
  GroupBusy: 'someone else is changing the group (EKS update in progress)',
  RollInProgressByOther: 'an instance refresh the controller did not start is running',
  WouldOverrunWindow: 'the roll would not finish before the window closes',
  NoSurgeRoom: 'EKS: desired is at the maximum, so no node can be added ahead of a segment: the roll does not start (maxSize is not raised)',
  QuietWindow: 'the window is open and the fleet is quiet: the roll starts',
  RollInProgress: 'the roll is running and making progress',
  StartPending: 'the roll was started; its instance refresh is not visible yet',
  Cancelling: 'the roll is being cancelled',
  Stalled: 'no instance was replaced for stallMinutes: the roll is stopped and pages',
  WindowOverrun: 'the window closed with the roll still running: it is stopped and pages',
  ProjectedOverrun: 'at the pace so far the roll would end after the window: it is stopped and pages',
  RollSucceeded: 'every instance was replaced; the fleet returns to its baseline',
  RollCancelled: 'the roll was cancelled; what was replaced stays, the fleet returns to its baseline',
  RollFailed: 'the instance refresh failed; the fleet returns to its baseline and pages',
  StartNotConfirmed: 'the roll was marked started but no instance refresh appeared: treated as failed',
  SettleDeferred: 'EKS: the roll is over but a node group update is in flight: the baseline is applied next tick',
  WindowEndedSkipped: 'the window closed without a roll: recorded as skipped',
} as const;

export type RedeployReason = keyof typeof REDEPLOY_REASONS;

/** Why a running EKS roll took the step it took (lib/redeploy/eks-roll.ts). */
export const EKS_STEP_REASONS = {
  SegmentRaised: 'no segment outstanding: desired raised by one segment, new nodes first',
  SegmentRetired: "the segment's new nodes serve: as many old nodes leave through the drain hook",
  SurgeLaunching: 'waiting for the new nodes to launch and serve for the warm-up',
  NodegroupUpdating: 'a node group update is in flight: no change this tick',
  NoSurgeRoom: 'desired is at the maximum: no room to add a node ahead of the next segment',
  LaunchTimeUnknown: 'EC2 did not report the launch time of a node: it could be old or new, so nothing changes',
  SegmentsDone: 'no old node is left to replace',
} as const;

export type EksStepReason = keyof typeof EKS_STEP_REASONS;
