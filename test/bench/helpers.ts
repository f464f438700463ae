import { rates, syntheticTraffic, type LengthModel } from '../../sim/traffic.js';
import type { BenchTraffic } from '../../bench/run.js';

/** A fixed Monday midnight: minute 0 of the short scenarios. */
export const START = new Date('2026-03-02T00:00:00Z');

/**
 * Six hours: quiet, a ramp from 5 to 300 arrivals a minute over an hour, two hours flat,
 * then down to 10: every kind of move a day has, in seconds of test time.
 */
export function shortDay(seed = 1, lengths: LengthModel = {}): BenchTraffic {
  const up = rates.ramp(5, 300, 60, 120);
  const down = rates.ramp(300, 10, 240, 270);
  const traffic = syntheticTraffic({ ...lengths, rate: (m) => (m < 240 ? up(m) : down(m)), seed });
  return { start: START, minutes: 360, arrivals: (m) => traffic.arrivals(m) };
}

/** Twelve hours: shortDay's ramp and plateau, then no arrivals from minute 270 (a call centre closing). */
export function closingDay(seed = 1, lengths: LengthModel = {}): BenchTraffic {
  const up = rates.ramp(5, 300, 60, 120);
  const traffic = syntheticTraffic({ ...lengths, rate: (m) => (m < 270 ? up(m) : 0), seed });
  return { start: START, minutes: 720, arrivals: (m) => traffic.arrivals(m) };
}
