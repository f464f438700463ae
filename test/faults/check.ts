import { GRACE_MINUTES, SCALE_DOWN_COOLDOWN_MINUTES, type RunRecord } from './harness.js';
import { checkBounds, checkEveryWaitReleased, checkIsolation, checkNoEarlyRelease, checkNoScaleInOnFaultyData, checkScaleInCooldown, type InvariantId, type Violation } from './invariants.js';

export interface ScenarioReport {
  scenario: string;
  checked: InvariantId[];
  violations: Violation[];
  /** Numbers that show the faults bit: calls failed, decisions on damaged data, kills. */
  faultHits: number;
  faultyDecisions: number;
  kills: number;
  releases: number;
  /** Anything showing the scenario's faults reached the controller (a scenario whose faults never bit proves nothing). */
  evidence: number;
}

/** Every invariant over one run; E only when some fleet was spared the faults. */
export function checkRun(run: RunRecord, baseline: RunRecord, touches: readonly string[] | 'all'): ScenarioReport {
  const history = run.cloud.history;
  const healthy = touches === 'all' ? [] : run.world.fleets.map((f) => f.name).filter((f) => !touches.includes(f));
  const checked: InvariantId[] = ['A', 'B', 'C', 'D', ...(healthy.length > 0 ? (['E'] as const) : []), 'F'];
  const violations = [
    ...checkNoScaleInOnFaultyData(run.decisions),
    ...checkBounds(run.groups),
    ...checkNoEarlyRelease(history.releases, { graceMinutes: () => GRACE_MINUTES, excused: run.world.excused }),
    ...checkEveryWaitReleased(history.waits, history.releases, run.endMinute),
    ...checkIsolation(run.decisions, baseline.decisions, healthy),
    ...checkScaleInCooldown(run.groups, SCALE_DOWN_COOLDOWN_MINUTES),
  ];
  return {
    scenario: run.scenario,
    checked,
    violations,
    faultHits: run.cloud.faults.hits.length,
    faultyDecisions: run.decisions.filter((d) => d.dataFaulty).length,
    kills: run.kills,
    releases: history.releases.length,
    evidence: run.cloud.faults.hits.length + run.cloud.kubernetes.figures.evictionsRefused + run.kills + run.timeouts + run.skewed + run.concurrent + run.world.excused.size + run.decisions.filter((d) => d.dataFaulty).length,
  };
}
