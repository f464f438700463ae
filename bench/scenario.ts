import { configSchema, type ConfigInput, type ControllerConfig } from '../lib/config/schema.js';

/** The standard scenario of SCENARIO.md: every figure a flag can change. */
export interface ScenarioOptions {
  /** Path of the trace CSV; undefined = data/bank_calls.csv.gz (sim/traffic.ts defaultTracePath). */
  tracePath?: string;
  /** Calls multiplier (twenty such centres). */
  scale: number;
  days: number;
  /** Streams one instance serves at acceptable latency. */
  capacity: number;
  /** Minutes from launch until an instance serves (boot plus model load). */
  bootMinutes: number;
  seed: number;
  graceMinutes: number;
  min: number;
  max: number;
  /** Mean and standard deviation of a stream's length, minutes. */
  meanStreamMinutes: number;
  sdStreamMinutes: number;
  policy: PolicyName;
  /** drain.maxVictimRequests: stream-safe scale-in (undefined = off, as shipped). */
  maxVictimRequests?: number;
  /**
   * Whole days the fleet runs under target tracking before it adopts `policy`, its Engines
   * publishing to CloudWatch all along; none of them is scored (bench/adoption.ts).
   * Undefined or 0: a new fleet, CloudWatch empty.
   */
  historyDays?: number;
}

export const POLICIES = ['predictive', 'reactive', 'target-tracking'] as const;
export type PolicyName = (typeof POLICIES)[number];

export const STANDARD_SCENARIO: ScenarioOptions = {
  scale: 20,
  days: 28,
  capacity: 150,
  bootMinutes: 8,
  seed: 1,
  graceMinutes: 60,
  min: 1,
  max: 1000,
  meanStreamMinutes: 4.5,
  sdStreamMinutes: 4.5,
  policy: 'predictive',
};

export const FLEET_NAME = 'standard';
export const GROUP_NAME = 'deepgram-engine';

/**
 * The fleet document the simulated deployment runs with, as a user would write it: the
 * scenario sets only its physics (capacity, boot time as the warm-up, grace, bounds);
 * everything else is the schema's defaults, so the figures are what a deployment gets.
 * The target utilisation is left to its default too: an operator states the capacity at
 * acceptable latency and lets the controller plan around it.
 *
 * - predictive: the defaults, with the stack's forecast (lib/predict) as shipped.
 * - reactive: the defaults with the fleet's `predictive: false`: no forecast.
 * - target-tracking: the SCENARIO.md reference (out at once to 70 %, in after 15 quiet
 *   minutes), run through the same handlers and physics for a like-for-like comparison.
 */
export function scenarioDocument(options: ScenarioOptions): ConfigInput {
  return {
    version: 1,
    periodSeconds: 60,
    scrapeIntervalSeconds: 60,
    fleets: [
      {
        name: FLEET_NAME,
        target: { type: 'asg', autoScalingGroupName: GROUP_NAME },
        kinds: { stream: { capacity: 'engine', fallbackCapacity: options.capacity } },
        minInstances: options.min,
        maxInstances: options.max,
        warmupSeconds: options.bootMinutes * 60,
        dryRun: false,
        drain: { gracePeriodSeconds: options.graceMinutes * 60, ...(options.maxVictimRequests !== undefined ? { maxVictimRequests: options.maxVictimRequests } : {}) },
        ...(options.policy === 'target-tracking'
          ? {
              predictive: false,
              targetUtilization: 0.7,
              tolerance: 0,
              scaleUp: { stabilizationSeconds: 0, cooldownSeconds: 0, maxInstancesPerStep: 1000, maxPercentPerStep: 1000 },
              scaleDown: { stabilizationSeconds: 900, cooldownSeconds: 0, maxInstancesPerStep: 1000, maxPercentPerStep: 1000 },
            }
          : options.policy === 'reactive'
            ? { predictive: false }
            : {}),
      },
    ],
  };
}

/** The scenario's fleet document with the schema's defaults filled in. */
export function scenarioConfig(options: ScenarioOptions): ControllerConfig {
  return configSchema.parse(scenarioDocument(options));
}
