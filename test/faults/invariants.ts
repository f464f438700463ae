import type { Release, WaitEntry } from '../../sim/index.js';

/**
 * The invariants of issue #8, as pure functions over what a run recorded. Each returns
 * the violations it finds (empty = holds), so a table of scenarios can count them.
 */

export type InvariantId = 'A' | 'B' | 'C' | 'D' | 'E' | 'F';

export const INVARIANTS: Record<InvariantId, string> = {
  A: 'no scale-in decided on missing or faulty data',
  B: 'min <= desired <= max at every tick for every group',
  C: 'no instance released while it served requests before its grace deadline',
  D: 'every instance that entered Terminating:Wait was released',
  E: "one fleet's faults never changed another fleet's decisions",
  F: 'no scale-in inside the scale-down cooldown of the one before it',
};

export interface Violation {
  invariant: InvariantId;
  minute: number;
  subject: string;
  detail: string;
}

/** One fleet's scale decision at one tick, with what the harness knows about its data. */
export interface DecisionRecord {
  minute: number;
  fleet: string;
  current: number;
  desired: number;
  reason: string;
  /** The load the decision saw, all kinds (undefined: none known). */
  load?: number;
  /** The count the tick left the group at (undefined: it wrote nothing). */
  written?: number;
  /** The data behind the decision was damaged: the read failed, the answer was rewritten, or injected metric faults touch the scale-down window. */
  dataFaulty: boolean;
}

/** A group's desired count as the cloud held it at a tick, and the bounds it must keep. */
export interface GroupRecord {
  minute: number;
  group: string;
  desired: number;
  min: number;
  max: number;
}

export function checkNoScaleInOnFaultyData(decisions: readonly DecisionRecord[]): Violation[] {
  return decisions
    .filter((d) => d.desired < d.current && d.dataFaulty)
    .map((d) => ({ invariant: 'A', minute: d.minute, subject: d.fleet, detail: `scale-in ${d.current} -> ${d.desired} (${d.reason}) on faulty data` }));
}

export function checkBounds(groups: readonly GroupRecord[]): Violation[] {
  return groups
    .filter((g) => g.desired < g.min || g.desired > g.max)
    .map((g) => ({ invariant: 'B', minute: g.minute, subject: g.group, detail: `desired ${g.desired} outside [${g.min}, ${g.max}]` }));
}

export interface ReleaseRules {
  /** Grace period of the fleet an Auto Scaling group belongs to, in minutes. */
  graceMinutes: (group: string) => number;
  /** Instances the scenario itself released (an operator, a vanished action): not the controller's doing. */
  excused?: ReadonlySet<string>;
}

/**
 * A release that cut requests is allowed only from the grace deadline on. The deadline
 * is counted from the hook wait: the controller's own clock starts at its first command,
 * never earlier, so this deadline is never later than the controller's.
 */
export function checkNoEarlyRelease(releases: readonly Release[], rules: ReleaseRules): Violation[] {
  const out: Violation[] = [];
  for (const r of releases) {
    if (r.requestsCut === 0 || rules.excused?.has(r.instanceId)) continue;
    if (r.waitMinute === undefined) {
      out.push({ invariant: 'C', minute: r.minute, subject: r.instanceId, detail: `terminated without a drain (${r.cause}) with ${r.requestsCut} requests` });
      continue;
    }
    const deadline = r.waitMinute + rules.graceMinutes(r.group);
    if (r.minute < deadline) {
      out.push({ invariant: 'C', minute: r.minute, subject: r.instanceId, detail: `released (${r.cause}) with ${r.requestsCut} requests at ${r.minute}, before its deadline ${deadline} (waiting since ${r.waitMinute})` });
    }
  }
  return out;
}

export function checkEveryWaitReleased(waits: readonly WaitEntry[], releases: readonly Release[], endMinute: number): Violation[] {
  const released = new Set(releases.map((r) => r.instanceId));
  return waits
    .filter((w) => !released.has(w.instanceId))
    .map((w) => ({ invariant: 'D', minute: endMinute, subject: w.instanceId, detail: `entered Terminating:Wait at ${w.minute} in ${w.group}, still not released at ${endMinute}` }));
}

/**
 * The healthy fleets' decisions must match a fault-free run with the same seed, tick for
 * tick: the counts they saw and decided and what they wrote. Reasons are not compared:
 * two reasons can name the same decision (a hold inside tolerance and a hold in cooldown)
 * and the cooldown's remaining seconds can differ by when a fault delayed a write.
 */
export function checkIsolation(faulty: readonly DecisionRecord[], baseline: readonly DecisionRecord[], healthy: readonly string[]): Violation[] {
  const out: Violation[] = [];
  for (const fleet of healthy) {
    const series = (records: readonly DecisionRecord[]) => new Map(records.filter((r) => r.fleet === fleet).map((r) => [r.minute, r]));
    const mine = series(faulty);
    const theirs = series(baseline);
    const minutes = [...new Set([...mine.keys(), ...theirs.keys()])].sort((a, b) => a - b);
    for (const minute of minutes) {
      const a = mine.get(minute);
      const b = theirs.get(minute);
      if (a?.current !== b?.current || a?.desired !== b?.desired || a?.written !== b?.written) {
        const show = (r: DecisionRecord | undefined) => (r ? `${r.current} -> ${r.desired}${r.written === undefined ? '' : `, wrote ${r.written}`} (${r.reason})` : 'no decision');
        out.push({ invariant: 'E', minute, subject: fleet, detail: `decided ${show(a)}, fault-free run decided ${show(b)}` });
        // The first divergence is the finding; everything after it follows from it.
        break;
      }
    }
  }
  return out;
}

/**
 * Two drops of a group's desired count closer than the cooldown. Several victims of one
 * tick leave in the same minute, so only drops in different minutes count.
 */
export function checkScaleInCooldown(groups: readonly GroupRecord[], cooldownMinutes: number): Violation[] {
  const out: Violation[] = [];
  const last = new Map<string, { minute: number; desired: number }>();
  const lastDrop = new Map<string, number>();
  for (const g of groups) {
    const before = last.get(g.group);
    last.set(g.group, { minute: g.minute, desired: g.desired });
    if (!before || g.desired >= before.desired) continue;
    const previous = lastDrop.get(g.group);
    if (previous !== undefined && g.minute !== previous && g.minute - previous < cooldownMinutes) {
      out.push({ invariant: 'F', minute: g.minute, subject: g.group, detail: `scale-in to ${g.desired} at ${g.minute}, ${g.minute - previous} minute(s) after the one at ${previous} (cooldown ${cooldownMinutes})` });
    }
    lastDrop.set(g.group, g.minute);
  }
  return out;
}
