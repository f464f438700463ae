import { describe, expect, it } from 'vitest';
import { fitLine, forecastLoad, historyNear, projectTrend, type ForecastInputs, type LoadPoint } from '../../lib/predict/model.js';

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
  // 900 + 3 * sqrt(900) = 990 -> ceil(9.9) = 10
  { name: 'flat load and no history: the current level with noise headroom', given: inputs({ recent: flat900 }), reason: 'TrendOnly', instances: 10, peak: 900 },
  // fitted over the last 20 minutes (2 x lead): level 1000 at the newest minute, slope 20/min;
  // newest point is 1 min before now, so the lead reaches 11 min past it: 1000 + 20 * 11 = 1220
  // 1220 + 3 * sqrt(1220) = 1324.8 -> 14
  { name: 'a steady rise is carried forward by the lead time', given: inputs({ recent: recent(20, (ago) => 1000 - 20 * (ago - 1)) }), reason: 'TrendOnly', instances: 14, peak: 1220 },
  // alternating noise has no significant slope: the current level (fitted ~ 900) holds
  { name: 'noise is not a trend', given: inputs({ recent: recent(20, (ago) => (ago % 2 === 0 ? 960 : 840)) }), reason: 'TrendOnly', instances: 10 },
  // a week ago: 900 for the past hour, 2000 from 5 min after now; matched at scale 1:
  // peak over now..now+15 = 2000; 2000 + 3 * sqrt(2000) = 2134.2 -> 22
  {
    name: 'last week rose at this time: capacity ahead of the rise',
    given: inputs({ recent: flat900, history: history(7, (m) => (m >= 5 ? 2000 : 900)) }),
    reason: 'WeeklyPattern',
    instances: 22,
    peak: 2000,
  },
  // same shape at half the level: scale 2, 1000 ahead becomes 2000
  {
    name: 'the history is scaled to the recent level',
    given: inputs({ recent: flat900, history: history(7, (m) => (m >= 5 ? 1000 : 450)) }),
    reason: 'WeeklyPattern',
    instances: 22,
    peak: 2000,
  },
  // yesterday only: daily pattern; 1500 ahead -> 1500 + 3 * sqrt(1500) = 1616.2 -> 17
  {
    name: 'without past weeks, yesterday at this time',
    given: inputs({ recent: flat900, history: history(1, (m) => (m >= 5 ? 1500 : 900)) }),
    reason: 'DailyPattern',
    instances: 17,
    peak: 1500,
  },
  // a closed centre: both quiet before, the history opens 5 min from now (scale 1): 1200 + 3 * sqrt(1200) = 1303.9 -> 14
  {
    name: 'an opening is predicted from a quiet history',
    given: inputs({ recent: recent(60, () => 0), history: history(7, (m) => (m >= 5 ? 1200 : 0)) }),
    reason: 'WeeklyPattern',
    instances: 14,
    peak: 1200,
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
