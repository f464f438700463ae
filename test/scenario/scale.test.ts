import { describe, expect, it } from 'vitest';
import { reversals, world } from './world.js';

// Capacity 150 streams per instance at the default target utilisation 0.7 plans for
// 105 streams per instance. Streams last 4.5 minutes on average, so a rate of r
// arrivals per minute keeps about 4.5 r streams active.

describe('the scale handler on the simulated cloud', () => {
  it('follows a ramp up without ever stepping back down', async () => {
    // 20/min (~90 streams) rising to 200/min (~900 streams, ceil(900/105) = 9 instances) over an hour.
    const w = world([{ name: 'ramp', desired: 1, rate: (m) => (m < 20 ? 20 : m < 80 ? 20 + ((m - 20) * 180) / 60 : 200) }]);
    await w.run(130);
    const series = w.desired.get('ramp')!;
    expect(series.at(-1)).toBeGreaterThanOrEqual(9);
    expect(series.at(-1)).toBeLessThanOrEqual(11);
    for (let i = 1; i < series.length; i++) expect(series[i]).toBeGreaterThanOrEqual(series[i - 1]!);
    expect(w.reasons('ramp')).toContain('ScaleUp');
  });

  it('gives capacity back after a drop once it has been quiet a quarter hour, without cutting a stream', async () => {
    // 200/min on 10 instances, then 10/min (~45 streams: 1 instance) from minute 30.
    const w = world([{ name: 'drop', desired: 10, rate: (m) => (m < 30 ? 200 : 10) }]);
    await w.run(150);
    const series = w.desired.get('drop')!;
    expect(series.at(-1)).toBeLessThanOrEqual(2);
    // Default scale-down: nothing before a quiet quarter hour after the drop (minute 30 + 15), then the whole way at once.
    expect(series.slice(0, 45).every((d) => d === 10)).toBe(true);
    expect(w.reasons('drop')).toContain('ScaleDown');
    // Streams here last 4.5 minutes on average, but the tail is long: one that outlives the
    // grace is cut at the deadline by design. None is cut before it.
    const totals = w.cloud.totals();
    expect(totals.streamsCutByCause['hook-timeout'] + totals.streamsCutByCause['no-hook']).toBe(0);
    expect(totals.streamsCut).toBe(totals.streamsCutAtGrace);
  });

  it('does not flap on a noisy steady signal', async () => {
    // Poisson arrivals at 100/min: ~450 streams, ceil(450/105) = 5 instances; noise of a few percent.
    const w = world([{ name: 'noisy', desired: 5, rate: () => 100 }]);
    await w.run(240);
    const series = w.desired.get('noisy')!.slice(30);
    expect(reversals(series)).toBe(0);
    expect(new Set(series).size).toBeLessThanOrEqual(2);
  });

  it('never shrinks while metrics are missing, and says so', async () => {
    // 10 instances for ~45 streams: the fleet wants to shrink, but the metrics stop at minute 5.
    const w = world([{ name: 'blind', desired: 10, rate: () => 10 }], { drain: false });
    w.cloud.faults.dropMetrics({ group: 'asg-blind', fromMinute: 5, untilMinute: 10_000 });
    await w.run(60);
    expect(Math.min(...w.desired.get('blind')!)).toBe(10);
    const reasons = w.reasons('blind');
    expect(reasons.slice(-30).every((r) => r === 'StaleData' || r === 'MissingData')).toBe(true);
  });

  it('scales out through a throttling storm', async () => {
    // One Auto Scaling call in three is throttled; retries with backoff absorb it.
    const w = world([{ name: 'throttled', desired: 1, rate: () => 150 }]);
    w.cloud.faults.add({ operation: 'autoscaling:*', probability: 0.33, error: 'Throttling' });
    w.cloud.faults.add({ operation: 'cloudwatch:GetMetricData', probability: 0.33, error: 'Throttling' });
    await w.run(60);
    // ~675 streams: ceil(675/105) = 7 instances.
    expect(w.desired.get('throttled')!.at(-1)).toBeGreaterThanOrEqual(7);
  });

  it('keeps healthy fleets moving when one fleet is broken', async () => {
    const w = world([
      { name: 'healthy-a', desired: 1, rate: () => 100 },
      { name: 'broken', desired: 1, rate: () => 100 },
      { name: 'healthy-b', desired: 1, rate: () => 100 },
    ]);
    // Every write to the broken fleet's group fails, whatever retries do.
    w.cloud.faults.add({ operation: 'autoscaling:SetDesiredCapacity', match: (input) => (input as { AutoScalingGroupName?: string }).AutoScalingGroupName === 'asg-broken', error: 'InternalFailure' });
    await w.run(40);
    expect(w.desired.get('healthy-a')!.at(-1)).toBeGreaterThanOrEqual(5);
    expect(w.desired.get('healthy-b')!.at(-1)).toBeGreaterThanOrEqual(5);
    expect(w.desired.get('broken')!.at(-1)).toBe(1);
    const brokenOutcome = w.ticks.at(-1)!.fleets.find((f) => f.fleet === 'broken');
    expect(brokenOutcome?.error).toMatch(/SetDesiredCapacity failed after 4 attempt/);
  });
});

describe('AWS API calls per tick', () => {
  it.each([
    // 1 DescribeAutoScalingGroups + 1 ListMetrics page + 1 GetMetricData of 12 queries: 5 instances x
    // (active streams, the Engine's limit) + rejected 429 and 503.
    { fleets: 1, describe: 1, list: 1, getMetricData: 1 },
    // ceil(100 / 50 names) = 2 DescribeAutoScalingGroups; 500 instance series listed = 1 page of 500;
    // 100 x 12 queries = 1200: ceil(1200 / 500) = 3 GetMetricData.
    { fleets: 100, describe: 2, list: 1, getMetricData: 3 },
  ])('$fleets fleet(s) in steady state: $describe describe + $list ListMetrics + $getMetricData GetMetricData, no writes', async ({ fleets, describe, list, getMetricData }) => {
    // ~450 streams on 5 instances: within tolerance, so no fleet writes. 20 minutes: every series listed.
    const w = world(Array.from({ length: fleets }, (_, i) => ({ name: `f${i}`, desired: 5, rate: () => 100 })), { drain: false });
    await w.run(20);
    w.cloud.resetCalls();
    await w.run(1);
    expect(w.cloud.calls.get('autoscaling:DescribeAutoScalingGroups')).toBe(describe);
    expect(w.cloud.calls.get('cloudwatch:ListMetrics')).toBe(list);
    expect(w.cloud.calls.get('cloudwatch:GetMetricData')).toBe(getMetricData);
    expect(w.cloud.callCount()).toBe(describe + list + getMetricData);
    expect(w.ticks.at(-1)!.awsCalls).toBe(describe + list + getMetricData);
  });
});
