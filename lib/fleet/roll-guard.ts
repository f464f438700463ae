import { MarkerError, readMarker, REDEPLOY_TAG } from './roll-marker.js';

/**
 * How long past its window's end the scaler still honours a rolling marker: the roll is
 * cancelled at the window's end and settled on the next redeploy tick; this covers a
 * late tick. After it a forgotten marker can no longer pin the fleet.
 */
export const ROLL_GUARD_GRACE_MS = 15 * 60_000;

export interface RollGuardRead {
  /** A roll owns the group now: the scaler never scales it in. */
  inProgress: boolean;
  /** The marker was not taken at its word (it does not parse, or its times cannot be true): it owns nothing. */
  problem?: MarkerError['code'];
  /** What is wrong with it: field, rule and value. */
  detail?: string;
}

/**
 * Whether the group's tags say a roll owns it now. A marker that does not parse, or whose
 * times cannot be true at `latest` (readMarker), owns nothing and says why; the redeploy
 * tick refuses it the same way.
 */
export function readRollGuard(tags: Record<string, string>, now: Date, latest: Date = now): RollGuardRead {
  let marker;
  try {
    marker = readMarker(tags[REDEPLOY_TAG], latest);
  } catch (error) {
    if (!(error instanceof MarkerError)) throw error;
    return { inProgress: false, problem: error.code, detail: error.message };
  }
  return { inProgress: marker?.phase === 'rolling' && now.getTime() < marker.until.getTime() + ROLL_GUARD_GRACE_MS };
}
