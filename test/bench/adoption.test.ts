import { beforeAll, describe, expect, it } from 'vitest';
import { adoptionTraffic, chooseHistorySource, historySourceDays, totalsSince } from '../../bench/adoption.js';
import { coldStartFloor } from '../../bench/cold-start.js';
import { runScenario, type BenchResult, type BenchTraffic } from '../../bench/run.js';
import { STANDARD_SCENARIO, type ScenarioOptions } from '../../bench/scenario.js';
import { summarize } from '../../bench/summary.js';
import { SimFigures, type MinuteRecord } from '../../sim/figures.js';
import { scriptedTraffic, syntheticTraffic } from '../../sim/traffic.js';
import { START } from './helpers.js';

const DAY = 1440;

/**
 * The same day every day: shut until 01:00, then at once 200 arrivals a minute (about
 * 200 x 4.5 = 900 streams, six instances of 150) until 04:00, 20 until 05:00, shut after.
 * The sudden opening is what a fleet without history cannot foresee; the scored window is
 * the first six hours.
 */
function sameEveryDay(): BenchTraffic {
  const traffic = syntheticTraffic({
    rate: (m) => {
      const t = ((m % DAY) + DAY) % DAY;
      return t < 60 ? 0 : t < 240 ? 200 : t < 300 ? 20 : 0;
    },
    seed: 5,
  });
  return { start: START, minutes: 360, arrivals: (m) => traffic.arrivals(m) };
}

const scenario = (historyDays?: number): ScenarioOptions => ({ ...STANDARD_SCENARIO, days: 0.25, ...(historyDays !== undefined ? { historyDays } : {}) });
const column = (result: BenchResult, name: 'demand' | 'minute' | 'billed') => Array.from(result.recorder.columns[name].subarray(0, result.recorder.length));

describe('a fleet adopting the controller after days of target tracking', () => {
  let cold: BenchResult;
  let adopted: BenchResult;
  beforeAll(async () => {
    cold = await runScenario(scenario(), sameEveryDay());
    adopted = await runScenario(scenario(1), sameEveryDay());
  }, 120_000);

  it.each([
    {
      name: 'the history days are not scored: 360 scored minutes from the adoption instant, one scored day',
      check: () => {
        expect([adopted.recorder.length, adopted.totals.minutes, adopted.ticks, adopted.totals.streamMinutesByDay.length]).toEqual([360, 360, 360, 1]);
        expect(adopted.start).toEqual(START);
        // minutes count from adoption: 1 to 360, as the cold start's do
        expect(column(adopted, 'minute')).toEqual(column(cold, 'minute'));
        expect(adopted.history?.totals.minutes).toBe(DAY);
      },
    },
    {
      name: 'the scored minutes carry the cold start demand minute by minute',
      check: () => {
        expect(column(adopted, 'demand')).toEqual(column(cold, 'demand'));
        expect([adopted.totals.streamMinutes, adopted.totals.arrivals]).toEqual([cold.totals.streamMinutes, cold.totals.arrivals]);
      },
    },
    {
      name: 'the scored GPU-hours and oracle add up from the scored minutes alone',
      check: () => {
        // billed instance-minutes of the 360 scored minutes / 60; the oracle max(1, ceil(demand / 150)) / 60
        expect(adopted.totals.gpuHours).toBe(column(adopted, 'billed').reduce((a, b) => a + b, 0) / 60);
        expect(adopted.totals.oracleGpuHours).toBe(column(adopted, 'demand').reduce((a, d) => a + Math.max(1, Math.ceil(d / 150)), 0) / 60);
        expect(adopted.totals.oracleGpuHours).toBe(cold.totals.oracleGpuHours);
      },
    },
    {
      name: 'the fleet ran target tracking before adoption, scaling with the day',
      check: () => {
        expect(adopted.history?.policy).toBe('target-tracking');
        // out at 01:00, in after 05:00: at least one move each way
        expect(adopted.history?.totals.scaleActions).toBeGreaterThanOrEqual(2);
        expect(adopted.handlerErrors).toBe(0);
      },
    },
    {
      name: 'with history the first tick already has a forecast; the cold start has none',
      check: () => {
        expect(cold.firstForecastSource).toBe('NoForecast');
        expect(['WeeklyPattern', 'DailyPattern', 'TrendOnly']).toContain(adopted.firstForecastSource);
        // the day before is in CloudWatch: every scale action follows it, where the cold start has only the trend
        expect(new Set(adopted.recorder.decisions.map((d) => d.forecastSource))).toEqual(new Set(['DailyPattern']));
        expect(new Set(cold.recorder.decisions.map((d) => d.forecastSource))).toEqual(new Set(['TrendOnly']));
      },
    },
    {
      name: 'the cold-start floor is 0 with history and the opening costs less over-capacity',
      check: () => {
        const [c, a] = [summarize(cold), summarize(adopted)];
        expect(c.coldStartFloorStreamMinutes).toBe(coldStartFloor(cold.recorder.columns.demand, cold.recorder.length, cold.options));
        expect(c.coldStartFloorStreamMinutes).toBeGreaterThan(0);
        expect(a.coldStartFloorStreamMinutes).toBe(0);
        expect(a.overCapacityStreamMinutes).toBeLessThan(c.overCapacityStreamMinutes);
        expect([c.historyDays, a.historyDays]).toEqual([0, 1]);
      },
    },
  ])('$name', ({ check }) => check());
});

describe('the adoption traffic', () => {
  // each minute's one stream is as long as the source minute asked for, plus one
  const source = scriptedTraffic((m) => [m + 1]);
  const traffic = adoptionTraffic(source, START, 360, 1, 7);
  it.each([
    // one history day before a 360-minute window, read from the week after it: shift 7 x 1440 - 1440 = 8640
    { name: 'the first history minute reads the source six days on (the same weekday a week later)', minute: 0, sourceMinute: 8640 },
    { name: 'the last history minute reads the minute before the source week ends', minute: DAY - 1, sourceMinute: 7 * DAY - 1 },
    { name: 'the first scored minute reads the cold start first minute', minute: DAY, sourceMinute: 0 },
    { name: 'the last scored minute reads the cold start last minute', minute: DAY + 359, sourceMinute: 359 },
  ])('$name', ({ minute, sourceMinute }) => {
    expect(traffic.arrivals(minute).stream).toEqual([sourceMinute + 1]);
  });

  it('starts the history days before the scored window and runs both', () => {
    expect(traffic.start).toEqual(new Date('2026-03-01T00:00:00Z'));
    expect(traffic.minutes).toBe(DAY + 360);
  });

  it.each([
    // 7 x ceil((days + history) / 7): whole weeks past the scored window and the history's length
    { name: 'four scored weeks, a week of history', days: 28, historyDays: 7, sourceDays: 35 },
    { name: 'four scored weeks, a day of history', days: 28, historyDays: 1, sourceDays: 35 },
    { name: 'three scored weeks, a week of history', days: 21, historyDays: 7, sourceDays: 28 },
    { name: 'a quarter day, a day of history', days: 0.25, historyDays: 1, sourceDays: 7 },
  ])('reads the history from whole weeks on: $name', ({ days, historyDays, sourceDays }) => {
    expect(historySourceDays(days, historyDays)).toBe(sourceDays);
  });

  it.each([
    { name: 'a fraction of a day of history', historyDays: 1.5, sourceDays: 7, error: 'historyDays must be a whole number from 0 to 28, got 1.5' },
    { name: 'more than four weeks of history', historyDays: 29, sourceDays: 35, error: 'historyDays must be a whole number from 0 to 28, got 29' },
    { name: 'a source that is not whole weeks on', historyDays: 1, sourceDays: 3, error: "the history's source must start whole weeks after the scored window's start and after its 360 minutes, got 3 days" },
    { name: 'a source inside the scored window', historyDays: 1, sourceDays: 0, error: "the history's source must start whole weeks after the scored window's start and after its 360 minutes, got 0 days" },
  ])('refuses $name', ({ historyDays, sourceDays, error }) => {
    expect(() => adoptionTraffic(source, START, 360, historyDays, sourceDays)).toThrow(error);
  });
});

describe('where the history is read from', () => {
  // A weekday trace from a Monday (day 0) like the bundled one: shut at weekends, and with
  // no calls on day 32 (a Friday) nor day 35 (a Monday).
  const open = (day: number) => day % 7 < 5 && day !== 32 && day !== 35;
  it.each([
    // days 28-34 hold the closed Friday 32, days 35-41 the closed Monday 35: days 42-48 are the first alike
    { name: 'a week of history skips the two weeks with a closed weekday', historyDays: 7, lastDay: 200, source: 49 },
    // one day before a Monday is a Sunday: day 34, shut as the first week's Sunday (day 6) is
    { name: 'a day of history is a Sunday, shut as the first scored Sunday', historyDays: 1, lastDay: 200, source: 35 },
    // Friday to Sunday: days 32-34 hold the closed Friday, days 39-41 do not
    { name: 'three days of history skip the closed Friday', historyDays: 3, lastDay: 200, source: 42 },
    { name: 'no alike weeks before the trace ends', historyDays: 7, lastDay: 47, source: undefined },
  ])('$name', ({ historyDays, lastDay, source }) => {
    expect(chooseHistorySource(open, 28, historyDays, lastDay)).toBe(source);
  });
});

describe('the scored totals', () => {
  function record(minute: number, fields: Partial<MinuteRecord>): MinuteRecord {
    return { minute, demand: 0, activeStreams: 0, servingCapacity: 0, inService: 0, booting: 0, draining: 0, billed: 0, desired: 0, overCapacityStreams: 0, arrivals: 0, streamsCut: 0, rejected: 0, ...fields };
  }
  /** Day 2's minutes: 3 billed of an oracle 2, 7 over capacity at 02:00, a scale-out at 01:00 and a cut. */
  function dayTwo(figures: SimFigures, firstMinute: number): void {
    for (let m = firstMinute; m < firstMinute + DAY; m++) figures.recordMinute(record(m, { demand: 250, billed: 3, inService: 2, booting: 1, overCapacityStreams: m === firstMinute + 120 ? 7 : 0, arrivals: 50 }), 2);
    figures.recordDesiredChange('g', 2, 3, firstMinute + 60);
    figures.recordCut(4, 'lifecycle-complete');
  }

  it('are those of the scored day run alone, whatever the history held', () => {
    const both = new SimFigures();
    for (let m = 1; m <= DAY; m++) both.recordMinute(record(m, { demand: 900, billed: 9, inService: 8, draining: 1, overCapacityStreams: m === 30 ? 100 : 0 }), 6);
    both.recordDesiredChange('g', 1, 9, 30);
    both.recordCut(11, 'hook-timeout');
    const atAdoption = both.totals();
    dayTwo(both, DAY + 1);
    const alone = new SimFigures();
    dayTwo(alone, 1);
    // day 2 alone: 1440 x 3 / 60 = 72 GPU-hours against 48, 7 over, one action, 4 cut
    expect(totalsSince(both.totals(), atAdoption, 1)).toEqual(alone.totals());
    expect(alone.totals()).toMatchObject({ gpuHours: 72, oracleGpuHours: 48, overCapacityStreamMinutes: 7, scaleActions: 1, streamsCut: 4 });
  });
});
