import { coldStartFloor } from './cold-start.js';
import type { BenchResult } from './run.js';

/** The figures SCENARIO.md asks for, plus what explains them. */
export interface BenchSummary {
  policy: string;
  days: number;
  /** Days the fleet ran under target tracking before adopting `policy`, none of them scored (0: a new fleet). */
  historyDays: number;
  /** The traffic's days the history replayed, on the same weekdays (bench/adoption.ts); absent without history. */
  historyReadFrom?: string;
  handlers: string[];
  gpuHours: number;
  oracleGpuHours: number;
  gpuHoursOverOracle: number;
  overCapacityStreamMinutes: number;
  streamMinutes: number;
  overCapacityPercent: number;
  scaleActions: number;
  reversals: number;
  streamsCutAtGrace: number;
  streamsCut: number;
  rejectedStreams: number;
  drainingGpuHours: number;
  /** Billed from launch until serving. */
  bootingGpuHours: number;
  /**
   * Where the GPU-hours above the oracle go, in percent of the oracle: booting, draining,
   * and serving above the per-minute need (headroom, scale-in lag, whole instances).
   */
  aboveOracle: { bootingPercent: number; drainingPercent: number; servingAboveNeedPercent: number };
  /**
   * Over-capacity of the first simulated day (the fleet has no history yet: its first
   * opening cannot be foreseen) and of the days after it, each in percent of that span's
   * stream-minutes.
   */
  overCapacityPercentFirstDay: number;
  overCapacityPercentAfterFirstDay: number;
  /**
   * Over-capacity stream-minutes no online controller could have avoided: the first opening
   * of a fleet with no history, before an instance launched at its first stream could serve
   * (cold-start.ts). What remains, in percent of all stream-minutes, is the controller's own.
   */
  coldStartFloorStreamMinutes: number;
  overCapacityPercentBeyondColdStart: number;
  /** Each whole or partial week of the run (days 1-7, 8-14, ...): a fleet's first week has no weekly pattern yet. */
  weeks: Array<{ days: string; gpuHoursOverOracle: number; overCapacityPercent: number }>;
  drains: number;
  meanDrainMinutes?: number;
  handlerErrors: number;
  scaleTickMs: number;
  wallMs: number;
}

export function summarize(result: BenchResult): BenchSummary {
  const t = result.totals;
  const drains = result.drainSeconds.length;
  const historyDays = result.options.historyDays ?? 0;
  // A fleet whose history carried load foresees its first opening from what CloudWatch
  // holds; days without a stream (a closed weekend) leave it as new as a cold start.
  const floor = (result.history?.totals.streamMinutes ?? 0) > 0 ? 0 : coldStartFloor(result.recorder.columns.demand, result.recorder.length, result.options);
  return {
    policy: result.options.policy,
    days: result.options.days,
    historyDays,
    ...(result.history ? { historyReadFrom: `${day(result.history.readFrom.first)} to ${day(result.history.readFrom.last)}` } : {}),
    handlers: result.handlers,
    gpuHours: round(t.gpuHours, 2),
    oracleGpuHours: round(t.oracleGpuHours, 2),
    gpuHoursOverOracle: overOracle(t.gpuHours, t.oracleGpuHours),
    overCapacityStreamMinutes: t.overCapacityStreamMinutes,
    streamMinutes: t.streamMinutes,
    overCapacityPercent: percentOf(t.overCapacityStreamMinutes, t.streamMinutes, 4),
    scaleActions: t.scaleActions,
    reversals: t.reversals,
    streamsCutAtGrace: t.streamsCutAtGrace,
    streamsCut: t.streamsCut,
    rejectedStreams: t.rejected,
    drainingGpuHours: round(t.drainingInstanceMinutes / 60, 2),
    bootingGpuHours: round(t.bootingInstanceMinutes / 60, 2),
    aboveOracle: {
      bootingPercent: percentOf(t.bootingInstanceMinutes / 60, t.oracleGpuHours),
      drainingPercent: percentOf(t.drainingInstanceMinutes / 60, t.oracleGpuHours),
      servingAboveNeedPercent: percentOf(t.servingInstanceMinutes / 60 - t.oracleGpuHours, t.oracleGpuHours),
    },
    overCapacityPercentFirstDay: percentOf(t.overCapacityStreamMinutesByDay[0] ?? 0, t.streamMinutesByDay[0] ?? 0, 4),
    overCapacityPercentAfterFirstDay: percentOf(sum(t.overCapacityStreamMinutesByDay.slice(1)), sum(t.streamMinutesByDay.slice(1)), 4),
    coldStartFloorStreamMinutes: floor,
    overCapacityPercentBeyondColdStart: percentOf(Math.max(0, t.overCapacityStreamMinutes - floor), t.streamMinutes, 4),
    weeks: weeksOf(t),
    drains,
    meanDrainMinutes: drains > 0 ? round(result.drainSeconds.reduce((a, b) => a + b, 0) / drains / 60, 1) : undefined,
    handlerErrors: result.handlerErrors,
    scaleTickMs: round(result.ticks > 0 ? result.scaleTickMs / result.ticks : 0, 3),
    wallMs: Math.round(result.wallMs),
  };
}

export function renderSummary(s: BenchSummary): string {
  return [
    `policy ${s.policy}, ${s.days} day(s)${s.historyDays > 0 ? ` after ${s.historyDays} unscored day(s) of target tracking (the traffic of ${s.historyReadFrom})` : ''}, handlers: ${s.handlers.join(', ')}`,
    `GPU-hours            ${s.gpuHours} (oracle ${s.oracleGpuHours}): ${s.gpuHoursOverOracle} x oracle`,
    `over capacity        ${s.overCapacityStreamMinutes} of ${s.streamMinutes} stream-minutes: ${s.overCapacityPercent} %`,
    `scale actions        ${s.scaleActions}, reversals ${s.reversals}`,
    `streams cut at grace ${s.streamsCutAtGrace} (all cuts ${s.streamsCut}); rejected ${s.rejectedStreams}`,
    `over capacity, day 1 ${s.overCapacityPercentFirstDay} % (${s.historyDays > 0 ? `${s.historyDays} day(s) of history` : 'no history yet'}); after it ${s.overCapacityPercentAfterFirstDay} %`,
    s.historyDays > 0 && s.coldStartFloorStreamMinutes === 0
      ? `cold-start floor     0 (the fleet had history); beyond it ${s.overCapacityPercentBeyondColdStart} %`
      : `cold-start floor     ${s.coldStartFloorStreamMinutes} stream-minutes no controller could avoid (the first opening, before a launch could serve); beyond it ${s.overCapacityPercentBeyondColdStart} %`,
    `draining             ${s.drainingGpuHours} GPU-hours over ${s.drains} drains (mean ${s.meanDrainMinutes ?? '-'} min)`,
    `by week              ${s.weeks.map((w) => `days ${w.days}: ${w.gpuHoursOverOracle} x, ${w.overCapacityPercent} %`).join('; ')}`,
    `above the oracle     booting ${s.aboveOracle.bootingPercent} %, draining ${s.aboveOracle.drainingPercent} %, serving above the need ${s.aboveOracle.servingAboveNeedPercent} % (of the oracle)`,
    `handler errors       ${s.handlerErrors}; scale tick ${s.scaleTickMs} ms; simulation ${(s.wallMs / 1000).toFixed(1)} s`,
  ].join('\n');
}

function weeksOf(t: BenchResult['totals']): BenchSummary['weeks'] {
  const out: BenchSummary['weeks'] = [];
  for (let first = 0; first < t.billedInstanceMinutesByDay.length; first += 7) {
    const span = (days: readonly number[]) => sum(days.slice(first, first + 7));
    out.push({
      days: `${first + 1}-${Math.min(first + 7, t.billedInstanceMinutesByDay.length)}`,
      gpuHoursOverOracle: overOracle(span(t.billedInstanceMinutesByDay), span(t.oracleInstanceMinutesByDay)),
      overCapacityPercent: percentOf(span(t.overCapacityStreamMinutesByDay), span(t.streamMinutesByDay), 4),
    });
  }
  return out;
}

/** Billed over the oracle, to 4 places; NaN without an oracle (nothing to compare with). */
function overOracle(billed: number, oracle: number): number {
  return oracle > 0 ? round(billed / oracle, 4) : Number.NaN;
}

/** 100 x part / whole, rounded; 0 when the whole is 0 (nothing to be a share of). */
function percentOf(part: number, whole: number, digits = 2): number {
  return whole > 0 ? round((100 * part) / whole, digits) : 0;
}

function day(time: Date): string {
  return time.toISOString().slice(0, 10);
}

function sum(values: readonly number[]): number {
  return values.reduce((a, b) => a + b, 0);
}

function round(value: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}
