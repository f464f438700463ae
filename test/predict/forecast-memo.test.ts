import { describe, expect, it } from 'vitest';
import { createForecastMemo, forecastLoad, indexHistory, memoisedForecast, searchSorted, stabilizedForecast, type ForecastInputs, type ForecastSettings, type LoadPoint } from '../../lib/predict/model.js';

// Monday 2026-03-02 10:00 UTC; every tick below is a whole number of minutes from it.
const NOW = Date.parse('2026-03-02T10:00:00Z');
const MIN = 60_000;
const DAY = 86_400_000;
const WINDOW = 10;
const SETTINGS: ForecastSettings = { leadMinutes: 10, capacity: 100 };

/** One-minute loads for the 90 minutes before `nowMs` (what the provider reads), from a function of the minute's start. */
function minutes(nowMs: number, load: (atMs: number) => number): LoadPoint[] {
  return Array.from({ length: 90 }, (_, i) => {
    const atMs = nowMs - (90 - i) * MIN;
    return { atMs, load: load(atMs) };
  });
}

/** Five-minute history `lagDays` back around NOW, two hours each side; load(m) with m = minutes from NOW's time that day. */
function history(lagDays: number, load: (minutesFromThen: number) => number): LoadPoint[] {
  const out: LoadPoint[] = [];
  for (let m = -120; m < 120; m += 5) out.push({ atMs: NOW - lagDays * DAY + m * MIN, load: load(m) });
  return out;
}

function tick(minute: number, overrides: Partial<ForecastInputs> = {}): ForecastInputs {
  const nowMs = NOW + minute * MIN;
  return { now: new Date(nowMs), recent: minutes(nowMs, () => 900), history: [], historyPeriodMinutes: 5, settings: SETTINGS, ...overrides };
}

const rising = history(7, (m) => (m >= 5 ? 2000 : 900));

interface MemoCase {
  name: string;
  ticks: ForecastInputs[];
  /** Instances of the last tick's stabilised forecast, recomputed from scratch. */
  lastInstances?: number;
}

const cases: MemoCase[] = [
  // flat 900, no history: 900 + 2 * sqrt(900) = 960 -> 10 on every tick
  { name: 'the same data tick after tick', ticks: [tick(0), tick(1), tick(2), tick(3)], lastInstances: 10 },
  // last week rose to 2000 five minutes after 10:00: 2000 + 2 * sqrt(2000) = 2089.4 -> 21
  { name: 'a weekly pattern over consecutive ticks', ticks: [tick(0, { history: rising }), tick(1, { history: rising }), tick(2, { history: rising })], lastInstances: 21 },
  // tick 0 reads 2000 everywhere (-> 21); a minute later CloudWatch answers 900 for the same
  // minutes (late data revised): every past forecast must see 900: 960 -> 10
  { name: 'a late datapoint revises minutes already forecast from', ticks: [tick(0, { recent: minutes(NOW, () => 2000) }), tick(1)], lastInstances: 10 },
  // the reverse: tick 0 reads 900 (-> 10); at tick 1 the minutes before 09:55 read 2000. The
  // forecast of 09:51 (newest minute 09:49) saw only 2000: 2000 + 2 * sqrt(2000) = 2089.4 -> 21, held
  { name: 'minutes revised upward after they were forecast from', ticks: [tick(0), tick(1, { recent: minutes(NOW + MIN, (atMs) => (atMs < NOW - 5 * MIN ? 2000 : 900)) })], lastInstances: 21 },
  // the refreshed history no longer rises a week ago: the trend's 960 -> 10, not 21
  { name: 'the history changes between ticks', ticks: [tick(0, { history: rising }), tick(1, { history: history(7, () => 900) })], lastInstances: 10 },
  // measured headroom 50 % of max(900, 100) = 450 at tick 0 (1350 -> 14); gone at tick 1: 960 -> 10
  { name: 'the measured headroom changes', ticks: [tick(0, { settings: { ...SETTINGS, headroomFraction: { TrendOnly: 0.5 } } }), tick(1)], lastInstances: 10 },
  // capacity 100 -> 200: 960 / 200 = 4.8 -> 5
  { name: 'the capacity changes', ticks: [tick(0), tick(1, { settings: { ...SETTINGS, capacity: 200 } })], lastInstances: 5 },
  // lags: the week that rises, then only yesterday, which has no history: 960 -> 10
  {
    name: 'the lags change',
    ticks: [tick(0, { history: rising, settings: { ...SETTINGS, lagDays: [7] } }), tick(1, { history: rising, settings: { ...SETTINGS, lagDays: [1] } })],
    lastInstances: 10,
  },
  // a tick skipped, then the clock back to an earlier tick
  { name: 'ticks skipped and the clock going back', ticks: [tick(0, { history: rising }), tick(5, { history: rising }), tick(2, { history: rising })], lastInstances: 21 },
  // points newest first, a second reading of 09:30 and a non-finite one of 09:29: only the equality is asserted
  {
    name: 'unordered points, a duplicate minute and a non-finite load',
    ticks: [0, 1].map((m) => {
      const points = minutes(NOW + m * MIN, () => 900).reverse();
      points.push({ atMs: NOW - 30 * MIN, load: 1500 }, { atMs: NOW - 31 * MIN, load: Number.NaN });
      return tick(m, { recent: points });
    }),
  },
];

describe('stabilizedForecast with a memo of past forecasts', () => {
  it.each(cases)('$name: the same answer as recomputing every past forecast', ({ ticks, lastInstances }) => {
    const memo = createForecastMemo();
    let last: number | undefined;
    for (const inputs of ticks) {
      const memoised = stabilizedForecast(inputs, WINDOW, memo);
      const recomputed = stabilizedForecast(inputs, WINDOW);
      expect(memoised).toEqual(recomputed);
      last = recomputed.instances;
    }
    if (lastInstances !== undefined) expect(last).toBe(lastInstances);
  });

  it('reuses a past forecast whose inputs stand, and keeps only the window', () => {
    const memo = createForecastMemo();
    stabilizedForecast(tick(0, { history: rising }), WINDOW, memo);
    const kept = memo.past.get(NOW - 2 * MIN)?.forecast;
    stabilizedForecast(tick(1, { history: rising }), WINDOW, memo);
    expect(kept).toBeDefined();
    expect(memo.past.get(NOW - 2 * MIN)?.forecast).toBe(kept);
    // the past minutes of tick 1: 10:00 back to 09:51, one entry each
    expect([...memo.past.keys()].sort((a, b) => a - b)).toEqual(Array.from({ length: WINDOW }, (_, i) => NOW + MIN - (WINDOW - i) * MIN));
  });

  it('a forecast through the memo\'s index is forecastLoad\'s, also when the history is a new array', () => {
    const memo = createForecastMemo();
    // the rising week (2000 ahead: 21), then a flat one in a new array (960: 10), then the rising one again
    const given = [tick(0, { history: rising }), tick(1, { history: history(7, () => 900) }), tick(2, { history: rising })];
    expect(given.map((inputs) => memoisedForecast(memo, inputs))).toEqual(given.map((inputs) => forecastLoad(inputs)));
    expect(given.map((inputs) => memoisedForecast(memo, inputs).instances)).toEqual([21, 10, 21]);
  });
});

describe('a refreshed history the kept forecasts read the same through', () => {
  it('is checked once: the next tick reads it no more than a history never refreshed', () => {
    let reads = 0;
    // the rising week with every load read counted
    const counted = () => rising.map((p) => Object.defineProperty({ atMs: p.atMs }, 'load', { get: () => (reads++, p.load), enumerable: true }) as LoadPoint);
    const readsOfTick2 = (histories: LoadPoint[][]) => {
      const memo = createForecastMemo();
      const answers = histories.map((history, minute) => {
        if (minute === 2) reads = 0;
        return stabilizedForecast(tick(minute, { history }), WINDOW, memo).instances;
      });
      return { answers, reads };
    };
    const once = counted();
    const refreshed = counted();
    // ticks 0 and 1 on the first array; at tick 1 the refresh: the same values in a new array
    const never = readsOfTick2([once, once, once]);
    const fresh = readsOfTick2([once, refreshed, refreshed]);
    expect(fresh.answers).toEqual(never.answers);
    expect(fresh.reads).toBe(never.reads);
  });
});

describe('the memo\'s index of a sorted history', () => {
  it('searches a period once: the same forecast again reads no point of the history', () => {
    let reads = 0;
    // the rising week, every point's time and load read counted
    const counted = rising.map((p) => ({
      get atMs() {
        reads++;
        return p.atMs;
      },
      get load() {
        reads++;
        return p.load;
      },
    }));
    const memo = createForecastMemo();
    const first = memoisedForecast(memo, tick(0, { history: counted }));
    expect(reads).toBeGreaterThan(0);
    reads = 0;
    expect(memoisedForecast(memo, tick(0, { history: counted }))).toEqual(first);
    expect(reads).toBe(0);
  });
});

describe('searchSorted: the kept history searched in place', () => {
  const P = 5 * MIN;
  const at = (period: number, load: number, offsetMs = 0): LoadPoint => ({ atMs: NOW + period * P + offsetMs, load });
  it.each([
    { name: 'one point per period', points: [at(0, 1), at(1, 2), at(2, 3)] },
    // period 1 twice: the later point (4) is the period's load
    { name: 'a period given twice: the later point', points: [at(0, 1), at(1, 2), at(1, 4, MIN), at(2, 3)] },
    // period 1's later point is not finite: the earlier one (2) stands; period 2 has none finite
    { name: 'non-finite loads are skipped', points: [at(0, 1), at(1, 2), at(1, Number.NaN, MIN), at(2, Number.POSITIVE_INFINITY)] },
    { name: 'points inside their periods, with gaps', points: [at(-3, 7, 2 * MIN), at(0, 1, 4 * MIN), at(4, 9, MIN)] },
    { name: 'no points', points: [] },
  ])('$name: the same answers as the index of every period', ({ points }) => {
    const searched = searchSorted(points, 5);
    const indexed = indexHistory(points, 5);
    expect(searched).toBeDefined();
    // every minute from 6 periods before to 6 after
    for (let ms = NOW - 30 * MIN; ms <= NOW + 30 * MIN; ms += MIN) expect(searched?.at(ms)).toBe(indexed.at(ms));
  });

  it('an unsorted history is not searched (the memo indexes it instead)', () => {
    expect(searchSorted([at(1, 2), at(0, 1)], 5)).toBeUndefined();
    expect(searchSorted([{ atMs: Number.NaN, load: 1 }], 5)).toBeUndefined();
  });
});
