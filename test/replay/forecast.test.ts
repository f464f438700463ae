import { GetMetricDataCommand, type MetricDataResult } from '@aws-sdk/client-cloudwatch';
import { describe, expect, it } from 'vitest';
import type { CloudWatchPort } from '../../lib/aws/ports.js';
import { validateConfig } from '../../lib/config/load.js';
import { asgFleet, fleetDocument } from '../fleet-document.js';
import type { ControllerConfig } from '../../lib/config/schema.js';
import type { PeriodObservation } from '../../lib/fleet/observation.js';
import { ENGINE_METRICS } from '../../lib/fleet/engine-metrics.js';
import { createPredictiveProvider } from '../../lib/predict/provider.js';
import { replayForecast } from '../../lib/replay/forecast.js';
import { readForecastHistory } from '../../lib/replay/read-history.js';
import { recordedCloudWatch } from '../../lib/replay/recorded-cloudwatch.js';
import { loadQueries } from '../../lib/predict/history.js';
import { replayPolicy, type ReplayResult } from '../../lib/replay/replay.js';
import type { ForecastAnswer, ForecastProvider } from '../../lib/scaling/tick.js';
import { MemoryTelemetry } from '../../lib/telemetry.js';

const MIN = 60_000;
const WEEK = 7 * 86_400_000;
/** A Monday 10:00, on a five-minute boundary: the ticks under test are placed around it. */
const T = Date.parse('2026-03-09T10:00:00Z');

// Lead: 2 min warm-up + 2 periods = 4 min (horizon 4 + 5 = 9 min); scale-down window 10 min,
// so the scale-in hold looks 4 + 10 = 14 min ahead (horizon 19 min). Capacity 100 at 0.9.
const config: ControllerConfig = validateConfig(
  fleetDocument([
    asgFleet('a', 'dg-a', {
      kinds: { stream: { capacity: 100 } },
      targetUtilization: 0.9,
      maxInstances: 50,
      warmupSeconds: 120,
      scaleUp: { stabilizationSeconds: 0, cooldownSeconds: 0, maxInstancesPerStep: 50, maxPercentPerStep: 1000 },
      scaleDown: { stabilizationSeconds: 600, cooldownSeconds: 0, maxInstancesPerStep: 50, maxPercentPerStep: 100 },
    }),
  ]),
  'test',
);
const fleet = config.fleets[0]!;

/** Mean concurrent streams in the minute starting at `ms`; undefined: no Engine reported (the fleet did not exist yet). */
type Load = (ms: number) => number | undefined;

/**
 * CloudWatch as it answers the provider's load queries (one sample per minute per Engine,
 * two Engines): each complete period within [StartTime, EndTime) of `load`.
 */
function cloudwatchOf(load: Load): CloudWatchPort {
  const send = async (command: GetMetricDataCommand) => {
    const start = (command.input.StartTime as Date).getTime();
    const end = (command.input.EndTime as Date).getTime();
    const results: MetricDataResult[] = (command.input.MetricDataQueries ?? []).map((q) => {
      const periodMs = (q.MetricStat?.Period ?? 60) * 1000;
      const engines = q.MetricStat?.Metric?.MetricName === ENGINE_METRICS.maxActiveRequests;
      const timestamps: Date[] = [];
      const values: number[] = [];
      for (let t = start; t + periodMs <= end; t += periodMs) {
        let sum = 0;
        for (let m = t; m < t + periodMs; m += MIN) sum += load(m) === undefined ? 0 : engines ? 2 : (load(m) as number);
        if (load(t) === undefined) continue;
        timestamps.push(new Date(t));
        values.push(sum);
      }
      return { Id: q.Id, Timestamps: timestamps, Values: values, StatusCode: 'Complete' };
    });
    return { MetricDataResults: results };
  };
  return { send } as unknown as CloudWatchPort;
}

/** Position within the week relative to T. */
const phase = (ms: number) => (((ms - T) % WEEK) + WEEK) % WEEK;
const thisWeek = (ms: number) => ms >= T - WEEK / 2;

/** The recorded fleet's observations from 20 minutes before `from` to `to`, `recorded` Engines reporting. */
function observed(load: Load, from: number, to: number, recorded: number) {
  const observations: PeriodObservation[] = [];
  const recordedInstances = new Map<number, number>();
  for (let t = from - 20 * MIN; t < to; t += MIN) {
    const value = load(t);
    observations.push({ at: new Date(t), load: value === undefined ? {} : { stream: value }, reportingInstances: recorded });
    recordedInstances.set(t, recorded);
  }
  return { observations, recordedInstances };
}

/** The replay of [from, to) with the live provider on the recorded history, and every forecast answer it got. */
async function replay(load: Load, from: number, to: number, recorded: number): Promise<{ result: ReplayResult; answers: Map<number, ForecastAnswer | undefined> }> {
  const history = await readForecastHistory(cloudwatchOf(load), config, fleet, new Date(from), new Date(to));
  const provider = replayForecast(config, fleet, history);
  const answers = new Map<number, ForecastAnswer | undefined>();
  const recording: ForecastProvider = async (input) => {
    const answer = await provider(input);
    answers.set(input.now.getTime(), answer);
    return answer;
  };
  const result = await replayPolicy({
    fleet,
    settings: { periodSeconds: 60, staleAfterSeconds: 180 },
    from: new Date(from),
    to: new Date(to),
    ...observed(load, from, to, recorded),
    lookbackPeriods: 12,
    forecast: recording,
  });
  return { result, answers };
}

/** Past weeks: 900 streams, and 2000 in the five minutes from T; this week 900 throughout (the pulse did not come). */
const pulse: Load = (ms) => (!thisWeek(ms) && phase(ms) < 5 * MIN ? 2000 : 900);
/** Past weeks: 900 streams, then 2000 from T for an hour; this week 900 up to T. */
const rise: Load = (ms) => (!thisWeek(ms) && phase(ms) < 60 * MIN ? 2000 : 900);
/** 900 streams give or take up to 150, a new draw every five minutes: past forecasts miss by some, so headroom is measured above zero. */
const noisy: Load = (ms) => 900 + Math.round(150 * Math.sin(Math.floor(ms / (5 * MIN)) * 12.9898) * Math.cos(Math.floor(ms / (5 * MIN)) * 78.233));

describe('replay with the live forecast provider', () => {
  // The forecasts that see the pulse's period [T, T+5) are those made up to T+4 (horizon 9 min:
  // the periods holding t and t+5 min). At T+4+N the newest of them was made N minutes ago; the
  // stabilised forecast keeps the highest of the 10-minute scale-down window: 2000 / 100 = 20.
  // The reactive rule asks for ceil(900 / (100 x 0.9)) = 10.
  it.each([
    { name: 'made 1 minute ago', tick: T + 5 * MIN, decisions: [], held: 1 },
    { name: 'made 10 minutes ago, the last minute of the window', tick: T + 14 * MIN, decisions: [], held: 1 },
    { name: 'made 11 minutes ago, past the window', tick: T + 15 * MIN, decisions: [{ to: 10, reason: 'ScaleDown' }], held: 0 },
  ])('a forecast $name holds off the scale-in of a fleet of 20 while within the scale-down window', async ({ tick, decisions, held }) => {
    const { result, answers } = await replay(pulse, tick, tick + MIN, 20);
    expect(result.decisions).toMatchObject(decisions);
    expect(result.replayed.heldByForecast).toBe(held);
    // the forecast the tick itself makes sees no pulse: only the stabilised one holds (9 = 900 / 100)
    expect(answers.get(tick)).toMatchObject(held ? { instances: 20, scaleInHold: 9 } : { instances: 9, scaleInHold: 9 });
  });

  // The forecast sees the rise at T from T-5 (horizon 9 min); the scale-in hold (lead 4 + window
  // 10, horizon 19 min) from T-15: 2000 / 100 = 20 instances, never a scale-up by itself.
  it.each([
    { name: '16 minutes before the rise, beyond the hold: a fleet of 30 scales in to the reactive 10', tick: T - 16 * MIN, recorded: 30, decision: { to: 10, reason: 'ScaleDown', forecast: { instances: 9, scaleInHold: 9 } }, held: 0 },
    { name: '15 minutes before: a fleet of 30 scales in only to the hold, 20', tick: T - 15 * MIN, recorded: 30, decision: { to: 20, reason: 'ScaleDownToForecast', forecast: { instances: 9, scaleInHold: 20 } }, held: 0 },
    { name: '10 minutes before: a fleet of 20 is held whole', tick: T - 10 * MIN, recorded: 20, decision: undefined, held: 1 },
    { name: '10 minutes before: a fleet of 12 is held too, and not raised to 20 by it', tick: T - 10 * MIN, recorded: 12, decision: undefined, held: 1 },
  ])('the scale-in hold: $name', async ({ tick, recorded, decision, held }) => {
    const { result } = await replay(rise, tick, tick + MIN, recorded);
    expect(result.decisions).toMatchObject(decision ? [{ from: recorded, ...decision, forecast: { source: 'WeeklyPattern', ...decision.forecast } }] : []);
    expect(result.replayed.heldByForecast).toBe(held);
  });

  it.each([
    { name: 'four weeks of history: measured from the past week\'s forecast errors', since: T - 29 * 86_400_000, source: 'EmpiricalResiduals' },
    { name: 'a fleet two hours old: too few past forecasts, assumed', since: T - 2 * 3_600_000, source: 'PoissonAssumed' },
  ])('the headroom and its source are what the live provider computes on the same data: $name', async ({ since, source }) => {
    const load: Load = (ms) => (ms < since ? undefined : noisy(ms));
    const live = await createPredictiveProvider({ cloudwatch: cloudwatchOf(load), telemetry: new MemoryTelemetry(), loadConfig: async () => config }).forecast({
      fleet,
      now: new Date(T),
      current: 30,
      capacityPerInstance: { stream: 100 },
    });
    const { result } = await replay(load, T, T + MIN, 30);
    // a fleet of 30 for about 900 streams scales in at once: the decision carries the forecast it was made with
    expect(result.decisions).toHaveLength(1);
    const forecast = result.decisions[0]?.forecast;
    expect(forecast?.headroom?.source).toBe(source);
    expect(forecast).toEqual({ source: live?.source, instances: live?.instances, scaleInHold: live?.scaleInHold, headroom: live?.headroom });
    if (source === 'EmpiricalResiduals') {
      // the past week's five-minute forecasts, at least the 48 trusted: a share of the peak above zero
      expect(forecast?.headroom?.samples).toBeGreaterThanOrEqual(48);
      expect(forecast?.headroom?.fraction).toBeGreaterThan(0);
    }
  });

  // Tick t = T - 5 min; what happens from t on must not reach the decision made at t.
  it.each([
    { name: 'a one-minute spike of 5000 streams at t', spike: (ms: number) => ms === T - 5 * MIN },
    { name: 'a step to 5000 streams from t for the hour', spike: (ms: number) => ms >= T - 5 * MIN && ms < T + 55 * MIN },
  ])('no lookahead: $name changes nothing up to t, and the forecast from t + 1 min', async ({ spike }) => {
    const t = T - 5 * MIN;
    const spiked: Load = (ms) => (spike(ms) ? 5000 : pulse(ms));
    const before = await replay(pulse, t - 3 * MIN, t + 2 * MIN, 30);
    const after = await replay(spiked, t - 3 * MIN, t + 2 * MIN, 30);
    for (const tick of [t - 3 * MIN, t - 2 * MIN, t - MIN, t]) expect(after.answers.get(tick)).toEqual(before.answers.get(tick));
    expect(after.result.decisions.filter((d) => d.at.getTime() <= t)).toEqual(before.result.decisions.filter((d) => d.at.getTime() <= t));
    // published at t + 1 min, the spike ends the ten minutes the trend line is fitted over and
    // lifts its level above the pattern's 2000 (20 instances)
    expect(before.answers.get(t + MIN)?.instances).toBe(20);
    expect(after.answers.get(t + MIN)?.instances).toBeGreaterThan(20);
  });
});

describe('the recorded CloudWatch the replay\'s provider reads', () => {
  const [query] = loadQueries(config, fleet, 'x', 300);
  // five-minute periods from T - 30 min to T + 30 min, valued by their start minute
  const atMs = Array.from({ length: 12 }, (_, i) => T - 30 * MIN + i * 5 * MIN);
  const series = { stat: query!.query.MetricStat!, startMs: T - 30 * MIN, endMs: T + 30 * MIN, atMs, values: atMs.map((t) => (t - T) / MIN) };
  const read = async (tick: number, start: number, end: number) => {
    const port = recordedCloudWatch([series], () => tick);
    const answer = await port.send(new GetMetricDataCommand({ MetricDataQueries: [query!.query], StartTime: new Date(start), EndTime: new Date(end) }));
    return answer.MetricDataResults?.[0]?.Values;
  };

  it.each([
    // periods start every 5 min from -30; one is answered once over (start + 5 <= tick and <= EndTime)
    { name: 'a tick on a period boundary: every period over by then', tick: T, end: T + 30 * MIN, values: [-30, -25, -20, -15, -10, -5] },
    { name: 'a tick inside a period: not the one under way', tick: T + 4 * MIN, end: T + 30 * MIN, values: [-30, -25, -20, -15, -10, -5] },
    { name: 'an EndTime before the tick: up to EndTime', tick: T + 30 * MIN, end: T - 10 * MIN, values: [-30, -25, -20, -15] },
  ])('answers only periods over by the tick and the EndTime: $name', async ({ tick, end, values }) => {
    expect(await read(tick, T - 30 * MIN, end)).toEqual(values);
  });

  it.each([
    { name: 'before what was read', tick: T, start: T - 35 * MIN, end: T, asked: '09:25:00.000Z..2026-03-09T10:00:00.000Z' },
    { name: 'after what was read', tick: T + 40 * MIN, start: T, end: T + 40 * MIN, asked: '10:00:00.000Z..2026-03-09T10:40:00.000Z' },
  ])('refuses a span $name, rather than answer it as missing data', async ({ tick, start, end, asked }) => {
    await expect(read(tick, start, end)).rejects.toThrow(`asks 2026-03-09T${asked}, the replay read engine_active_requests 2026-03-09T09:30:00.000Z..2026-03-09T10:30:00.000Z`);
  });
});
