import type { Target } from '../../lib/config/schema.js';
import { ENGINE_DIMENSION_SETS, fleetDimensions } from '../../lib/fleet/engine-metrics.js';
import type { CloudWatchDatum } from './prometheus-pipeline.js';

/** The dimension-name sets lib/fleet/engine-metrics.ts says each Engine metric is published under. */
export function expectedDimensionSets(target: Target): Map<string, string[][]> {
  const fleet = Object.keys(fleetDimensions(target));
  return new Map(
    Object.entries(ENGINE_DIMENSION_SETS).map(([metric, sets]) => [metric, [[...fleet, ...sets.fleet].sort(), [...fleet, ...sets.instance].sort()].sort()]),
  );
}

export function producedDimensionSets(data: readonly CloudWatchDatum[]): Map<string, string[][]> {
  const byMetric = new Map<string, Set<string>>();
  for (const datum of data) {
    const sets = byMetric.get(datum.metricName) ?? new Set<string>();
    sets.add(JSON.stringify(Object.keys(datum.dimensions).sort()));
    byMetric.set(datum.metricName, sets);
  }
  return new Map([...byMetric].map(([metric, sets]) => [metric, [...sets].map((set) => JSON.parse(set) as string[]).sort()]));
}

