import { describe, expect, it } from 'vitest';
import { fitLine, forecastLoad, historyNear, projectTrend, stabilizedForecast, type ForecastInputs, type LoadPoint } from '../../lib/predict/model.js';

// Monday 2026-03-02 10:00 UTC; every series below is relative to it.
const NOW = Date.parse('2026-03-02T10:00:00Z');
const MIN = 60_000;
const DAY = 86_400_000;

/** One-minute loads for the `count` minutes before NOW, from a function of minutes-before-now (1 = newest). */
function recent(count: number, load: (minutesAgo: number) => number): LoadPoint[] {
  return Array.from({ length: count }, (_, i) => ({ atMs: NOW - (count - i) * MIN, load: load(count - i) }));
}

/** Five-minute history `lagDays` back, from 60 min before to 30 min after the same time; load(m) with m = minutes from that time. */
function history(lagDays: number, load: (minutesFromThen: number) => number): LoadPoint[] {
  const out: LoadPoint[] = [];
  for (let m = -60; m < 30; m += 5) out.push({ atMs: NOW - lagDays * DAY + m * MIN, load: load(m) });
  return out;
}

function inputs(overrides: Partial<ForecastInputs> & { recent: LoadPoint[] }): ForecastInputs {
  return { now: new Date(NOW), history: [], historyPeriodMinutes: 5, settings: { leadMinutes: 10, capacity: 100 }, ...overrides };
}

interface Case {
  name: string;
  given: ForecastInputs;
  reason: string;
  instances: number | undefined;
  peak?: number;
}

const flat900 = recent(60, () => 900);
const cases: Case[] = [
  { name: 'fewer than five recent minutes: no forecast, stay reactive', given: inputs({ recent: recent(4, () => 500) }), reason: 'InsufficientData', instances: undefined },
  // 900 + 2 * sqrt(900) = 960 -> ceil(9.6) = 10
  { name: 'flat load and no history: the current level with noise headroom', given: inputs({ recent: flat900 }), reason: 'TrendOnly', instances: 10, peak: 900 },
  // fitted over the last 20 minutes (2 x lead): level 1000 at the newest minute, slope 20/min;
  // newest point is 1 min before now, so the lead reaches 11 min past it: 1000 + 20 * 11 = 1220
  // 1220 + 2 * sqrt(1220) = 1289.9 -> 13
  { name: 'a steady rise is carried forward by the lead time', given: inputs({ recent: recent(20, (ago) => 1000 - 20 * (ago - 1)) }), reason: 'TrendOnly', instances: 13, peak: 1220 },
  // alternating noise has no significant slope: the current level (fitted ~ 900) holds
  { name: 'noise is not a trend', given: inputs({ recent: recent(20, (ago) => (ago % 2 === 0 ? 960 : 840)) }), reason: 'TrendOnly', instances: 10 },
  // a week ago: 900 for the past hour, 2000 from 5 min after now; matched at scale 1.
  // Periods as they were: peak 2000; 2000 + 2 * sqrt(2000) = 2089.4 -> 21
  {
    name: 'last week rose at this time: capacity ahead of the rise',
    given: inputs({ recent: flat900, history: history(7, (m) => (m >= 5 ? 2000 : 900)) }),
    reason: 'WeeklyPattern',
    instances: 21,
    peak: 2000,
  },
  // same shape at half the level: scale 2, 1000 ahead becomes 2000
  {
    name: 'the history is scaled to the recent level',
    given: inputs({ recent: flat900, history: history(7, (m) => (m >= 5 ? 1000 : 450)) }),
    reason: 'WeeklyPattern',
    instances: 21,
    peak: 2000,
  },
  // yesterday only: daily pattern; 1500 ahead -> 1500 + 2 * sqrt(1500) = 1577.5 -> 16
  {
    name: 'without past weeks, yesterday at this time',
    given: inputs({ recent: flat900, history: history(1, (m) => (m >= 5 ? 1500 : 900)) }),
    reason: 'DailyPattern',
    instances: 16,
    peak: 1500,
  },
  // a new fleet's first week: yesterday (1500 ahead) and three days ago (1900 ahead) both match at
  // scale 1 and are averaged: (1500 + 1900) / 2 = 1700; 1700 + 2 * sqrt(1700) = 1782.5 -> 18
  {
    name: 'without past weeks, every matching day of the last week is averaged',
    given: inputs({ recent: flat900, history: [...history(1, (m) => (m >= 5 ? 1500 : 900)), ...history(3, (m) => (m >= 5 ? 1900 : 900))] }),
    reason: 'DailyPattern',
    instances: 18,
    peak: 1700,
  },
  // two days ago the centre stayed closed (no level near today's 900): that day does not match,
  // yesterday alone stands: 1500 + 2 * sqrt(1500) = 1577.5 -> 16
  {
    name: 'a day of the last week that does not match is left out',
    given: inputs({ recent: flat900, history: [...history(1, (m) => (m >= 5 ? 1500 : 900)), ...history(2, () => 0)] }),
    reason: 'DailyPattern',
    instances: 16,
    peak: 1500,
  },
  // quiet before the first week's fourth opening: yesterday opened at 1200, four days ago at 1800;
  // with no level to scale by the highest stands: 1800 + 2 * sqrt(1800) = 1884.9 -> 19
  {
    name: 'before an opening in the first week, the highest past day stands',
    given: inputs({ recent: recent(60, () => 0), history: [...history(1, (m) => (m >= 5 ? 1200 : 0)), ...history(4, (m) => (m >= 5 ? 1800 : 0))] }),
    reason: 'DailyPattern',
    instances: 19,
    peak: 1800,
  },
  // a closed centre: both quiet before, the history opens 5 min from now (scale 1): 1200 + 2 * sqrt(1200) = 1269.3 -> 13
  {
    name: 'an opening is predicted from a quiet history',
    given: inputs({ recent: recent(60, () => 0), history: history(7, (m) => (m >= 5 ? 1200 : 0)) }),
    reason: 'WeeklyPattern',
    instances: 13,
    peak: 1200,
  },
  // the opening falls in the last period of the horizon (now + 10 min lead + one 5-min period = +15):
  // taken whole, not blended with the quiet period before it ((0 + 2 * 2000 + 2000) / 4 = 1500 would be 16)
  // 2000 + 2 * sqrt(2000) = 2089.4 -> 21
  {
    name: 'an opening at the end of the horizon counts whole',
    given: inputs({ recent: recent(60, () => 0), history: history(7, (m) => (m >= 15 ? 2000 : 0)) }),
    reason: 'WeeklyPattern',
    instances: 21,
    peak: 2000,
  },
  // quiet before the opening: no level to scale by, so the higher of the two past weeks stands, not their mean (1400)
  // 1600 + 2 * sqrt(1600) = 1680 -> 17
  {
    name: 'before an opening the highest past week stands',
    given: inputs({ recent: recent(60, () => 0), history: [...history(7, (m) => (m >= 5 ? 1200 : 0)), ...history(14, (m) => (m >= 5 ? 1600 : 0))] }),
    reason: 'WeeklyPattern',
    instances: 17,
    peak: 1600,
  },
  // last week opens (1200): the calendar says the centre opens; yesterday opened bigger (1500), so that size stands
  // 1500 + 2 * sqrt(1500) = 1577.5 -> 16
  {
    name: 'how big an opening may be: every matching past day',
    given: inputs({ recent: recent(60, () => 0), history: [...history(7, (m) => (m >= 5 ? 1200 : 0)), ...history(1, (m) => (m >= 5 ? 1500 : 0))] }),
    reason: 'WeeklyPattern',
    instances: 16,
    peak: 1500,
  },
  // a Saturday: last Saturday stayed quiet (3 streams, under 5 % of one instance's 100), Friday opened: no opening
  // 3 + 2 * sqrt(3) = 6.5 -> 1
  {
    name: 'whether the centre opens: the calendar',
    given: inputs({ recent: recent(60, () => 0), history: [...history(7, (m) => (m >= 5 ? 3 : 0)), ...history(1, (m) => (m >= 5 ? 1500 : 0))] }),
    reason: 'WeeklyPattern',
    instances: 1,
    peak: 3,
  },
  // busy: both weeks scale to the level now (x1) and are averaged: (2000 + 1600) / 2 = 1800
  // 1800 + 2 * sqrt(1800) = 1884.9 -> 19
  {
    name: 'with a level to scale by, past weeks are averaged',
    given: inputs({ recent: flat900, history: [...history(7, (m) => (m >= 5 ? 2000 : 900)), ...history(14, (m) => (m >= 5 ? 1600 : 900))] }),
    reason: 'WeeklyPattern',
    instances: 19,
    peak: 1800,
  },
  // last week was busy while today is quiet: the history does not match, so no rise is taken from it
  {
    name: 'a history that does not match the last hour is ignored',
    given: inputs({ recent: recent(60, () => 0), history: history(7, () => 1500) }),
    reason: 'TrendOnly',
    instances: 0,
  },
  // Saturday after a Friday: last week (quiet, matches) wins over yesterday (an opening)
  {
    name: 'a matching past week wins over yesterday',
    given: inputs({ recent: recent(60, () => 0), history: [...history(7, () => 0), ...history(1, (m) => (m >= 5 ? 1200 : 0))] }),
    reason: 'WeeklyPattern',
    instances: 0,
  },
];

describe('forecastLoad', () => {
  it.each(cases)('$name', ({ given, reason, instances, peak }) => {
    const result = forecastLoad(given);
    expect(result.reason).toBe(reason);
    expect(result.instances).toBe(instances);
    if (peak !== undefined) expect(result.numbers.peakLoad).toBeCloseTo(peak, 0);
    expect(result.explanation.length).toBeGreaterThan(0);
  });

  it('names the lags it used in its explanation', () => {
    const result = forecastLoad(inputs({ recent: flat900, history: [...history(7, () => 900), ...history(14, () => 900)] }));
    expect(result.explanation).toContain('7d x1');
    expect(result.explanation).toContain('14d x1');
  });

  it('rejects a capacity that is not positive', () => {
    expect(() => forecastLoad(inputs({ recent: flat900, settings: { leadMinutes: 10, capacity: 0 } }))).toThrow(/capacity must be > 0, got 0/);
  });
});

describe('trend helpers', () => {
  it('fits an exact line', () => {
    // y = 3x + 2
    expect(fitLine([[0, 2], [1, 5], [2, 8]])).toEqual({ slope: 3, intercept: 2 });
  });
  it('projects only a significant rise', () => {
    // y = 10x + 100 exactly: significant; 10 minutes past x = 0 -> 200
    expect(projectTrend([[-2, 80], [-1, 90], [0, 100]], 10, 3)).toEqual({ level: 100, peak: 200, significant: true });
    // a fall never raises: level only
    expect(projectTrend([[-2, 120], [-1, 110], [0, 100]], 10, 3)).toEqual({ level: 100, peak: 100, significant: false });
  });
});

describe('historyNear', () => {
  it('keeps only the windows around each lag', () => {
    // a point every 5 minutes for 10 days
    const all: LoadPoint[] = [];
    for (let t = NOW - 10 * DAY; t < NOW; t += 5 * MIN) all.push({ atMs: t, load: 1 });
    const near = historyNear(all, NOW, [7, 1], 60, 15);
    // per lag: -60 .. +15 minutes inclusive at 5-minute steps = 16 points
    expect(near).toHaveLength(32);
    expect(near[0]!.atMs).toBe(NOW - 7 * DAY - 60 * MIN);
    expect(near.at(-1)!.atMs).toBe(NOW - DAY + 15 * MIN);
  });
});

describe('stabilizedForecast', () => {
  // 2000 streams until 5 minutes ago, 900 since: a drop the scale-in window has not seen out
  const dropped = inputs({ recent: recent(60, (ago) => (ago > 5 ? 2000 : 900)) });
  it('holds the highest forecast of the window: one made before the drop', () => {
    // a forecast 6 or more minutes ago saw a flat 2000: 2000 + 2 * sqrt(2000) = 2089.4 -> 21
    const held = stabilizedForecast(dropped, 10);
    expect(held.instances).toBe(21);
    expect(held.explanation).toMatch(/forecast \d+ min ago, held through the 10-min scale-in window/);
  });
  it('with no window it is the forecast of now', () => {
    expect(stabilizedForecast(dropped, 0)).toEqual(forecastLoad(dropped));
    expect(forecastLoad(dropped).instances).toBeLessThan(21);
  });
});
