import { describe, expect, it } from 'vitest';
import { runScenario } from '../../bench/run.js';
import { STANDARD_SCENARIO, scenarioConfig, type ScenarioOptions } from '../../bench/scenario.js';
import { summarize } from '../../bench/summary.js';
import { closingDay, shortDay } from './helpers.js';

const options = (policy: ScenarioOptions['policy']): ScenarioOptions => ({ ...STANDARD_SCENARIO, days: 0.25, policy });

describe('the benchmark scenario on the simulated cloud', () => {
  it('runs the real scale and drain handlers and its figures add up from the minute series', async () => {
    const result = await runScenario(options('predictive'), shortDay());
    const c = result.recorder.columns;
    const sum = (a: Float64Array) => a.subarray(0, result.recorder.length).reduce((x, y) => x + y, 0);
    expect(result.recorder.length).toBe(360);
    expect(result.handlerErrors).toBe(0);
    // GPU-hours are billed instance-minutes / 60; the oracle is sum of max(1, ceil(demand / 150)) / 60
    expect(result.totals.gpuHours).toBeCloseTo(sum(c.billed) / 60, 6);
    let oracle = 0;
    for (let i = 0; i < result.recorder.length; i++) oracle += Math.max(1, Math.ceil((c.demand[i] as number) / 150));
    expect(result.totals.oracleGpuHours).toBeCloseTo(oracle / 60, 6);
    expect(result.totals.overCapacityStreamMinutes).toBe(sum(c.overCapacityStreams));
    // the ramp needs about 300 x 4.5 / 150 = 9 instances: the fleet grew, then drained on the way down
    expect(Math.max(...c.desired.subarray(0, 360))).toBeGreaterThanOrEqual(9);
    expect(result.drainSeconds.length).toBeGreaterThan(0);
    expect(result.totals.streamsCutByCause['no-hook']).toBe(0);
  });

  it('every predictive scale-out carries the forecast that caused it', async () => {
    const result = await runScenario(options('predictive'), shortDay());
    const predicted = result.recorder.decisions.filter((d) => d.reason === 'ScaleUpPredicted');
    expect(predicted.length).toBeGreaterThan(0);
    for (const d of predicted) expect(d.forecast).toMatch(/^stream: forecast \d+ instance\(s\): peak \d+ \+ headroom \d+ \((measured|assumed): [^)]+\) requests within \d+ min, from the /);
  });

  it('every predictive decision says where its forecast came from; a scale-in the forecast limits says so', async () => {
    const predictive = await runScenario(options('predictive'), shortDay());
    const reactive = await runScenario(options('reactive'), shortDay());
    // one day, no history: every forecast is the recent trend; its headroom is assumed until the
    // fleet has 48 of its own past forecasts' errors (five-minute periods with load: four hours)
    expect(new Set(predictive.recorder.decisions.map((d) => d.forecastSource))).toEqual(new Set(['TrendOnly']));
    const early = predictive.recorder.decisions.filter((d) => d.reason === 'ScaleUpPredicted' && d.minute < 4 * 60);
    expect(early.length).toBeGreaterThan(0);
    expect(early.every((d) => d.forecast?.includes('assumed: 2 sigma of Poisson noise'))).toBe(true);
    expect(reactive.recorder.decisions.length).toBeGreaterThan(0);
    expect(reactive.recorder.decisions.every((d) => d.forecastSource === undefined)).toBe(true);
  });

  it('is deterministic: the same seed gives the same figures', async () => {
    const a = summarize(await runScenario(options('target-tracking'), shortDay(7)));
    const b = summarize(await runScenario(options('target-tracking'), shortDay(7)));
    expect({ ...a, wallMs: 0, scaleTickMs: 0 }).toEqual({ ...b, wallMs: 0, scaleTickMs: 0 });
  });

  it('stream-safe scale-in (maxVictimRequests 0) cuts no stream where the same day with the least-loaded victims cuts some', async () => {
    // Long calls (mean 20, sd 40 minutes: about 3 % pass the 60-minute grace) make a cut likely
    // on any victim that still serves; a limit of 0 only ever drains empty instances, which
    // the closing at minute 270 (no arrivals after it, as at a call centre) leaves.
    const longCalls = (maxVictimRequests?: number): ScenarioOptions => ({ ...options('predictive'), days: 0.5, ...(maxVictimRequests === undefined ? {} : { maxVictimRequests }) });
    const day = () => closingDay(3, { meanMinutes: 20, sdMinutes: 40 });
    const free = await runScenario(longCalls(), day());
    const safe = await runScenario(longCalls(0), day());
    expect(free.totals.streamsCutByCause['lifecycle-complete']).toBeGreaterThan(0);
    expect(safe.totals.streamsCutByCause['lifecycle-complete']).toBe(0);
    expect(safe.drainSeconds.length).toBeGreaterThan(0);
    // Empty victims release at their first post-SIGINT reading: no drain reaches the grace deadline.
    expect(Math.max(...safe.drainSeconds)).toBeLessThan(3600);
  });

  it('derives the fleet from the scenario: boot time, grace, capacity and bounds', () => {
    const fleet = scenarioConfig({ ...STANDARD_SCENARIO, bootMinutes: 12, graceMinutes: 30, capacity: 80, min: 2, max: 40 }).fleets[0]!;
    expect(fleet.warmupSeconds).toBe(720);
    expect(fleet.drain.gracePeriodSeconds).toBe(1800);
    expect(fleet.kinds.stream).toEqual({ capacity: 'engine', fallbackCapacity: 80 });
    expect([fleet.minInstances, fleet.maxInstances]).toEqual([2, 40]);
    expect(fleet.dryRun).toBe(false);
  });
});
