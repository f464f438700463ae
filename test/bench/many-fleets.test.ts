import { describe, expect, it } from 'vitest';
import { measureManyFleets } from '../../bench/many-fleets.js';

describe('many fleets on one simulated cloud', () => {
  it('one scale Lambda with predictive scaling runs them all, reading metrics in batches', async () => {
    const result = await measureManyFleets(6, 20);
    expect(result.handlerErrors).toBe(0);
    expect(result.minutes).toBe(20);
    // Per tick: one GetMetricData for the decisions, one for the forecasts (plus once the
    // weeks of history), plus one per fleet that scales in (victims) or drains: never one
    // per fleet for reading signals. 6 ramping fleets rarely scale in within 20 minutes.
    expect(result.getMetricDataPerTick).toBeLessThan(3);
    expect(result.scaleTickMs.mean).toBeGreaterThan(0);
  });
});
