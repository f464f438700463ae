/**
 * The name of the termination lifecycle hook the drain installs on every managed Auto
 * Scaling group. It lives in the fleet core because the redeploy checks for the same hook
 * before it rolls a group (a roll without it would cut streams).
 */
export const DEFAULT_HOOK_NAME = 'gpu-fleet-scaler-drain';
