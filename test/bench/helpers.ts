import { rates, syntheticTraffic } from '../../lib/sim/traffic.js';
import type { BenchTraffic } from '../../lib/bench/run.js';

/** A fixed Monday midnight: minute 0 of the short scenarios. */
export const START = new Date('2026-03-02T00:00:00Z');

/**
 * Six hours: quiet, a ramp from 5 to 300 arrivals a minute over an hour, two hours flat,
 * then down to 10: every kind of move a day has, in seconds of test time.
 */
export function shortDay(seed = 1): BenchTraffic {
  const up = rates.ramp(5, 300, 60, 120);
  const down = rates.ramp(300, 10, 240, 270);
  const traffic = syntheticTraffic({ rate: (m) => (m < 240 ? up(m) : down(m)), seed });
  return { start: START, minutes: 360, arrivals: (m) => traffic.arrivals(m) };
}
