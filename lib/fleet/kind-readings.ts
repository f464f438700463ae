import type { RequestKind } from './engine-metrics.js';

/**
 * One rule, used by scaling and by the drain, for what an instance's per-kind series say
 * in one period. The Engine exposes engine_active_requests{kind} only after its first
 * request of that kind ("some metrics will not be exposed until a request has been
 * submitted of a given type"), and keeps exposing it from then on. So:
 *
 * - a datapoint: the value;
 * - no series at all (ListMetrics, RecentlyActive PT3H, does not list it, and the query
 *   window has no datapoint of it) on an instance whose other series report in this
 *   period: never requested since the Engine started, which is zero;
 * - a series that exists (listed, or seen in the window) with no datapoint in this period,
 *   or any kind of an instance that reports nothing in this period: unknown. Unknown holds:
 *   it never releases a drain early and never shrinks a fleet.
 *
 * ListMetrics may take up to 15 minutes to list a new series, so "seen in the window" must
 * look back further than that (LISTING_LAG_SECONDS): a series that appeared and went silent
 * within the lag is still known to exist.
 */
export type KindState = 'reported' | 'neverRequested' | 'unknown';

export interface KindReading {
  state: KindState;
  /** reported: the value; neverRequested: 0; unknown: undefined. */
  value?: number;
}

/** ListMetrics: "After you create a metric, allow up to 15 minutes for the metric to appear." */
export const LISTING_LAG_SECONDS = 900;

/** Periods a query window must span so that "seen in the window" covers the listing lag. */
export function periodsCoveringListingLag(periodSeconds: number): number {
  return Math.ceil(LISTING_LAG_SECONDS / periodSeconds) + 1;
}

export interface KindEvidence {
  /** The kind's datapoint for this instance and period, if any. */
  value?: number;
  /** ListMetrics lists the instance's series of this kind. */
  listed: boolean;
  /** The query window holds a datapoint of the series, in any period. */
  seenInWindow: boolean;
}

export function readKind(evidence: KindEvidence, instanceReports: boolean): KindReading {
  if (evidence.value !== undefined) return { state: 'reported', value: evidence.value };
  if (instanceReports && !evidence.listed && !evidence.seenInWindow) return { state: 'neverRequested', value: 0 };
  return { state: 'unknown' };
}

export interface InstancePeriodEvidence {
  kinds: Partial<Record<RequestKind, KindEvidence>>;
  /** A series without a kind (engine_max_active_requests, the capacity estimate) has a datapoint in this period. */
  heartbeat: boolean;
}

export interface InstancePeriodReading {
  /** Some series of the instance has a datapoint in this period. */
  reports: boolean;
  kinds: Partial<Record<RequestKind, KindReading>>;
  /** Every kind asked for is known (reported or never requested): the instance's load is whole. */
  complete: boolean;
  /** Sum of the kinds' values when complete. */
  total?: number;
}

/** The reading of one instance in one period, for the kinds asked for. */
export function readInstancePeriod(evidence: InstancePeriodEvidence, kinds: readonly RequestKind[]): InstancePeriodReading {
  let reports = evidence.heartbeat;
  for (let k = 0; k < kinds.length && !reports; k++) reports = evidence.kinds[kinds[k] as RequestKind]?.value !== undefined;
  const readings: Partial<Record<RequestKind, KindReading>> = {};
  let complete = reports;
  let total = 0;
  for (const kind of kinds) {
    const reading = readKind(evidence.kinds[kind] ?? { listed: false, seenInWindow: false }, reports);
    readings[kind] = reading;
    if (reading.state === 'unknown') complete = false;
    else total += reading.value ?? 0;
  }
  return { reports, kinds: readings, complete, total: complete ? total : undefined };
}
