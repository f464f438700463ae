export interface QueryWindow {
  start: Date;
  end: Date;
  periodSeconds: number;
}

/**
 * The GetMetricData window for a tick at `now`: `lookbackPeriods` whole periods, aligned
 * to period boundaries (CloudWatch answers aligned windows faster and buckets them
 * predictably), ending at the start of the still-filling period so that a half-filled
 * period never reads as a drop in load.
 */
export function queryWindow(now: Date, periodSeconds: number, lookbackPeriods: number): QueryWindow {
  const periodMs = periodSeconds * 1000;
  const endMs = Math.floor(now.getTime() / periodMs) * periodMs;
  return { start: new Date(endMs - lookbackPeriods * periodMs), end: new Date(endMs), periodSeconds };
}

/** Periods the decision needs: the longer stabilisation window plus the staleness allowance. */
export function lookbackPeriodsFor(maxWindowSeconds: number, staleAfterSeconds: number, periodSeconds: number): number {
  return Math.max(1, Math.ceil((maxWindowSeconds + staleAfterSeconds) / periodSeconds) + 1);
}
