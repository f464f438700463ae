import { parseMarker, REDEPLOY_TAG } from './roll-marker.js';

/**
 * How long past its window's end the scaler still honours a rolling marker: the roll is
 * cancelled at the window's end and settled on the next redeploy tick; this covers a
 * late tick. After it a forgotten marker can no longer pin the fleet.
 */
export const ROLL_GUARD_GRACE_MS = 15 * 60_000;

/** Whether the group's tags say a roll owns it now. A marker that does not parse owns nothing (the redeploy tick reports it). */
export function rollInProgress(tags: Record<string, string>, now: Date): boolean {
  let marker;
  try {
    marker = parseMarker(tags[REDEPLOY_TAG]);
  } catch {
    return false;
  }
  return marker?.phase === 'rolling' && now.getTime() < marker.until.getTime() + ROLL_GUARD_GRACE_MS;
}
