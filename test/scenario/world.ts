import { createDrainHandler } from '../../functions/drain.js';
import { createScaleHandler } from '../../functions/scale.js';
import { validateConfig } from '../../lib/config/load.js';
import type { ConfigInput } from '../../lib/config/schema.js';
import type { TickResult } from '../../lib/scaling/tick.js';
import { SimCloud, lambdaContext, runSimulation, scheduledEvent, simHandlerDeps, syntheticTraffic, type MinuteRecord, type TrafficSource } from '../../sim/index.js';

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
  const document: ConfigInput = {
    version: 1,
    fleets: fleets.map((f) => ({
      name: f.name,
      target: { type: 'asg', autoScalingGroupName: `asg-${f.name}` },
      kinds: { stream: { capacity: 150 } },
      minInstances: 1,
      maxInstances: 100,
      dryRun: false,
      ...f.fleet,
    })),
  };
  // The controller's metrics land in the simulated CloudWatch, where alarms can be judged.
  const deps = simHandlerDeps(cloud, validateConfig(document, 'scenario'), { telemetry: cloud.controllerTelemetry() });
  const scale = createScaleHandler(() => deps, () => ({}));
  const drain = createDrainHandler(() => ({ ...deps, drainDocumentName: cloud.drainDocumentName }));
  const ticks: TickResult[] = [];
  const records: MinuteRecord[] = [];
  const desired = new Map<string, number[]>(fleets.map((f) => [f.name, []]));

  /** `before` runs first every minute (a queue the test keeps, say), with the minute since the start. */
  async function run(minutes: number, before: Array<(minute: number) => Promise<void>> = []) {
    await runSimulation({
      cloud,
      minutes,
      everyMinute: [
        ...before.map((hook) => async () => hook(cloud.clock.minute)),
        async (now) => {
          ticks.push((await scale(scheduledEvent(now), lambdaContext('scale'))) as TickResult);
          for (const f of fleets) desired.get(f.name)!.push(cloud.group(`asg-${f.name}`).desired);
        },
        ...(options.drain === false ? [] : [async (now: Date) => void (await drain(scheduledEvent(now), lambdaContext('drain')))]),
      ],
      onLifecycleEvent: options.drain === false ? undefined : async (event) => void (await drain(event, lambdaContext('drain'))),
      onMinute: (record) => records.push(record),
    });
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
