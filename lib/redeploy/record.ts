import { MetricUnit, type Telemetry } from '../telemetry.js';
import type { RedeployAction } from './decide.js';
import type { EksStep } from './eks-roll.js';
import { EKS_STEP_REASONS, REDEPLOY_REASONS } from './reasons.js';

export const REDEPLOY_METRICS = {
  started: 'RedeployStarted',
  skipped: 'RedeploySkipped',
  finished: 'RedeployFinished',
  replaced: 'RedeployInstancesReplaced',
  left: 'RedeployInstancesLeft',
  segments: 'RedeploySegments',
  duration: 'RedeployDurationMinutes',
  /** 1 when a roll failed, stalled, would overrun or overran: the alarm pages on it. */
  failed: 'RedeployFailed',
  errors: 'RedeployErrors',
  /** 1 per fleet whose night's window closed without a roll, without the Fleet dimension: the skipped-nights alarm counts days that had one. */
  skippedNights: 'RedeploySkippedNights',
} as const;

export interface FleetRedeployOutcome {
  fleet: string;
  dryRun: boolean;
  action?: RedeployAction;
  /** EKS fleets: the roll's segment step this tick (raise, retire or hold, with its numbers). */
  step?: EksStep;
  /** What was done about the action (dry-run changes nothing). */
  applied: string[];
  window?: { start: string; end: string };
  error?: string;
}

/**
 * One structured line per fleet per tick, plus the night's record when a roll starts,
 * finishes or the window closes without one. Paging metrics go out twice: per fleet
 * (dashboard) and without the Fleet dimension (one static alarm for every fleet).
 */
export function recordRedeploy(telemetry: Telemetry, outcome: FleetRedeployOutcome): void {
  const dimensions = { Fleet: outcome.fleet };
  const action = outcome.action;
  const line = {
    fleet: outcome.fleet,
    kind: action?.kind,
    reason: action?.reason,
    explanation: action ? REDEPLOY_REASONS[action.reason] : undefined,
    window: outcome.window,
    dryRun: outcome.dryRun,
    applied: outcome.applied,
    ...(action && 'plan' in action ? { plan: action.plan } : {}),
    ...(action && 'numbers' in action ? { numbers: action.numbers } : {}),
    ...(action && 'progress' in action ? { progress: action.progress } : {}),
    ...(action?.kind === 'settle' ? { outcome: action.outcome, baseline: action.baseline } : {}),
    ...(outcome.step ? { step: { kind: outcome.step.kind, reason: outcome.step.reason, explanation: EKS_STEP_REASONS[outcome.step.reason], numbers: outcome.step.numbers, ...('instanceIds' in outcome.step ? { instanceIds: outcome.step.instanceIds } : {}), ...(outcome.step.kind === 'raise' ? { desired: outcome.step.desired } : {}) } } : {}),
    error: outcome.error,
  };
  const page = (reason: string) => {
    telemetry.metric({ name: REDEPLOY_METRICS.failed, value: 1, unit: MetricUnit.Count, dimensions: { ...dimensions, Reason: reason } });
    telemetry.metric({ name: REDEPLOY_METRICS.failed, value: 1, unit: MetricUnit.Count, dimensions: {} });
  };
  if (outcome.error) {
    telemetry.error('redeploy tick failed for this fleet: other fleets proceed', line);
    telemetry.metric({ name: REDEPLOY_METRICS.errors, value: 1, unit: MetricUnit.Count, dimensions });
    // A roll we cannot watch is as bad as a stalled one.
    if (action && action.kind !== 'idle' && action.kind !== 'skip') page('Error');
    return;
  }
  if (!action) return;
  if (outcome.dryRun && action.kind !== 'idle') {
    telemetry.info('redeploy dry run: nothing changed', line);
    return;
  }
  switch (action.kind) {
    case 'idle':
      return;
    case 'skip':
      telemetry.info('redeploy skipped: retrying later in the window', line);
      telemetry.metric({ name: REDEPLOY_METRICS.skipped, value: 1, unit: MetricUnit.Count, dimensions: { ...dimensions, Reason: action.reason } });
      return;
    case 'start':
      telemetry.info('redeploy record: started', { ...line, record: 'started', segments: action.plan.segments, instances: action.plan.instances });
      telemetry.metric({ name: REDEPLOY_METRICS.started, value: 1, unit: MetricUnit.Count, dimensions });
      telemetry.metric({ name: REDEPLOY_METRICS.segments, value: action.plan.segments, unit: MetricUnit.Count, dimensions });
      return;
    case 'wait':
      telemetry.info('redeploy in progress', line);
      if (action.progress.left !== undefined) telemetry.metric({ name: REDEPLOY_METRICS.left, value: action.progress.left, unit: MetricUnit.Count, dimensions });
      return;
    case 'stop':
      telemetry.error('redeploy stopped: cancelling the instance refresh and paging', line);
      page(action.reason);
      return;
    case 'settle':
      (action.page ? telemetry.error : telemetry.info).call(telemetry, 'redeploy record: finished', {
        ...line,
        record: 'finished',
        instancesReplaced: action.progress.replaced ?? 0,
        durationMinutes: action.progress.elapsedMinutes,
      });
      telemetry.metric({ name: REDEPLOY_METRICS.finished, value: 1, unit: MetricUnit.Count, dimensions: { ...dimensions, Outcome: action.outcome } });
      telemetry.metric({ name: REDEPLOY_METRICS.replaced, value: action.progress.replaced ?? 0, unit: MetricUnit.Count, dimensions });
      if (action.progress.elapsedMinutes !== undefined) telemetry.metric({ name: REDEPLOY_METRICS.duration, value: action.progress.elapsedMinutes, unit: MetricUnit.Count, dimensions });
      if (action.page) page(action.reason);
      return;
    case 'close':
      telemetry.warn('redeploy record: skipped tonight', { ...line, record: 'skipped', skippedBecause: action.skippedBecause });
      telemetry.metric({ name: REDEPLOY_METRICS.finished, value: 1, unit: MetricUnit.Count, dimensions: { ...dimensions, Outcome: 'Skipped' } });
      telemetry.metric({ name: REDEPLOY_METRICS.skippedNights, value: 1, unit: MetricUnit.Count, dimensions: {} });
      return;
  }
}
