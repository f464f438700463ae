import { STANDARD_SCENARIO, type ScenarioOptions } from './scenario.js';

/** One variant of the standard scenario, named for what it changes. */
export interface Shape {
  name: string;
  options: Partial<ScenarioOptions>;
}

/**
 * Eight shapes that differ from the standard scenario and from each other in every
 * physical parameter at once (capacity 60-250 streams, boot 4-15 min, scale 5-50 centres,
 * mean stream 3-10 min, seeds 1-3), so a result that holds on all of them is a method,
 * not a fit. Nothing was tuned on them: they are the held-out check.
 */
export const SHAPES: readonly Shape[] = [
  { name: 'small-instances', options: { capacity: 60, bootMinutes: 8, scale: 20, seed: 2 } },
  { name: 'large-slow', options: { capacity: 250, bootMinutes: 12, scale: 30, seed: 3 } },
  { name: 'slowest-boot', options: { capacity: 150, bootMinutes: 15, scale: 20, seed: 1 } },
  { name: 'fast-boot-small-scale', options: { capacity: 100, bootMinutes: 4, scale: 10, seed: 3 } },
  { name: 'one-quarter-long-calls', options: { capacity: 150, bootMinutes: 8, scale: 5, meanStreamMinutes: 10, sdStreamMinutes: 10, seed: 2 } },
  { name: 'large-short-calls', options: { capacity: 200, bootMinutes: 10, scale: 50, meanStreamMinutes: 3, sdStreamMinutes: 3, seed: 1 } },
  { name: 'long-tailed-calls', options: { capacity: 120, bootMinutes: 6, scale: 15, meanStreamMinutes: 10, sdStreamMinutes: 15, seed: 3 } },
  { name: 'short-calls-slow-boot', options: { capacity: 80, bootMinutes: 12, scale: 40, meanStreamMinutes: 3, sdStreamMinutes: 2, seed: 2 } },
];

/** The standard scenario and every shape, each with `base` (the trace, days) applied first. */
export function matrixScenarios(base: Partial<ScenarioOptions>): Array<{ name: string; options: ScenarioOptions }> {
  return [{ name: 'standard', options: {} }, ...SHAPES].map((shape) => ({ name: shape.name, options: { ...STANDARD_SCENARIO, ...base, ...shape.options } }));
}
