import type { SimulationTotals } from '../sim/figures.js';
import type { TrafficSource } from '../sim/traffic.js';
import type { PolicyName } from './scenario.js';

const DAY_MINUTES = 1440;

/** What the fleet ran before it adopted the controller (bench/scenario.ts: SCENARIO.md's reference). */
export const HISTORY_POLICY: PolicyName = 'target-tracking';
/** Four weeks: as much weekly history as the forecast reads (lib/predict: 29 days kept). */
export const MAX_HISTORY_DAYS = 28;

export class AdoptionError extends Error {
  override readonly name = 'AdoptionError';
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}

/**
 * Where the history's demand is read from by default, in whole weeks from the scored
 * window's start: the first whole weeks after the scored window, so each history day is a
 * real day of the trace on the same weekday as the day it stands for, and none repeats a
 * scored day (a copy of the first scored week would hand the forecast that week's answers).
 */
export function historySourceDays(days: number, historyDays: number): number {
  return 7 * Math.ceil((days + historyDays) / 7);
}

/**
 * The first whole weeks after the scored window (historySourceDays, then a week later at a
 * time) whose `historyDays` days are open and closed as the same weekdays of the first
 * scored week are (`open(day)`: the trace has calls that day). A week with a closed
 * weekday the fleet is open on (a holiday, a gap in the trace) would teach the forecast a
 * closure that never comes. Undefined when no such weeks end by `lastDay`.
 */
export function chooseHistorySource(open: (day: number) => boolean, days: number, historyDays: number, lastDay: number): number | undefined {
  for (let source = historySourceDays(days, historyDays); source - 1 <= lastDay; source += 7) {
    let alike = true;
    for (let k = 1; k <= historyDays && alike; k++) alike = open(source - k) === open((((-k) % 7) + 7) % 7);
    if (alike) return source;
  }
  return undefined;
}

/**
 * The traffic of a fleet adopting the controller: `historyDays` whole days before the
 * scored window, then the scored window itself. The scored minutes ask `source` for the
 * very minutes the cold-start run asks for (same arrivals, same seeded lengths); history
 * minute k before adoption asks for the minute k before `sourceDays` (historySourceDays).
 * Minute 0 of the result is `historyDays` before `scoredStart`.
 */
export function adoptionTraffic(source: TrafficSource, scoredStart: Date, scoredMinutes: number, historyDays: number, sourceDays: number): TrafficSource & { start: Date; minutes: number } {
  if (!Number.isInteger(historyDays) || historyDays < 0 || historyDays > MAX_HISTORY_DAYS) throw new AdoptionError(`historyDays must be a whole number from 0 to ${MAX_HISTORY_DAYS}, got ${historyDays}`);
  if (sourceDays * DAY_MINUTES < scoredMinutes + historyDays * DAY_MINUTES || sourceDays % 7 !== 0) {
    throw new AdoptionError(`the history's source must start whole weeks after the scored window's start and after its ${scoredMinutes} minutes, got ${sourceDays} days`);
  }
  const history = historyDays * DAY_MINUTES;
  const shift = sourceDays * DAY_MINUTES - history;
  return {
    start: new Date(scoredStart.getTime() - history * 60_000),
    minutes: history + scoredMinutes,
    arrivals: (minute) => source.arrivals(minute < history ? minute + shift : minute - history),
  };
}

/**
 * The figures of the scored window alone: what the cloud counted by its end less what it
 * had counted at adoption (`before`, after `historyDays` whole days). Per-day figures drop
 * the history's days; GPU-hours come from the scored days' whole instance-minutes, so a
 * scored window equal to a cold-start run's gives the same numbers to the last digit.
 */
export function totalsSince(end: SimulationTotals, before: SimulationTotals, historyDays: number): SimulationTotals {
  const days = <T>(values: T[]) => values.slice(historyDays);
  const billed = days(end.billedInstanceMinutesByDay);
  const oracle = days(end.oracleInstanceMinutesByDay);
  return {
    minutes: end.minutes - before.minutes,
    gpuHours: sum(billed) / 60,
    oracleGpuHours: sum(oracle) / 60,
    overCapacityStreamMinutes: end.overCapacityStreamMinutes - before.overCapacityStreamMinutes,
    streamMinutes: end.streamMinutes - before.streamMinutes,
    servedStreamMinutes: end.servedStreamMinutes - before.servedStreamMinutes,
    arrivals: end.arrivals - before.arrivals,
    rejected: end.rejected - before.rejected,
    streamsCut: end.streamsCut - before.streamsCut,
    streamsCutAtGrace: end.streamsCutAtGrace - before.streamsCutAtGrace,
    streamsCutByCause: {
      'lifecycle-complete': end.streamsCutByCause['lifecycle-complete'] - before.streamsCutByCause['lifecycle-complete'],
      'hook-timeout': end.streamsCutByCause['hook-timeout'] - before.streamsCutByCause['hook-timeout'],
      'no-hook': end.streamsCutByCause['no-hook'] - before.streamsCutByCause['no-hook'],
      'pod-grace': end.streamsCutByCause['pod-grace'] - before.streamsCutByCause['pod-grace'],
    },
    scaleActions: end.scaleActions - before.scaleActions,
    reversals: end.reversals - before.reversals,
    drainingInstanceMinutes: end.drainingInstanceMinutes - before.drainingInstanceMinutes,
    bootingInstanceMinutes: end.bootingInstanceMinutes - before.bootingInstanceMinutes,
    servingInstanceMinutes: end.servingInstanceMinutes - before.servingInstanceMinutes,
    overCapacityStreamMinutesByDay: days(end.overCapacityStreamMinutesByDay),
    streamMinutesByDay: days(end.streamMinutesByDay),
    billedInstanceMinutesByDay: billed,
    oracleInstanceMinutesByDay: oracle,
  };
}

function sum(values: readonly number[]): number {
  return values.reduce((a, b) => a + b, 0);
}
