import { configSchema, type ConfigInput } from '../lib/config/schema.js';
import { createPredictiveProvider } from '../lib/predict/provider.js';
import { MANAGED_TAG } from '../lib/fleet/group-state.js';
import { SimCloud } from '../sim/cloud.js';
import { simHandlerDeps } from '../sim/deps.js';
import { rates, syntheticTraffic } from '../sim/traffic.js';
import { simStack } from './stack.js';
import { BenchTelemetry } from './telemetry.js';

export interface ManyFleetsResult {
  fleets: number;
  minutes: number;
  /** Wall-clock milliseconds per scale tick (all fleets), mean and worst. */
  scaleTickMs: { mean: number; max: number };
  drainTickMs: { mean: number; max: number };
  /** AWS calls per scale tick, as the handler counts them, mean and worst. */
  awsCallsPerScaleTick: { mean: number; max: number };
  /** GetMetricData calls per tick, decisions and forecasts together. */
  getMetricDataPerTick: number;
  handlerErrors: number;
}

/**
 * `fleets` Auto Scaling groups on one simulated cloud, each with its own seeded traffic
 * (a ramp at a different level), run by one scale Lambda with predictive scaling and one
 * drain Lambda: how long a tick takes and how many AWS calls it makes as fleets grow.
 */
export async function measureManyFleets(fleets: number, minutes: number, start = new Date('2026-03-02T08:00:00Z')): Promise<ManyFleetsResult> {
  const cloud = new SimCloud({ start, seed: 11 });
  const input: ConfigInput = { version: 1, fleets: [] };
  for (let i = 0; i < fleets; i++) {
    const name = `engines-${String(i).padStart(3, '0')}`;
    const peak = 20 + (i % 10) * 20;
    cloud.addAutoScalingGroup({
      name,
      minSize: 1,
      maxSize: 100,
      desiredCapacity: 2,
      capacity: 150,
      bootMinutes: 8,
      tags: { [MANAGED_TAG]: 'true' },
      traffic: syntheticTraffic({ rate: rates.noisy(rates.ramp(peak / 4, peak, 10, 10 + minutes / 2), 0.2, i + 1), seed: i + 1 }),
    });
    input.fleets.push({ name, target: { type: 'asg', autoScalingGroupName: name }, kinds: { stream: { capacity: 'engine', fallbackCapacity: 150 } }, minInstances: 1, maxInstances: 100, warmupSeconds: 480, dryRun: false });
  }
  const config = configSchema.parse(input);
  const telemetry = new BenchTelemetry();
  const deps = simHandlerDeps(cloud, config, { telemetry });
  const predictive = createPredictiveProvider({ cloudwatch: deps.ports.cloudwatch, telemetry, loadConfig: deps.loadConfig, retry: deps.retry });
  const stack = simStack(cloud, deps, { scaleOptions: () => ({ forecast: predictive.forecast }) });
  const scaleMs: number[] = [];
  const drainMs: number[] = [];
  const calls: number[] = [];
  await stack.drain(cloud.now());
  cloud.resetCalls();
  await stack.run(minutes, [
    async (now) => {
      const began = performance.now();
      const result = await stack.scale(now);
      scaleMs.push(performance.now() - began);
      calls.push(result.awsCalls);
    },
    async (now) => {
      const began = performance.now();
      await stack.drain(now);
      drainMs.push(performance.now() - began);
    },
  ]);
  const stats = (values: number[]) => ({ mean: round(values.reduce((a, b) => a + b, 0) / Math.max(1, values.length)), max: round(Math.max(0, ...values)) });
  return {
    fleets,
    minutes,
    scaleTickMs: stats(scaleMs),
    drainTickMs: stats(drainMs),
    awsCallsPerScaleTick: stats(calls),
    getMetricDataPerTick: round((cloud.calls.get('cloudwatch:GetMetricData') ?? 0) / minutes),
    handlerErrors: telemetry.counts.error,
  };
}

function round(value: number): number {
  return Math.round(value * 100) / 100;
}
