import { simStack } from '../../bench/stack.js';
import { validateConfig } from '../../lib/config/load.js';
import type { TickResult } from '../../lib/scaling/tick.js';
import { SimCloud, simHandlerDeps, syntheticTraffic, type MinuteRecord, type TrafficSource } from '../../sim/index.js';
import { asgFleet, fleetDocument } from '../fleet-document.js';

export const START = new Date('2026-03-02T00:00:00Z');

export interface WorldFleet {
  name: string;
  /** Mean stream arrivals per minute (streams last 4.5 min on average, so ~4.5 x rate are active). */
  rate: (minute: number) => number;
  desired: number;
  /** Fleet settings that differ from the world's defaults. */
  fleet?: Record<string, unknown>;
  /** Traffic other than synthetic streams at `rate` (batch, tts, scripted). */
  traffic?: TrafficSource;
}

/** Fleets on the simulated cloud, each its own Auto Scaling group, run by the real scale (and drain) handlers. */
export function world(fleets: WorldFleet[], options: { seed?: number; drain?: boolean; maxActiveRequests?: number } = {}) {
  const cloud = new SimCloud({ start: START, seed: options.seed ?? 7 });
  for (const [i, f] of fleets.entries()) {
    cloud.addAutoScalingGroup({
      name: `asg-${f.name}`,
      minSize: 0,
      maxSize: 100,
      desiredCapacity: f.desired,
      capacity: 150,
      bootMinutes: 8,
      traffic: f.traffic ?? syntheticTraffic({ rate: f.rate, seed: (options.seed ?? 7) * 100 + i }),
      ...(options.maxActiveRequests !== undefined ? { maxActiveRequests: options.maxActiveRequests } : {}),
      tags: { 'gpu-fleet-scaler:managed': 'true' },
    });
  }
  const document = fleetDocument(fleets.map((f) => asgFleet(f.name, `asg-${f.name}`, { maxInstances: 100, dryRun: false, ...f.fleet })));
  // The controller's metrics land in the simulated CloudWatch, where alarms can be judged.
  const deps = simHandlerDeps(cloud, validateConfig(document, 'scenario'), { telemetry: cloud.controllerTelemetry() });
  const stack = simStack(cloud, deps);
  const ticks: TickResult[] = [];
  const records: MinuteRecord[] = [];
  const desired = new Map<string, number[]>(fleets.map((f) => [f.name, []]));

  /** `before` runs first every minute (a queue the test keeps, say), with the minute since the start. */
  async function run(minutes: number, before: Array<(minute: number) => Promise<void>> = []) {
    await stack.run(
      minutes,
      [
        ...before.map((hook) => async () => hook(cloud.clock.minute)),
        async (now) => {
          ticks.push(await stack.scale(now));
          for (const f of fleets) desired.get(f.name)!.push(cloud.group(`asg-${f.name}`).desired);
        },
        ...(options.drain === false ? [] : [stack.drain]),
      ],
      { lifecycleEvents: options.drain !== false, onMinute: (record) => records.push(record) },
    );
  }

  /** Reasons the scaler gave for a fleet, tick by tick. */
  const reasons = (name: string) => ticks.map((t) => t.fleets.find((f) => f.fleet === name)?.decision?.reason);
  return { cloud, deps, run, ticks, records, desired, reasons };
}

/** Changes of direction within `window` minutes of each other in a desired-count series. */
export function reversals(series: number[], window = 15): number {
  const moves: Array<{ minute: number; up: boolean }> = [];
  for (let i = 1; i < series.length; i++) if (series[i] !== series[i - 1]) moves.push({ minute: i, up: series[i]! > series[i - 1]! });
  let count = 0;
  for (let i = 1; i < moves.length; i++) if (moves[i]!.up !== moves[i - 1]!.up && moves[i]!.minute - moves[i - 1]!.minute <= window) count++;
  return count;
}
