import { ConfigError, validateConfig, type ConfigProblem } from '../lib/config/load.js';
import type { ConfigInput } from '../lib/config/schema.js';

export type FleetInput = ConfigInput['fleets'][number];

/**
 * The fleet documents tests run on, built in one place: a fleet with only the fields every
 * fleet must state (150 streams an instance, 1 to 4 instances), `overrides` replacing
 * whole fields, so a test names exactly what it depends on.
 */
export function asgFleet(name: string, autoScalingGroupName: string, overrides: Record<string, unknown> = {}): FleetInput {
  return { name, target: { type: 'asg', autoScalingGroupName }, kinds: { stream: { capacity: 150 } }, minInstances: 1, maxInstances: 4, ...overrides } as FleetInput;
}

/** The same for an EKS managed node group. */
export function eksFleet(name: string, clusterName: string, nodegroupName: string, overrides: Record<string, unknown> = {}): FleetInput {
  return asgFleet(name, '', { target: { type: 'eks', clusterName, nodegroupName }, ...overrides });
}

export function fleetDocument(fleets: FleetInput[], overrides: Partial<ConfigInput> = {}): ConfigInput {
  return { version: 1, fleets, ...overrides };
}

/** A one-fleet document whose fleet is `asgFleet('a', 'g')` with `patch` applied. */
export function withFleet(patch: Record<string, unknown>): ConfigInput {
  return fleetDocument([asgFleet('a', 'g', patch)]);
}

/** What validation says of a document: its problems, none for a valid one. */
export function problemsOf(document: unknown): ConfigProblem[] {
  try {
    validateConfig(document, 'test');
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  return [];
}
