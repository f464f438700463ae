import type { Decision } from '../scaling/decide.js';
import { parseMarker, REDEPLOY_TAG } from './marker.js';

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

/**
 * The scaler's decision while a roll runs. The refresh holds surge instances above
 * desired capacity and retires old ones itself: a scale-in now would terminate warm
 * replacements and move the refresh's healthy floor under it (HPA's lock-in of surge
 * pods is the mirror failure). So: never below the current desired count, reason
 * RedeployInProgress; a scale-out the traffic needs passes unchanged. The decision
 * reads desired capacity, not live instances, so surge instances never count as spare.
 */
export function guardDuringRoll(decision: Decision, tags: Record<string, string>, now: Date): Decision {
  const current = decision.numbers.current;
  if (decision.desired >= current || !rollInProgress(tags, now)) return decision;
  return { desired: current, reason: 'RedeployInProgress', numbers: { ...decision.numbers, desired: current } };
}
