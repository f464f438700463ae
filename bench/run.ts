import type { ControllerConfig } from '../lib/config/schema.js';
import { createPredictiveProvider, type PredictiveProvider } from '../lib/predict/provider.js';
import type { HandlerDeps } from '../lib/runtime/deps.js';
import { MANAGED_TAG } from '../lib/fleet/group-state.js';
import type { TickResult } from '../lib/scaling/tick.js';
import { SimCloud } from '../sim/cloud.js';
import { simHandlerDeps } from '../sim/deps.js';
import type { MinuteRecord, SimulationTotals } from '../sim/figures.js';
import { readTrace, TraceTraffic, TrafficError, type TrafficSource } from '../sim/traffic.js';
import { HISTORY_POLICY, adoptionTraffic, chooseHistorySource, historySourceDays, totalsSince } from './adoption.js';
import { RunRecorder } from './recorder.js';
import { FLEET_NAME, GROUP_NAME, scenarioConfig, type PolicyName, type ScenarioOptions } from './scenario.js';
import { simStack } from './stack.js';
import { BenchTelemetry } from './telemetry.js';

const DAY_MS = 86_400_000;

export class BenchError extends Error {
  override readonly name = 'BenchError';
}

export interface BenchResult {
  options: ScenarioOptions;
  start: Date;
  totals: SimulationTotals;
  recorder: RunRecorder;
  /** Which real handlers ran. */
  handlers: string[];
  handlerErrors: number;
  problems: string[];
  /** Wall-clock milliseconds spent in the scale handler, summed over the scored ticks. */
  scaleTickMs: number;
  ticks: number;
  /** Seconds each released instance spent draining. */
  drainSeconds: number[];
  /** Wall-clock milliseconds of the simulation, the history's days included. */
  wallMs: number;
  /** Where the first scored tick's forecast came from (`NoForecast`: none yet); undefined without predictive scaling. */
  firstForecastSource?: string;
  /** The days the fleet ran under `policy` before adopting the controller, outside every scored figure; absent on a cold start. */
  history?: { days: number; policy: PolicyName; totals: SimulationTotals; readFrom: { first: Date; last: Date } };
}

export interface BenchTraffic extends TrafficSource {
  start: Date;
  minutes: number;
}

/**
 * Runs the scenario: the real scale and drain Lambdas against the simulated cloud on its
 * clock, through the shared runner (sim/run.ts): each minute the cloud moves, due
 * lifecycle events go to the drain Lambda, then the every-minute schedules run the scale
 * and drain Lambdas.
 */
/** Told after each simulated minute: how many are done of how many (a progress display). */
export type ScenarioProgress = (done: number, total: number) => void;

export async function runScenario(options: ScenarioOptions, traffic?: BenchTraffic, adjust?: (config: ControllerConfig) => ControllerConfig, progress?: ScenarioProgress): Promise<BenchResult> {
  const historyDays = options.historyDays ?? 0;
  const loaded = traffic ? { scored: traffic } : traceTraffic(options, historyDays);
  const scored = loaded.scored;
  const sourceDays = loaded.sourceDays ?? historySourceDays(options.days, historyDays);
  const source = historyDays > 0 ? adoptionTraffic(scored, scored.start, scored.minutes, historyDays, sourceDays) : scored;
  const historyMinutes = source.minutes - scored.minutes;
  const configOf = (policy: PolicyName): ControllerConfig => {
    const config = scenarioConfig({ ...options, policy });
    return adjust ? adjust(config) : config;
  };
  const cloud = new SimCloud({ start: source.start, seed: options.seed });
  cloud.addAutoScalingGroup({
    name: GROUP_NAME,
    minSize: options.min,
    maxSize: options.max,
    desiredCapacity: options.min,
    capacity: options.capacity,
    bootMinutes: options.bootMinutes,
    tags: { [MANAGED_TAG]: 'true' },
    traffic: source,
  });
  let minutesDone = 0;
  const tickProgress = () => progress?.(++minutesDone, source.minutes);

  // The fleet before adoption, sized as its user sized it, its Engines publishing to
  // CloudWatch as they always do; its own deployment, so nothing it kept in memory reaches
  // the controller adopted after it.
  const historyTelemetry = new BenchTelemetry();
  let history: BenchResult['history'];
  let historyWallMs = 0;
  if (historyMinutes > 0) {
    const before = simStack(cloud, simHandlerDeps(cloud, configOf(HISTORY_POLICY), { telemetry: historyTelemetry, seed: options.seed }));
    await before.drain(cloud.now());
    const { totals, wallMs } = await before.run(historyMinutes, [before.scale, before.drain], { onMinute: tickProgress });
    const sourceStart = scored.start.getTime() + (sourceDays - historyDays) * DAY_MS;
    history = { days: historyDays, policy: HISTORY_POLICY, totals, readFrom: { first: new Date(sourceStart), last: new Date(sourceStart + (historyDays - 1) * DAY_MS) } };
    historyWallMs = wallMs;
  }

  const telemetry = new BenchTelemetry();
  const deps: HandlerDeps = simHandlerDeps(cloud, configOf(options.policy), { telemetry, seed: options.seed });
  const predictive: PredictiveProvider | undefined =
    options.policy === 'predictive' ? createPredictiveProvider({ cloudwatch: deps.ports.cloudwatch, telemetry, loadConfig: deps.loadConfig, retry: deps.retry }) : undefined;
  const stack = simStack(cloud, deps, { scaleOptions: () => (predictive ? { forecast: predictive.forecast } : {}) });

  const recorder = new RunRecorder(scored.minutes);
  let pending: MinuteRecord | undefined;
  let scaleTickMs = 0;
  let firstForecastSource: string | undefined;
  // The drain schedule runs once first so the termination hook exists before any scale-in.
  if (!history) await stack.drain(cloud.now());
  const { totals, wallMs } = await stack.run(
    scored.minutes,
    [
      async (now) => {
        const began = performance.now();
        const result = await stack.scale(now);
        scaleTickMs += performance.now() - began;
        record(result, pending as MinuteRecord);
      },
      stack.drain,
    ],
    {
      onMinute: (record) => {
        // Minutes count from adoption, as the scored window's figures do.
        pending = historyMinutes > 0 ? { ...record, minute: record.minute - historyMinutes } : record;
        tickProgress();
      },
    },
  );

  function record(result: TickResult, minute: MinuteRecord): void {
    const outcome = result.fleets.find((f) => f.fleet === FLEET_NAME);
    if (!outcome) throw new BenchError(`the scale tick at minute ${minute.minute} returned no outcome for fleet ${FLEET_NAME}${result.configProblems ? `: ${result.configProblems.join('; ')}` : ''}`);
    const forecast = predictive?.latest.get(FLEET_NAME);
    if (recorder.length === 0) firstForecastSource = outcome.decision?.numbers.forecastSource;
    recorder.addMinute(minute, forecast?.instances);
    const decision = outcome.decision;
    if (decision && decision.desired !== decision.numbers.current) {
      recorder.decisions.push({
        minute: minute.minute,
        from: decision.numbers.current,
        to: decision.desired,
        reason: decision.reason,
        forecast: forecast?.explanation,
        forecastSource: decision.numbers.forecastSource,
        load: decision.numbers.load.stream,
        utilization: decision.numbers.utilization,
      });
    }
  }

  const problem = (prefix: string) => (p: { level: string; message: string; fields: Record<string, unknown> }) => `${prefix}${p.level} ${p.message} ${JSON.stringify(p.fields)}`;
  return {
    options,
    start: scored.start,
    totals: history ? totalsSince(totals, history.totals, historyDays) : totals,
    recorder,
    handlers: ['functions/scale.ts', 'functions/drain.ts'],
    // A handler error before adoption is as much a finding as one after it.
    handlerErrors: historyTelemetry.counts.error + telemetry.counts.error,
    problems: [...historyTelemetry.problems.map(problem('before adoption: ')), ...telemetry.problems.map(problem(''))],
    scaleTickMs,
    ticks: scored.minutes,
    drainSeconds: telemetry.drainSeconds,
    wallMs: historyWallMs + wallMs,
    firstForecastSource,
    ...(history ? { history } : {}),
  };
}

/**
 * The trace's scored window, and with history where the history's days are read from
 * (adoption.ts chooseHistorySource): the trace is read to its last row for them.
 */
function traceTraffic(options: ScenarioOptions, historyDays: number): { scored: BenchTraffic; sourceDays?: number } {
  // Read and parsed once: the history needs the trace twice, to find its end and to the end.
  const rows = readTrace(options.tracePath);
  const load = (days: number) => new TraceTraffic({ rows, scale: options.scale, days, seed: options.seed, meanMinutes: options.meanStreamMinutes, sdMinutes: options.sdStreamMinutes });
  if (historyDays === 0) return { scored: load(options.days) };
  const whole = load(1);
  const lastDay = Math.floor((whole.lastRowTime.getTime() - whole.start.getTime()) / DAY_MS);
  const trace = load(lastDay + 1);
  const open = (day: number) => {
    for (let m = day * 1440; m < (day + 1) * 1440; m++) if (trace.expectedArrivals(m) > 0) return true;
    return false;
  };
  const sourceDays = chooseHistorySource(open, options.days, historyDays, lastDay);
  if (sourceDays === undefined) {
    throw new TrafficError(
      `${historyDays} day(s) of history are read from whole weeks of the trace after the ${options.days} scored day(s), on the same weekdays and open on the same days as the first scored week; the trace (last row at ${trace.lastRowTime.toISOString()}) holds no such weeks`,
    );
  }
  return { scored: { start: trace.start, minutes: Math.round(options.days * 1440), arrivals: (minute) => trace.arrivals(minute) }, sourceDays };
}
