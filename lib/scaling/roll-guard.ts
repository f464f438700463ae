import { rollInProgress } from '../fleet/roll-guard.js';
import type { Decision } from './decide.js';

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
