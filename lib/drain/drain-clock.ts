import type { InstanceLoad } from '../fleet/instance-load.js';

/** The figures every drain decision reports, the Auto Scaling group's and the Kubernetes node's alike. */
export interface DrainClockNumbers {
  /** Seconds since the drain began; undefined before it has. */
  drainSeconds?: number;
  secondsToDeadline?: number;
  gracePeriodSeconds: number;
  activeStreams?: number;
  activeRequests?: number;
  /** Age of the load datapoint's period start. */
  dataAgeSeconds?: number;
}

/**
 * A drain's deadline is its start plus the grace period, and nothing moves it: one rule for
 * both drains (decide.ts, node-drain.ts), so the two cannot disagree on when a grace ends.
 */
export function graceOver(startMs: number | undefined, gracePeriodSeconds: number, atMs: number): boolean {
  return startMs !== undefined && atMs >= startMs + gracePeriodSeconds * 1000;
}

export function drainClockNumbers(startMs: number | undefined, gracePeriodSeconds: number, nowMs: number, load: InstanceLoad | undefined): DrainClockNumbers {
  return {
    drainSeconds: startMs === undefined ? undefined : seconds(nowMs - startMs),
    secondsToDeadline: startMs === undefined ? undefined : seconds(startMs + gracePeriodSeconds * 1000 - nowMs),
    gracePeriodSeconds,
    activeStreams: load?.activeStreams,
    activeRequests: load?.activeRequests,
    dataAgeSeconds: load?.at ? seconds(nowMs - load.at.getTime()) : undefined,
  };
}

function seconds(ms: number): number {
  return Math.round(ms / 1000);
}
