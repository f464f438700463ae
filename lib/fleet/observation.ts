import type { RequestKind } from './engine-metrics.js';

/** What one complete period of Engine metrics says about a fleet. `undefined` = no data. */
export interface PeriodObservation {
  /** Period start. */
  at: Date;
  /** Mean concurrent requests per kind across the fleet (samples summed over instances). */
  load: Partial<Record<RequestKind, number>>;
  /** Instances that reported at least one sample in the period. */
  reportingInstances?: number;
  /** Mean engine_estimated_stream_capacity per reporting instance. */
  streamCapacityPerInstance?: number;
  /** Requests turned away (429/503-class) during the period, all kinds. */
  rejected?: number;
}

/** The raw per-period aggregates read from CloudWatch for one fleet. */
export interface FleetSeries {
  /** Sum of engine_active_requests samples per kind, by period start (ms). */
  activeSum: Partial<Record<RequestKind, Map<number, number>>>;
  /** SampleCount of engine_active_requests for the first configured kind. */
  sampleCount: Map<number, number>;
  /** Average of engine_estimated_stream_capacity, when the fleet uses the Engine's estimate. */
  capacityAverage?: Map<number, number>;
  /** Sum of engine_requests_total deltas per rejected status. */
  rejectedSum: Map<string, Map<number, number>>;
}

/**
 * Turns raw CloudWatch aggregates into per-period observations, oldest first.
 * The agent publishes one sample per instance per scrape, so a Sum over a period adds
 * `samplesPerPeriod` samples of each instance: dividing by it gives the concurrent load.
 * A period with no active-request datapoint is missing, never zero.
 */
export function observationsFromSeries(
  series: FleetSeries,
  kinds: readonly RequestKind[],
  periodStartsMs: readonly number[],
  samplesPerPeriod: number,
): PeriodObservation[] {
  return periodStartsMs.map((startMs) => {
    const load: Partial<Record<RequestKind, number>> = {};
    for (const kind of kinds) {
      const sum = series.activeSum[kind]?.get(startMs);
      if (sum !== undefined) load[kind] = sum / samplesPerPeriod;
    }
    const samples = series.sampleCount.get(startMs);
    const capacity = series.capacityAverage?.get(startMs);
    let rejected: number | undefined;
    for (const perStatus of series.rejectedSum.values()) {
      const value = perStatus.get(startMs);
      if (value !== undefined) rejected = (rejected ?? 0) + value;
    }
    return {
      at: new Date(startMs),
      load,
      reportingInstances: samples === undefined ? undefined : Math.round(samples / samplesPerPeriod),
      streamCapacityPerInstance: capacity,
      rejected,
    };
  });
}

/** True when every configured kind has a value for the period. */
export function isComplete(observation: PeriodObservation, kinds: readonly RequestKind[]): boolean {
  return kinds.every((kind) => observation.load[kind] !== undefined);
}
