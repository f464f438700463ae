import type { ControllerConfig } from '../lib/config/schema.js';
import { createPredictiveProvider, type PredictiveProvider } from '../lib/predict/provider.js';
import type { HandlerDeps } from '../lib/runtime/deps.js';
import { MANAGED_TAG } from '../lib/fleet/group-state.js';
import type { TickResult } from '../lib/scaling/tick.js';
import { SimCloud } from '../sim/cloud.js';
import { simHandlerDeps } from '../sim/deps.js';
import type { MinuteRecord, SimulationTotals } from '../sim/figures.js';
import { loadTraceTraffic, type TrafficSource } from '../sim/traffic.js';
import { RunRecorder } from './recorder.js';
import { FLEET_NAME, GROUP_NAME, scenarioConfig, type ScenarioOptions } from './scenario.js';
import { simStack } from './stack.js';
import { BenchTelemetry } from './telemetry.js';

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
  /** Wall-clock milliseconds spent in the scale handler, summed over the ticks. */
  scaleTickMs: number;
  ticks: number;
  /** Seconds each released instance spent draining. */
  drainSeconds: number[];
  wallMs: number;
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
  const source: BenchTraffic =
    traffic ??
    loadTraceTraffic({ path: options.tracePath, scale: options.scale, days: options.days, seed: options.seed, meanMinutes: options.meanStreamMinutes, sdMinutes: options.sdStreamMinutes });
  const config: ControllerConfig = adjust ? adjust(scenarioConfig(options)) : scenarioConfig(options);
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
  const telemetry = new BenchTelemetry();
  const deps: HandlerDeps = simHandlerDeps(cloud, config, { telemetry, seed: options.seed });
  const predictive: PredictiveProvider | undefined =
    options.policy === 'predictive' ? createPredictiveProvider({ cloudwatch: deps.ports.cloudwatch, telemetry, loadConfig: deps.loadConfig, retry: deps.retry }) : undefined;
  const stack = simStack(cloud, deps, { scaleOptions: () => (predictive ? { forecast: predictive.forecast } : {}) });

  const recorder = new RunRecorder(source.minutes);
  let pending: MinuteRecord | undefined;
  let scaleTickMs = 0;
  let minutesDone = 0;
  // The drain schedule runs once first so the termination hook exists before any scale-in.
  await stack.drain(cloud.now());
  const { totals, wallMs } = await stack.run(
    source.minutes,
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
        pending = record;
        progress?.(++minutesDone, source.minutes);
      },
    },
  );

  function record(result: TickResult, minute: MinuteRecord): void {
    const outcome = result.fleets.find((f) => f.fleet === FLEET_NAME);
    if (!outcome) throw new BenchError(`the scale tick at minute ${minute.minute} returned no outcome for fleet ${FLEET_NAME}${result.configProblems ? `: ${result.configProblems.join('; ')}` : ''}`);
    const forecast = predictive?.latest.get(FLEET_NAME);
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

  return {
    options,
    start: source.start,
    totals,
    recorder,
    handlers: ['functions/scale.ts', 'functions/drain.ts'],
    handlerErrors: telemetry.counts.error,
    problems: telemetry.problems.map((p) => `${p.level} ${p.message} ${JSON.stringify(p.fields)}`),
    scaleTickMs,
    ticks: source.minutes,
    drainSeconds: telemetry.drainSeconds,
    wallMs,
  };
}
