import type { RollGuardRead } from '../fleet/roll-guard.js';
import type { Decision } from './decide.js';

/**
 * The scaler's decision while a roll runs. The refresh holds surge instances above
 * desired capacity and retires old ones itself: a scale-in now would terminate warm
 * replacements and move the refresh's healthy floor under it (HPA's lock-in of surge
 * pods is the mirror failure). So: never below the current desired count, reason
 * RedeployInProgress; a scale-out the traffic needs passes unchanged. The decision
 * reads desired capacity, not live instances, so surge instances never count as spare.
 */
export function guardDuringRoll(decision: Decision, roll: RollGuardRead): Decision {
  const current = decision.numbers.current;
  const numbers = roll.problem ? { ...decision.numbers, rollMarkerProblem: roll.problem } : decision.numbers;
  if (decision.desired >= current || !roll.inProgress) return { ...decision, numbers };
  return { desired: current, reason: 'RedeployInProgress', numbers: { ...numbers, desired: current } };
}
