import type { ControllerConfig, FleetConfig } from '../config/schema.js';
import type { CloudWatchPort } from '../aws/ports.js';
import type { RetryPolicy } from '../aws/retry.js';
import { fleetQueries, incompleteSignalsWarning, listEngineSeries, lookbackPeriodsFor, queryWindow, readSignals, type SeriesPresence } from '../fleet/read-signals.js';
import { isComplete, observationsFromSeries, type FleetMembers, type FleetSeries, type PeriodObservation } from '../fleet/observation.js';
import { periodsCoveringListingLag } from '../fleet/kind-readings.js';
import { capacityOf, configuredKinds, recommend } from '../fleet/recommend.js';
import type { LoadView } from './decide.js';

/**
 * The fleet's load as the roll judges it, from the newest complete period. Busy is load
 * over *serving* capacity (capacity x InService instances), the figure busyUtilization
 * is written against; "needed" is what the scaler's own recommendation asks for at the
 * target utilisation, so the baseline and the scaler agree.
 */
export function loadView(fleet: FleetConfig, observations: readonly PeriodObservation[], inService: number, now: Date, settings: { periodSeconds: number; staleAfterSeconds: number }): LoadView {
  const kinds = configuredKinds(fleet);
  let latest: PeriodObservation | undefined;
  for (const observation of observations) if (isComplete(observation, kinds)) latest = observation;
  if (!latest) return { unknown: 'MissingData' };
  const needed = recommend(fleet, latest, 0)?.instances;
  let utilization = 0;
  for (const kind of kinds) {
    const load = latest.load[kind] ?? 0;
    const serving = capacityOf(fleet, kind, latest) * inService;
    utilization = Math.max(utilization, serving > 0 ? load / serving : load > 0 ? Number.POSITIVE_INFINITY : 0);
  }
  const view: LoadView = { utilization, ...(needed !== undefined ? { needed } : {}) };
  const ageSeconds = (now.getTime() - (latest.at.getTime() + settings.periodSeconds * 1000)) / 1000;
  if (ageSeconds > settings.staleAfterSeconds) return { ...view, unknown: 'StaleData' };
  if (latest.reportingInstances === undefined || latest.reportingInstances < inService) return { ...view, unknown: 'PartialData' };
  return view;
}

/**
 * One ListMetrics walk and one GetMetricData (per 500 queries) for every fleet that needs
 * its load this tick: the scaler's own per-instance reading (lib/fleet/observation.ts).
 */
export async function readObservations(
  cloudwatch: CloudWatchPort,
  config: ControllerConfig,
  wanting: ReadonlyArray<{ index: number; instances: FleetMembers['instances']; desired: number }>,
  now: Date,
  retry?: RetryPolicy,
  warn?: (message: string, fields: Record<string, unknown>) => void,
): Promise<Map<number, PeriodObservation[]>> {
  const observations = new Map<number, PeriodObservation[]>();
  if (wanting.length === 0) return observations;
  let presence: SeriesPresence | null = null;
  try {
    presence = await listEngineSeries(cloudwatch, config.engineNamespace, retry);
  } catch {
    // Unlisted: every kind counts as existing, so a silent one is unknown (no roll starts).
  }
  const window = queryWindow(now, config.periodSeconds, Math.max(lookbackPeriodsFor(0, config.staleAfterSeconds, config.periodSeconds), periodsCoveringListingLag(config.periodSeconds)));
  const queries = wanting.flatMap(({ index, instances }) => fleetQueries(config, config.fleets[index] as FleetConfig, index, instances.map((i) => i.instanceId)));
  const series = await readSignals(cloudwatch, queries, window, config.fleets.length, retry);
  const periodMs = config.periodSeconds * 1000;
  const periodStarts: number[] = [];
  for (let t = window.start.getTime(); t < window.end.getTime(); t += periodMs) periodStarts.push(t);
  const samplesPerPeriod = config.periodSeconds / config.scrapeIntervalSeconds;
  for (const { index, instances, desired } of wanting) {
    const fleet = config.fleets[index] as FleetConfig;
    const warning = incompleteSignalsWarning(fleet.name, series[index] as FleetSeries);
    if (warning) warn?.(warning.message, warning.fields);
    observations.set(index, observationsFromSeries(series[index] as FleetSeries, configuredKinds(fleet), periodStarts, samplesPerPeriod, { instances, presence, desired }));
  }
  return observations;
}
