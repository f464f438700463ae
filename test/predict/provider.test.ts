import { CloudWatchClient, GetMetricDataCommand, type GetMetricDataCommandInput, type MetricDataQuery, type MetricDataResult } from '@aws-sdk/client-cloudwatch';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { createAwsPorts } from '../../lib/aws/clients.js';
import { validateConfig } from '../../lib/config/load.js';
import type { ControllerConfig } from '../../lib/config/schema.js';
import { createPredictiveProvider, leadMinutesFor } from '../../lib/predict/provider.js';
import { MemoryTelemetry } from '../../lib/telemetry.js';

const cloudwatch = mockClient(CloudWatchClient);
const NOW = new Date('2026-03-09T10:00:30Z');
const MIN = 60_000;

const config: ControllerConfig = validateConfig(
  {
    version: 1,
    fleets: [
      { name: 'a', target: { type: 'asg', autoScalingGroupName: 'dg-a' }, kinds: { stream: { capacity: 100 } }, minInstances: 1, maxInstances: 50, warmupSeconds: 480 },
      { name: 'b', target: { type: 'eks', clusterName: 'c1', nodegroupName: 'ng-b' }, kinds: { stream: { capacity: 'engine', fallbackCapacity: 50 } }, minInstances: 1, maxInstances: 50 },
    ],
  },
  'test',
);

/** Answers every query over its window: a datapoint each period for which `value` gives one. */
function answerWith(value: (query: MetricDataQuery, atMs: number, periodMs: number) => number | undefined) {
  return (input: GetMetricDataCommandInput) => {
    const start = (input.StartTime as Date).getTime();
    const end = (input.EndTime as Date).getTime();
    const results: MetricDataResult[] = (input.MetricDataQueries ?? []).map((q) => {
      const period = (q.MetricStat?.Period ?? 60) * 1000;
      const timestamps: Date[] = [];
      const values: number[] = [];
      for (let t = start; t + period <= end; t += period) {
        const v = value(q, t, period);
        if (v === undefined) continue;
        timestamps.push(new Date(t));
        values.push(v);
      }
      return { Id: q.Id, Timestamps: timestamps, Values: values, StatusCode: 'Complete' };
    });
    return { MetricDataResults: results };
  };
}

/** Answers every query: one-minute queries with `load` per minute, five-minute ones with `history`. */
function answer(load: number, history: (atMs: number) => number) {
  // Sums of one sample per minute: a five-minute Sum is five samples.
  return answerWith((_query, t, period) => (period === 60_000 ? load : 5 * history(t)));
}

describe('predictive provider', () => {
  beforeEach(() => cloudwatch.reset());

  it('reads the weeks of history once, then one batched call per tick; the cache is extended after its TTL', async () => {
    cloudwatch.on(GetMetricDataCommand).callsFake(answer(900, () => 900));
    const telemetry = new MemoryTelemetry();
    const provider = createPredictiveProvider({ cloudwatch: createAwsPorts({ region: 'us-east-1' }).cloudwatch, telemetry, loadConfig: async () => config }, { cacheTtlSeconds: 3600 });
    // cold start: the recent hour (both fleets), then four weeks of history (both fleets): 2 calls
    await provider.forecast({ fleet: config.fleets[0]!, now: NOW, current: 5 });
    await provider.forecast({ fleet: config.fleets[1]!, now: NOW, current: 5 });
    expect(cloudwatch).toHaveReceivedCommandTimes(GetMetricDataCommand, 2);
    // next minute: only the recent hour, for both fleets in one call
    await provider.forecast({ fleet: config.fleets[0]!, now: new Date(NOW.getTime() + MIN), current: 5 });
    await provider.forecast({ fleet: config.fleets[1]!, now: new Date(NOW.getTime() + MIN), current: 5 });
    expect(cloudwatch).toHaveReceivedCommandTimes(GetMetricDataCommand, 3);
    const third = cloudwatch.commandCalls(GetMetricDataCommand)[2]!.args[0].input;
    // 2 fleets x (active stream + the Engines' samples); fleet b's capacity comes from the scale tick
    expect(third.MetricDataQueries?.map((q) => q.Id)).toEqual(['r0_stream', 'r0_engines', 'r1_stream', 'r1_engines']);
    expect(third.MetricDataQueries?.[0]?.MetricStat?.Metric?.Dimensions).toEqual([
      { Name: 'AutoScalingGroupName', Value: 'dg-a' },
      { Name: 'kind', Value: 'stream' },
    ]);
    // an hour later the history is extended in the same single call
    await provider.forecast({ fleet: config.fleets[0]!, now: new Date(NOW.getTime() + 61 * MIN), current: 5 });
    expect(cloudwatch).toHaveReceivedCommandTimes(GetMetricDataCommand, 4);
    const fourth = cloudwatch.commandCalls(GetMetricDataCommand)[3]!.args[0].input;
    expect(fourth.MetricDataQueries?.map((q) => q.Id)).toEqual(['r0_stream', 'r0_engines', 'r1_stream', 'r1_engines', 'h0_stream', 'h0_engines', 'h1_stream', 'h1_engines']);
  });

  it('queries nothing for a fleet kept reactive (predictive: false)', async () => {
    cloudwatch.on(GetMetricDataCommand).callsFake(answer(900, () => 900));
    const reactiveB: ControllerConfig = { ...config, fleets: [config.fleets[0]!, { ...config.fleets[1]!, predictive: false }] };
    const provider = createPredictiveProvider({ cloudwatch: createAwsPorts({ region: 'us-east-1' }).cloudwatch, telemetry: new MemoryTelemetry(), loadConfig: async () => reactiveB });
    await provider.forecast({ fleet: reactiveB.fleets[0]!, now: NOW, current: 5 });
    const ids = cloudwatch.commandCalls(GetMetricDataCommand).flatMap((c) => c.args[0].input.MetricDataQueries?.map((q) => q.Id) ?? []);
    // fleet a's recent hour and history only
    expect(ids).toEqual(['r0_stream', 'r0_engines', 'h0_stream', 'h0_engines']);
  });

  it('forecasts from the same time last week and says so', async () => {
    const WEEK = 7 * 86_400_000;
    // every past week: 900 until 5 minutes after this time of week, 2000 for the hour after
    const phase = (t: number) => (((t - NOW.getTime()) % WEEK) + WEEK) % WEEK;
    cloudwatch.on(GetMetricDataCommand).callsFake(answer(900, (t) => (phase(t) >= 5 * MIN && phase(t) < 65 * MIN ? 2000 : 900)));
    const telemetry = new MemoryTelemetry();
    const provider = createPredictiveProvider({ cloudwatch: createAwsPorts({ region: 'us-east-1' }).cloudwatch, telemetry, loadConfig: async () => config });
    const forecast = await provider.forecast({ fleet: config.fleets[0]!, now: NOW, current: 10 });
    // four weeks agree on a peak of 2000, and the past week's forecasts, re-run, were never short:
    // no headroom needed for the service level, 2000 / 100 = 20 instances
    expect(forecast).toMatchObject({ instances: 20, source: 'WeeklyPattern', headroom: { requests: 0, source: 'EmpiricalResiduals', fraction: 0 } });
    expect(forecast?.headroom?.samples).toBeGreaterThanOrEqual(144);
    expect(provider.latest.get('a')?.reason).toBe('WeeklyPattern');
    expect(telemetry.lines.find((l) => l.message === 'forecast')?.fields).toMatchObject({ fleet: 'a', instances: 20, reason: 'WeeklyPattern' });
  });

  it('holds a scale-in for a rise due within the scale-in window after the lead time, and never scales up for it', async () => {
    const WEEK = 7 * 86_400_000;
    // every past week: 900, then 2000 from 20 minutes after this time of week for an hour
    const phase = (t: number) => (((t - NOW.getTime()) % WEEK) + WEEK) % WEEK;
    cloudwatch.on(GetMetricDataCommand).callsFake(answer(900, (t) => (phase(t) >= 20 * MIN && phase(t) < 80 * MIN ? 2000 : 900)));
    const provider = createPredictiveProvider({ cloudwatch: createAwsPorts({ region: 'us-east-1' }).cloudwatch, telemetry: new MemoryTelemetry(), loadConfig: async () => config });
    const forecast = await provider.forecast({ fleet: config.fleets[0]!, now: NOW, current: 20 });
    // Lead 8 + 2 = 10 min, horizon 15: the rise at 20 min is beyond it (900 / 100 = 9). The
    // scale-in window of 15 min after the lead reaches 10 + 15 + 5 = 30 min: 2000 / 100 = 20.
    expect(forecast).toMatchObject({ instances: 9, scaleInHold: 20, source: 'WeeklyPattern' });
  });

  it.each([
    // Issue 13, fault 6: the forecast planned with the fleet's mean capacity estimate, which one
    // Engine reporting 1e9 inflates, so the fleet looked oversized to it.
    ['the capacity the scale tick planned with (the median, each under its Engine limit)', { stream: 100 }, 20], // 2000 / 100
    ['without a whole period, the operator\'s fallback', undefined, 40], // 2000 / 50
  ])('a fleet on the Engines\' estimate is forecast at %s, never the fleet\'s mean estimate', async (_name, capacityPerInstance, instances) => {
    const WEEK = 7 * 86_400_000;
    const phase = (t: number) => (((t - NOW.getTime()) % WEEK) + WEEK) % WEEK;
    cloudwatch.on(GetMetricDataCommand).callsFake(answer(900, (t) => (phase(t) >= 5 * MIN && phase(t) < 65 * MIN ? 2000 : 900)));
    const provider = createPredictiveProvider({ cloudwatch: createAwsPorts({ region: 'us-east-1' }).cloudwatch, telemetry: new MemoryTelemetry(), loadConfig: async () => config });
    const forecast = await provider.forecast({ fleet: config.fleets[1]!, now: NOW, current: 10, ...(capacityPerInstance ? { capacityPerInstance } : {}) });
    expect(forecast).toMatchObject({ instances, source: 'WeeklyPattern' });
    const metrics = cloudwatch.commandCalls(GetMetricDataCommand).flatMap((c) => c.args[0].input.MetricDataQueries?.map((q) => q.MetricStat?.Metric?.MetricName) ?? []);
    expect(metrics).not.toContain('engine_estimated_stream_capacity');
  });

  it('foresees an opening whose quiet hours before had no stream series at all (Engines never asked for a stream are zero load, not missing data)', async () => {
    const WEEK = 7 * 86_400_000;
    const DAY = 86_400_000;
    // Every weekday the fleet opens 5 minutes after this time of day, at 2000 streams for an
    // hour; the Engines report all the time, but a fresh Engine exposes no stream series until
    // its first stream, and each morning the fleet starts from a fresh one (the evening's
    // served Engines have left): no stream datapoint from the close until the opening.
    const phase = (t: number) => (((t - NOW.getTime()) % DAY) + DAY) % DAY;
    const open = (t: number) => phase(t) >= 5 * MIN && phase(t) < 65 * MIN;
    const weekend = (t: number) => (((t - NOW.getTime()) % WEEK) + WEEK) % WEEK >= 5 * DAY;
    cloudwatch.on(GetMetricDataCommand).callsFake(
      answerWith((q, t, period) => {
        const samples = period / 60_000;
        if (q.Id?.endsWith('_engines')) return samples;
        return open(t) && !weekend(t) ? samples * 2000 : undefined;
      }),
    );
    const provider = createPredictiveProvider({ cloudwatch: createAwsPorts({ region: 'us-east-1' }).cloudwatch, telemetry: new MemoryTelemetry(), loadConfig: async () => config }, { minResidualSamples: 100_000 });
    // Monday, quiet for the last hour: the weeks before were quiet at this time too and opened
    // at 2000 five minutes later; 2000 + 2 * sqrt(2000) = 2089.4 -> 21 instances of 100. Read as
    // missing, the quiet hours would leave no recent load (no forecast) and no lag to match.
    expect(await provider.forecast({ fleet: config.fleets[0]!, now: NOW, current: 1 })).toMatchObject({ instances: 21, source: 'WeeklyPattern' });
    expect(provider.latest.get('a')?.explanation).toContain('quiet before');
  });

  it('keeps the assumed Poisson headroom until enough past forecasts exist, and says so', async () => {
    const WEEK = 7 * 86_400_000;
    const phase = (t: number) => (((t - NOW.getTime()) % WEEK) + WEEK) % WEEK;
    cloudwatch.on(GetMetricDataCommand).callsFake(answer(900, (t) => (phase(t) >= 5 * MIN && phase(t) < 65 * MIN ? 2000 : 900)));
    const provider = createPredictiveProvider({ cloudwatch: createAwsPorts({ region: 'us-east-1' }).cloudwatch, telemetry: new MemoryTelemetry(), loadConfig: async () => config }, { minResidualSamples: 100_000 });
    // 2000 + 2 * sqrt(2000) = 2089.4 -> 21 instances of 100, within the boot time and the scale-in window after it alike
    expect(await provider.forecast({ fleet: config.fleets[0]!, now: NOW, current: 10 })).toEqual({ instances: 21, scaleInHold: 21, source: 'WeeklyPattern', headroom: { requests: 89.443, source: 'PoissonAssumed' } });
  });

  it('sizes the headroom from the errors its forecasts made on the fleet\'s past', async () => {
    const WEEK = 7 * 86_400_000;
    const DAY = 86_400_000;
    // every day, an hour at 2000 with a ten-minute burst to 2600 at a time of day that moves from day to day:
    // the weeks agree on the hour, not on the burst, so the past forecasts were short by up to 600
    const phase = (t: number) => (((t - NOW.getTime()) % DAY) + DAY) % DAY;
    const burstAt = (t: number) => (20 + 5 * (Math.floor((t - NOW.getTime()) / DAY) % 7 + 7)) * MIN;
    const load = (t: number) => (phase(t) >= 5 * MIN && phase(t) < 65 * MIN ? (Math.abs(phase(t) - burstAt(t)) < 5 * MIN ? 2600 : 2000) : 900);
    cloudwatch.on(GetMetricDataCommand).callsFake(answer(900, load));
    const provider = createPredictiveProvider({ cloudwatch: createAwsPorts({ region: 'us-east-1' }).cloudwatch, telemetry: new MemoryTelemetry(), loadConfig: async () => config });
    const forecast = await provider.forecast({ fleet: config.fleets[0]!, now: new Date(NOW.getTime() + 2 * WEEK), current: 10 });
    expect(forecast?.headroom?.source).toBe('EmpiricalResiduals');
    expect(forecast?.headroom?.fraction).toBeGreaterThan(0);
  });

  it('stays reactive when CloudWatch cannot be read, and says why', async () => {
    cloudwatch.on(GetMetricDataCommand).rejects(Object.assign(new Error('denied'), { name: 'AccessDenied' }));
    const telemetry = new MemoryTelemetry();
    const provider = createPredictiveProvider({ cloudwatch: createAwsPorts({ region: 'us-east-1' }).cloudwatch, telemetry, loadConfig: async () => config });
    expect(await provider.forecast({ fleet: config.fleets[0]!, now: NOW, current: 5 })).toBeUndefined();
    expect(telemetry.metricValues('ForecastReadErrors')).toEqual([1]);
    expect(telemetry.lines.some((l) => l.level === 'ERROR' && l.message.includes('stays reactive'))).toBe(true);
  });

  it('leads by the warm-up plus the data delay and a tick', () => {
    // 480 s warm-up = 8 min, + 2 one-minute periods
    expect(leadMinutesFor(config.fleets[0]!, 60)).toBe(10);
  });
});
