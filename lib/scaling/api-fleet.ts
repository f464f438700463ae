import type { FleetConfig } from '../config/schema.js';

type ApiFleet = NonNullable<FleetConfig['api']>;

export interface ApiDecision {
  desired: number;
  /**
   * FollowsEngine: one API instance per `ratio` Engine instances, rounded up.
   * ApiMinimum / ApiMaximum: that count was outside the API fleet's bounds (its own
   * min/max, within its group's) and was clamped.
   */
  reason: 'FollowsEngine' | 'ApiMinimum' | 'ApiMaximum';
  numbers: { engineDesired: number; ratio: number; needed: number; min: number; max: number };
}

/**
 * The API fleet's size follows the Engine fleet's: a pure function of the Engine count the
 * scaler decided (or left it at) and the API group's bounds.
 */
export function decideApiFleet(api: ApiFleet, engineDesired: number, group: { min: number; max: number }): ApiDecision {
  const max = Math.min(api.maxInstances, group.max);
  const min = Math.min(Math.max(api.minInstances, group.min), max);
  const needed = Math.ceil(engineDesired / api.ratio);
  const numbers = { engineDesired, ratio: api.ratio, needed, min, max };
  if (needed > max) return { desired: max, reason: 'ApiMaximum', numbers };
  if (needed < min) return { desired: min, reason: 'ApiMinimum', numbers };
  return { desired: needed, reason: 'FollowsEngine', numbers };
}
