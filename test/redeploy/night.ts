import { simStack } from '../../bench/stack.js';
import { validateConfig } from '../../lib/config/load.js';
import type { ControllerConfig } from '../../lib/config/schema.js';
import { parseMarker, REDEPLOY_TAG, type RedeployMarker } from '../../lib/fleet/roll-marker.js';
import type { RedeployTickResult } from '../../lib/redeploy/reconcile.js';
import type { TickResult } from '../../lib/scaling/tick.js';
import { MemoryTelemetry } from '../../lib/telemetry.js';
import { SimCloud, simHandlerDeps, syntheticTraffic, type MinuteRecord } from '../../sim/index.js';
import type { SimGroupState } from '../../sim/model.js';
import { asgFleet, fleetDocument } from '../fleet-document.js';

/** 02:30 in New York (EST, UTC-5): the 03:00 window opens at minute 30. */
export const NIGHT_START = new Date('2026-01-15T07:30:00Z');
export const WINDOW_OPENS_AT_MINUTE = 30;
export const GROUP = 'asg-engine';

export interface NightOptions {
  /** Mean stream arrivals per minute at a minute (streams last ~4.5 min: ~4.5 x rate active). */
  rate: (minute: number) => number;
  desired?: number;
  minInstances?: number;
  maxInstances?: number;
  redeploy?: Record<string, unknown>;
  drain?: Record<string, unknown>;
  /** The fleet's scale-in rule (its step limits, window, cooldown); the defaults when absent. */
  scaleDown?: Record<string, unknown>;
  seed?: number;
}

/**
 * One Engine fleet on the simulated cloud, run by the three real handlers every minute
 * (scale, drain, redeploy; drain also on lifecycle events), as the deployed stack
 * schedules them. Capacity 150 streams per instance, 8 minutes to boot.
 */
export function night(options: NightOptions) {
  const seed = options.seed ?? 11;
  const cloud = new SimCloud({ start: NIGHT_START, seed });
  const group = cloud.addAutoScalingGroup({
    name: GROUP,
    minSize: 0,
    maxSize: 100,
    desiredCapacity: options.desired ?? 10,
    capacity: 150,
    bootMinutes: 8,
    traffic: syntheticTraffic({ rate: options.rate, seed }),
    tags: { 'gpu-fleet-scaler:managed': 'true' },
  });
  const config = validateConfig(fleetDocument([asgFleet('engine', GROUP, nightFleet(options))]), 'night');
  return runNight(cloud, group, config, { markerTag: () => group.tags.get(REDEPLOY_TAG)?.Value });
}

/** The night fleet's settings (its target aside): a 03:00 New York roll window of three hours, segments of two. */
export function nightFleet(options: NightOptions): Record<string, unknown> {
  return {
    minInstances: options.minInstances ?? 10,
    maxInstances: options.maxInstances ?? 40,
    dryRun: false,
    redeploy: { enabled: true, schedule: 'cron(0 3 * * ? *)', timeZone: 'America/New_York', windowMinutes: 180, segmentSize: 2, busyUtilization: 0.5, ...options.redeploy },
    ...(options.drain ? { drain: options.drain } : {}),
    ...(options.scaleDown ? { scaleDown: options.scaleDown } : {}),
  };
}

export interface NightFleet {
  /** Where the redeploy marker lives: the Auto Scaling group's tag, or the node group's. */
  markerTag: () => string | undefined;
  forceDryRun?: boolean;
}

/**
 * The three real handlers over one fleet of the simulated cloud, every minute (drain also
 * on termination events), with what the night tests read back.
 */
export function runNight(cloud: SimCloud, group: SimGroupState, config: ControllerConfig, fleet: NightFleet) {
  const redeployTelemetry = new MemoryTelemetry();
  const stack = simStack(cloud, simHandlerDeps(cloud, config), { redeploy: { telemetry: redeployTelemetry, forceDryRun: fleet.forceDryRun ?? false } });
  const initialIds = new Set(group.instances.map((i) => i.id));
  const scaleTicks: TickResult[] = [];
  const redeployTicks: RedeployTickResult[] = [];
  const records: MinuteRecord[] = [];
  /** Per minute: desired capacity and whether the marker said rolling. */
  const timeline: Array<{ minute: number; desired: number; rolling: boolean; live: number }> = [];

  const marker = (): RedeployMarker | undefined => parseMarker(fleet.markerTag());

  async function run(minutes: number) {
    await stack.run(
      minutes,
      [
        async (now) => void scaleTicks.push(await stack.scale(now)),
        stack.drain,
        async (now) => void redeployTicks.push(await stack.redeploy(now)),
        async () => {
          timeline.push({ minute: cloud.minute, desired: group.desired, rolling: marker()?.phase === 'rolling', live: group.instances.filter((i) => !i.lifecycleState.startsWith('Terminating')).length });
        },
      ],
      { onMinute: (record) => records.push(record) },
    );
  }

  /** Initial instances no longer serving: terminated, or draining out through the hook. */
  const replacedInitial = () => [...initialIds].filter((id) => !group.instances.some((i) => i.id === id && !i.lifecycleState.startsWith('Terminating'))).length;
  /** Initial instances still held by the drain (Terminating:Wait). */
  const drainingInitial = () => group.instances.filter((i) => initialIds.has(i.id) && i.lifecycleState.startsWith('Terminating')).length;
  const lines = (message: string) => redeployTelemetry.lines.filter((l) => l.message === message);
  const redeployReasons = () => redeployTicks.map((t) => t.fleets[0]?.action?.reason);
  /** Invokes the redeploy handler once, outside the minute loop (an operator, or a racing tick). */
  const invokeRedeploy = (event: unknown) => stack.redeploy(event);
  /** The EKS roll's steps (SegmentRaised, SegmentRetired, holds), in order. */
  const stepReasons = () => redeployTicks.map((t) => t.fleets[0]?.step?.reason).filter((r) => r !== undefined);
  return { cloud, group, config, run, invokeRedeploy, marker, replacedInitial, drainingInitial, records, timeline, scaleTicks, redeployTicks, redeployTelemetry, lines, redeployReasons, stepReasons };
}
