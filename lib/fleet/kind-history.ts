/**
 * The kind rule of kind-readings.ts, over a fleet's history. History is read from the
 * fleet-level aggregates (instances came and went over the weeks it spans), so there is no
 * per-instance ListMetrics answer for a past period; what stands in for it:
 *
 * - the fleet's Engines report in a period when engine_max_active_requests, which every
 *   Engine exposes from start-up, has samples in it;
 * - a kind's fleet-level series has a datapoint in a period when some reporting Engine
 *   exposes that kind. None does when none has been asked for it since it started ("some
 *   metrics will not be exposed until a request has been submitted of a given type"): a
 *   fleet before its first request of the kind, or one whose requested Engines have all
 *   left and whose staying Engines have never served that kind;
 * - the series exists, in the sense the live rule reads ListMetrics (RecentlyActive PT3H),
 *   while it had a datapoint within the RECENTLY_ACTIVE_MS before.
 *
 * So a period in which the Engines report, with no datapoint of the kind in it nor in the
 * RECENTLY_ACTIVE_MS before it, is zero load of that kind: the series does not exist. A
 * period without a datapoint within that span after one is a gap in a series that
 * exists, and stays unknown; so does any period in which no Engine reports, and any
 * period whose look-back reaches before what was read.
 */

/** ListMetrics RecentlyActive PT3H, the span lib/fleet/series-presence.ts lists series by. */
export const RECENTLY_ACTIVE_MS = 3 * 3_600_000;

export interface KindHistoryEvidence {
  /** Period starts (ms) in which the kind's fleet-level series has a datapoint, ascending. */
  kindPeriods: readonly number[];
  /** Period starts (ms) in which the fleet's Engines report (engine_max_active_requests samples), ascending. */
  reportingPeriods: readonly number[];
  /** Start (ms) of what was read: nothing is known before it. */
  readFromMs: number;
}

/** The period starts, ascending, in which the kind reads as zero because no reporting Engine exposes it. */
export function neverRequestedPeriods(evidence: KindHistoryEvidence): number[] {
  const { kindPeriods, reportingPeriods, readFromMs } = evidence;
  const out: number[] = [];
  let next = 0;
  let lastSeen: number | undefined;
  for (const at of reportingPeriods) {
    while (next < kindPeriods.length && (kindPeriods[next] as number) <= at) lastSeen = kindPeriods[next++];
    if (lastSeen === at) continue;
    const lookBackFrom = at - RECENTLY_ACTIVE_MS;
    if (lookBackFrom < readFromMs) continue;
    if (lastSeen === undefined || lastSeen < lookBackFrom) out.push(at);
  }
  return out;
}
