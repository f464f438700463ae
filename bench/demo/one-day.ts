import { validateConfig } from '../../lib/config/load.js';
import type { ConfigInput } from '../../lib/config/schema.js';
import type { ReasonCode } from '../../lib/scaling/reasons.js';
import { SimCloud, loadTraceTraffic, simHandlerDeps, type MinuteRecord, type SimulationTotals } from '../../sim/index.js';
import { simStack } from '../stack.js';

export interface DemoOptions {
  tracePath?: string;
  days: number;
  scale: number;
  seed: number;
}

export interface HourSummary {
  hour: Date;
  meanDemand: number;
  peakDemand: number;
  meanServingCapacity: number;
  meanInstances: number;
  overCapacityStreamMinutes: number;
  /** Scale decisions that changed the count, by reason. */
  changes: Partial<Record<ReasonCode, number>>;
  /** Every decision of the hour, by reason. */
  reasons: Partial<Record<ReasonCode, number>>;
}

export interface DemoResult {
  hours: HourSummary[];
  totals: SimulationTotals;
  wallMs: number;
}

export const DEMO_GROUP = 'deepgram-engine';

/** The fleet the demo runs: the schema's defaults, the Engine's own capacity estimate. */
export const demoConfig: ConfigInput = {
  version: 1,
  fleets: [
    {
      name: 'call-centre',
      target: { type: 'asg', autoScalingGroupName: DEMO_GROUP },
      kinds: { stream: { capacity: 'engine', fallbackCapacity: 150 } },
      minInstances: 1,
      maxInstances: 1000,
      dryRun: false,
    },
  ],
};

/**
 * Real call-centre traffic through the real scale and drain handlers on the simulated
 * cloud: the same code that runs in Lambda, on a simulated clock.
 */
export async function runDemo(options: DemoOptions): Promise<DemoResult> {
  const traffic = loadTraceTraffic({ path: options.tracePath, scale: options.scale, days: options.days, seed: options.seed });
  const cloud = new SimCloud({ start: traffic.start, seed: options.seed });
  cloud.addAutoScalingGroup({
    name: DEMO_GROUP,
    minSize: 0,
    maxSize: 1000,
    desiredCapacity: 1,
    capacity: 150,
    bootMinutes: 8,
    traffic,
    tags: { 'gpu-fleet-scaler:managed': 'true' },
  });
  const config = validateConfig(demoConfig, 'demo');
  const deps = simHandlerDeps(cloud, config);
  const stack = simStack(cloud, deps);

  const hours: HourSummary[] = [];
  let current: { summary: HourSummary; minutes: number; demand: number; capacity: number; instances: number } | undefined;
  const flush = () => {
    if (!current) return;
    const n = current.minutes;
    current.summary.meanDemand = current.demand / n;
    current.summary.meanServingCapacity = current.capacity / n;
    current.summary.meanInstances = current.instances / n;
    hours.push(current.summary);
  };
  const onMinute = (record: MinuteRecord) => {
    const hour = Math.floor(record.minute / 60);
    if (!current || current.summary.hour.getTime() !== traffic.start.getTime() + hour * 3_600_000) {
      flush();
      current = {
        summary: { hour: new Date(traffic.start.getTime() + hour * 3_600_000), meanDemand: 0, peakDemand: 0, meanServingCapacity: 0, meanInstances: 0, overCapacityStreamMinutes: 0, changes: {}, reasons: {} },
        minutes: 0,
        demand: 0,
        capacity: 0,
        instances: 0,
      };
    }
    current.minutes++;
    current.demand += record.demand;
    current.capacity += record.servingCapacity;
    current.instances += record.billed;
    current.summary.peakDemand = Math.max(current.summary.peakDemand, record.demand);
    current.summary.overCapacityStreamMinutes += record.overCapacityStreams;
  };
  const tick = async (now: Date) => {
    const result = await stack.scale(now);
    for (const fleet of result.fleets) {
      const decision = fleet.decision;
      if (!decision || !current) continue;
      current.summary.reasons[decision.reason] = (current.summary.reasons[decision.reason] ?? 0) + 1;
      if (decision.desired !== decision.numbers.current) current.summary.changes[decision.reason] = (current.summary.changes[decision.reason] ?? 0) + 1;
    }
  };
  const { totals, wallMs } = await stack.run(traffic.minutes, [tick, stack.drain], { onMinute });
  flush();
  return { hours, totals, wallMs };
}
