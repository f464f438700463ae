import type { CloudWatchPort } from '../aws/ports.js';
import type { RetryPolicy } from '../aws/retry.js';
import type { ControllerConfig, FleetConfig } from '../config/schema.js';
import { fleetLevelQueries, readSignals } from '../fleet/read-signals.js';
import { fleetLevelObservations, type FleetSeries, type PeriodObservation } from '../fleet/observation.js';
import { configuredKinds } from '../fleet/recommend.js';

/**
 * A fleet's recorded observations over [start, end): the fleet-level aggregates
 * (fleetLevelQueries: instances came and went over the span, one GetMetricData per 500 queries, NextToken followed),
 * over the whole span at once, cut into the same per-period observations. The recorded
 * instance count of a period is the number of Engines that reported in it.
 */
export async function readFleetHistory(
  cloudwatch: CloudWatchPort,
  config: ControllerConfig,
  fleet: FleetConfig,
  start: Date,
  end: Date,
  retry?: RetryPolicy,
): Promise<{ observations: PeriodObservation[]; recordedInstances: Map<number, number> }> {
  const periodMs = config.periodSeconds * 1000;
  const startMs = Math.floor(start.getTime() / periodMs) * periodMs;
  const endMs = Math.ceil(end.getTime() / periodMs) * periodMs;
  const series = await readSignals(cloudwatch, fleetLevelQueries(config, fleet, 0), { start: new Date(startMs), end: new Date(endMs), periodSeconds: config.periodSeconds }, 1, retry);
  const starts: number[] = [];
  for (let t = startMs; t < endMs; t += periodMs) starts.push(t);
  const observations = fleetLevelObservations(series[0] as FleetSeries, configuredKinds(fleet), starts, config.periodSeconds / config.scrapeIntervalSeconds);
  const recordedInstances = new Map<number, number>();
  for (const o of observations) if (o.reportingInstances !== undefined) recordedInstances.set(o.at.getTime(), o.reportingInstances);
  return { observations, recordedInstances };
}
