import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { headroomByKind, headroomFromResiduals, heldThroughWindow, smallestWithin, type ForecastKind, type Residual } from '../../lib/predict/headroom.js';
import { forecastLoad, type LoadPoint } from '../../lib/predict/model.js';
import { forecastResiduals } from '../../lib/predict/residuals.js';

const T0 = Date.parse('2026-03-02T00:00:00Z');
const MIN = 60_000;

function residuals(pairs: Array<[forecast: number, actual: number]>): Residual[] {
  return pairs.map(([forecast, actual], i) => ({ atMs: T0 + i * 5 * MIN, forecast, actual }));
}

describe('smallestWithin', () => {
  it.each([
    { name: 'within budget with no headroom: none', shortfall: (h: number) => Math.max(0, 10 - 100 * h), budget: 10, h: 0 },
    // 20 - 100 h <= 5 -> h = 0.15
    { name: 'a linear shortfall crosses the budget', shortfall: (h: number) => Math.max(0, 20 - 100 * h), budget: 5, h: 0.15 },
    // a step at 0.3: below it 50 over, at and above it nothing
    { name: 'a step: the step itself', shortfall: (h: number) => (h < 0.3 ? 50 : 0), budget: 10, h: 0.3 },
  ])('$name', ({ shortfall, budget, h }) => {
    expect(smallestWithin(shortfall, 1, budget)).toBeCloseTo(h, 3);
  });
});

describe('heldThroughWindow', () => {
  it('holds each forecast at the highest of the window before it', () => {
    // forecasts every 5 min: 100, 300, 200, 50, 40; a 10-minute window holds 300 through 10:10, then 200, then 50
    const held = heldThroughWindow(residuals([[100, 0], [300, 0], [200, 0], [50, 0], [40, 0]]), 10);
    expect(held.map((r) => r.forecast)).toEqual([100, 300, 300, 300, 200]);
  });

  it('never holds below the forecast itself, nor above the window\'s highest (property)', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 1000 }), { maxLength: 50 }), fc.integer({ min: 0, max: 40 }), (forecasts, window) => {
        const given = residuals(forecasts.map((f) => [f, 0]));
        const held = heldThroughWindow(given, window);
        held.forEach((r) => {
          const inWindow = given.filter((g) => g.atMs <= r.atMs && g.atMs >= r.atMs - window * MIN).map((g) => g.forecast);
          expect(r.forecast).toBe(Math.max(...inWindow));
        });
      }),
    );
  });
});

describe('headroomFromResiduals', () => {
  const settings = { maxOverCapacityShare: 0.01, capacity: 100, minSamples: 3, quietBelow: 5 };

  it('leaves out forecasts of a closed fleet: an opening it missed is the seasonal model\'s, not a headroom', () => {
    // the 0 -> 2000 opening is ignored (forecast below quietBelow); the rest were exact: no headroom
    const estimate = headroomFromResiduals(residuals([[0, 2000], [1000, 1000], [1000, 1000], [1000, 1000]]), settings);
    expect(estimate).toMatchObject({ fraction: 0, samples: 3 });
  });

  it('too few past forecasts with load: no estimate, the caller keeps the assumed headroom', () => {
    // the two closed-fleet zeros say nothing: one residual with load, three needed
    expect(headroomFromResiduals(residuals([[0, 0], [0, 0], [1000, 1100]]), settings)).toBeUndefined();
  });

  it('sizes the headroom so the past, in whole instances, would have kept the service level', () => {
    // actual 1000 + 1000 + 1230 = 3230; budget 1 % = 32.3 requests. The third is 230 over a forecast of 1000:
    // 10 instances leave 230 over, 11 leave 130, 12 leave 30 <= 32.3: 1000 + h x 1000 > 1100 -> h just above 0.1
    const estimate = headroomFromResiduals(residuals([[1000, 1000], [1000, 1000], [1000, 1230]]), settings);
    expect(estimate).toMatchObject({ source: 'EmpiricalResiduals', samples: 3 });
    expect(estimate?.fraction).toBeGreaterThan(0.1);
    expect(estimate?.fraction).toBeLessThan(0.1002);
    expect(estimate?.expectedOverCapacityShare).toBeCloseTo(30 / 3230, 9);
  });

  it('measures a quiet forecast against one instance, not against its own near-zero peak', () => {
    // forecast 10, actual 160 at scale max(10, 100) = 100; loads 160 + 100 + 100 = 360, budget 3.6:
    // 2 instances leave 0 over -> 10 + h x 100 > 100 -> h just above 0.9
    const estimate = headroomFromResiduals(residuals([[10, 160], [100, 100], [100, 100]]), settings);
    expect(estimate?.fraction).toBeGreaterThan(0.9);
    expect(estimate?.fraction).toBeLessThan(0.9002);
  });

  it('a stricter service level never needs less headroom (property)', () => {
    const pair = fc.tuple(fc.double({ min: 0, max: 5000, noNaN: true }), fc.double({ min: 0, max: 5000, noNaN: true }));
    fc.assert(
      fc.property(fc.array(pair, { minLength: 3, maxLength: 60 }), fc.double({ min: 1e-5, max: 0.2, noNaN: true }), fc.double({ min: 1e-5, max: 0.2, noNaN: true }), (pairs, a, b) => {
        const [strict, loose] = a < b ? [a, b] : [b, a];
        const r = residuals(pairs);
        const tight = headroomFromResiduals(r, { ...settings, maxOverCapacityShare: strict });
        const easy = headroomFromResiduals(r, { ...settings, maxOverCapacityShare: loose });
        if (tight && easy) expect(tight.fraction).toBeGreaterThanOrEqual(easy.fraction - 1e-12);
      }),
    );
  });

  it('refuses a service level outside (0, 1) by name', () => {
    expect(() => headroomFromResiduals([], { ...settings, maxOverCapacityShare: 0 })).toThrow(/maxOverCapacityShare must be in \(0, 1\), got 0/);
  });
});

describe('headroomByKind', () => {
  const settings = { maxOverCapacityShare: 0.0005, capacity: 100, minSamples: 48, quietBelow: 5 };
  // A trend that fell 30 % short every time, and a pattern that was never short.
  const trend = (n: number) => Array.from({ length: n }, (_, i) => ({ atMs: T0 + i * 5 * MIN, forecast: 1000, actual: 1300, reason: 'TrendOnly' as ForecastKind }));
  const pattern = (n: number) => Array.from({ length: n }, (_, i) => ({ atMs: T0 + (1000 + i) * 5 * MIN, forecast: 1000, actual: 1000, reason: 'DailyPattern' as ForecastKind }));

  it.each([
    // 48 of its own, never short: no headroom. The trend's misses need 1300 served in whole
    // instances of 100: ceil((1000 + 1000 h) / 100) >= 13, so h just above 20 %.
    { name: 'a kind with enough errors of its own stands on them', given: [...trend(200), ...pattern(48)], daily: 0, trendFraction: 0.2 },
    // 47 of its own: sized from all 247 together, where the trend's 200 misses of 300 each are far
    // over a budget of 0.05 % of 200 x 1300 + 47 x 1000 = 153.5: the trend's 20 % again
    { name: 'a kind with too few errors of its own is sized from every kind\'s', given: [...trend(200), ...pattern(47)], daily: 0.2, trendFraction: 0.2 },
  ])('$name', ({ given, daily, trendFraction }) => {
    const byKind = headroomByKind(given, settings);
    expect(byKind.DailyPattern?.fraction).toBeCloseTo(daily, 3);
    expect(byKind.TrendOnly?.fraction).toBeCloseTo(trendFraction, 3);
    // No weekly forecast yet: the pooled errors size it, as for any kind new to the fleet.
    expect(byKind.WeeklyPattern?.fraction).toBeCloseTo(0.2, 3);
  });

  it('no kind has an estimate while all kinds together have too few errors', () => {
    expect(headroomByKind([...trend(20), ...pattern(20)], settings)).toEqual({});
  });
});

describe('forecastResiduals', () => {
  // Three days of five-minute history: 600 requests from 08:00 to 18:00 each day, 0 otherwise.
  const history: LoadPoint[] = [];
  for (let t = T0; t < T0 + 3 * 86_400_000; t += 5 * MIN) {
    const hour = new Date(t).getUTCHours();
    history.push({ atMs: t, load: hour >= 8 && hour < 18 ? 600 : 0 });
  }
  const settings = { leadMinutes: 10, capacity: 100 };

  it('pairs each past forecast with the load one lead time later, and its kind', () => {
    const day3 = T0 + 2 * 86_400_000;
    const out = forecastResiduals({ history, periodMinutes: 5, fromMs: day3 + 7 * 3_600_000, toMs: day3 + 9 * 3_600_000, settings, recentMinutes: 60 });
    // 07:00 .. 09:00 every five minutes: 25 forecasts
    expect(out).toHaveLength(25);
    // 07:50: the opening at 08:00 is one lead time away, and yesterday at this time says so
    const before = out.find((r) => r.atMs === day3 + 7 * 3_600_000 + 50 * MIN);
    expect(before).toMatchObject({ actual: 600, reason: 'DailyPattern' });
    expect(before!.forecast).toBeGreaterThanOrEqual(600);
  });

  it('is the same forecast the live model makes from the same data', () => {
    const at = T0 + 2 * 86_400_000 + 12 * 3_600_000;
    const [r] = forecastResiduals({ history, periodMinutes: 5, fromMs: at, toMs: at, settings, recentMinutes: 60 });
    const recent: LoadPoint[] = [];
    for (let m = 60; m >= 1; m--) recent.push({ atMs: at - m * MIN, load: 600 });
    const live = forecastLoad({ now: new Date(at), recent, history: history.filter((p) => p.atMs < at - 3_600_000), historyPeriodMinutes: 5, settings });
    expect(r?.forecast).toBe(live.numbers.peakLoad);
  });

  it('gives no residual where the outcome is not recorded (unknown is not zero)', () => {
    const end = history.at(-1)!.atMs;
    expect(forecastResiduals({ history, periodMinutes: 5, fromMs: end - 5 * MIN, toMs: end, settings, recentMinutes: 60 })).toEqual([]);
  });
});
