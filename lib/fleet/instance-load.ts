import type { MetricDataQuery, MetricDataResult } from '@aws-sdk/client-cloudwatch';
import { forEachDatapoint, readMetricData, type IncompleteQuery } from '../aws/metric-data.js';
import type { CloudWatchPort } from '../aws/ports.js';
import { describeError, type RetryPolicy } from '../aws/retry.js';
import type { Target } from '../config/schema.js';
import { ENGINE_METRICS, INSTANCE_DIMENSION, KIND_DIMENSION, REQUEST_KINDS, fleetDimensions, type RequestKind } from './engine-metrics.js';
import { periodsCoveringListingLag, readInstancePeriod } from './kind-readings.js';
import { listEngineSeries, queryWindow, type SeriesPresence } from './read-signals.js';

/** What one instance is serving, from its own datapoints of one period (lib/fleet/kind-readings.ts). */
export interface InstanceLoad {
  activeStreams?: number;
  /** Every kind (stream, batch, tts) added up: each reported, or zero when never requested. */
  activeRequests?: number;
  /** Start of the period the load was read in: the load held from this instant on. */
  at?: Date;
  /** Kinds read as zero because the Engine has never been asked for them. */
  neverRequested?: RequestKind[];
}

export interface InstanceLoadArgs {
  namespace: string;
  target: Target;
  instanceIds: string[];
  now: Date;
  periodSeconds: number;
  /** Complete periods looked back over, at least the ListMetrics lag (kind-readings.ts). */
  lookbackPeriods?: number;
  retry?: RetryPolicy;
  /**
   * The tick's ListMetrics walk, when it has one. Omitted: this read lists the series itself;
   * null: the listing failed, so every kind is taken to exist and a silent one is unknown.
   */
  presence?: SeriesPresence | null;
}

export class InstanceLoadError extends Error {
  override readonly name = 'InstanceLoadError';
}

const DEFAULT_LOOKBACK_PERIODS = 3;

type QueryRef = { instanceId: string; kind: RequestKind } | { instanceId: string; kind: 'heartbeat' };

export interface InstanceLoadRequest {
  target: Target;
  instanceIds: string[];
}

export function buildInstanceLoadQueries(args: { namespace: string; periodSeconds: number; requests: readonly InstanceLoadRequest[] }): {
  queries: MetricDataQuery[];
  refs: Map<string, QueryRef>;
} {
  const queries: MetricDataQuery[] = [];
  const refs = new Map<string, QueryRef>();
  let index = 0;
  const seen = new Set<string>();
  for (const request of args.requests) {
    const fleet = Object.entries(fleetDimensions(request.target)).map(([Name, Value]) => ({ Name, Value }));
    // The instance-level dimension sets (lib/fleet/engine-metrics.ts): the fleet dimensions,
    // InstanceId and, for the active requests, kind; CloudWatch matches the set exactly.
    for (const instanceId of request.instanceIds) {
      if (seen.has(instanceId)) continue;
      seen.add(instanceId);
      const instance = { Name: INSTANCE_DIMENSION, Value: instanceId };
      for (const kind of REQUEST_KINDS) {
        const id = `i${index}_${kind}`;
        refs.set(id, { instanceId, kind });
        queries.push({
          Id: id,
          ReturnData: true,
          MetricStat: {
            Metric: { Namespace: args.namespace, MetricName: ENGINE_METRICS.activeRequests, Dimensions: [...fleet, instance, { Name: KIND_DIMENSION, Value: kind }] },
            Period: args.periodSeconds,
            // Maximum: the agent may scrape several times a period; the busiest sample is
            // the one that must not be cut.
            Stat: 'Maximum',
          },
        });
      }
      // The Engine exposes its limit from start-up, before any request: a datapoint of it
      // says the instance reports in that period, which is what lets a kind without a
      // series read as never requested rather than silent.
      const id = `i${index}_heartbeat`;
      refs.set(id, { instanceId, kind: 'heartbeat' });
      queries.push({
        Id: id,
        ReturnData: true,
        MetricStat: { Metric: { Namespace: args.namespace, MetricName: ENGINE_METRICS.maxActiveRequests, Dimensions: [...fleet, instance] }, Period: args.periodSeconds, Stat: 'SampleCount' },
      });
      index++;
    }
  }
  return { queries, refs };
}

/**
 * Reads each instance's active requests with as few GetMetricData calls as the 500-query
 * limit allows (one call up to 125 instances), following NextToken.
 */
export async function readInstanceLoad(cloudwatch: CloudWatchPort, args: InstanceLoadArgs): Promise<Map<string, InstanceLoad>> {
  const { target, instanceIds, ...rest } = args;
  return readInstanceLoads(cloudwatch, { ...rest, requests: [{ target, instanceIds }] });
}

/**
 * The same for instances of several fleets at once: one batch of queries for all of them.
 * Each instance's load is that of the newest period in which it reports and every kind is
 * known (kind-readings.ts): a kind whose series exists but has no datapoint there is
 * unknown, so that period is not used; none left: the load is unknown ({}).
 */
export async function readInstanceLoads(
  cloudwatch: CloudWatchPort,
  args: Omit<InstanceLoadArgs, 'target' | 'instanceIds'> & {
    requests: readonly InstanceLoadRequest[];
    onListingError?: (message: string) => void;
    /** Called once a read, when CloudWatch answered some queries not whole. */
    onIncomplete?: (queries: IncompleteQuery[]) => void;
  },
): Promise<Map<string, InstanceLoad>> {
  const loads = new Map<string, InstanceLoad>();
  const { queries, refs } = buildInstanceLoadQueries(args);
  if (queries.length === 0) return loads;
  let presence = args.presence;
  if (presence === undefined) {
    try {
      presence = await listEngineSeries(cloudwatch, args.namespace, args.retry);
    } catch (error) {
      args.onListingError?.(describeError(error));
      presence = null;
    }
  }
  const lookback = Math.max(args.lookbackPeriods ?? DEFAULT_LOOKBACK_PERIODS, periodsCoveringListingLag(args.periodSeconds));
  // Complete periods only: a Maximum over a half-filled period would understate the load.
  const { start, end } = queryWindow(args.now, args.periodSeconds, lookback);
  const points = new Map<string, Map<number, number>>();
  const incomplete = await readMetricData(
    cloudwatch,
    {
      queries,
      start,
      end,
      scanBy: 'TimestampDescending',
      retry: args.retry,
      failure: (cause, count) => new InstanceLoadError(`reading engine_active_requests for ${count} queries failed`, { cause }),
    },
    (result) => collect(points, result),
  );
  if (incomplete.length > 0) args.onIncomplete?.(incomplete);
  const incompleteIds = new Set(incomplete.map((q) => q.id));
  const byInstance = new Map<string, Map<RequestKind | 'heartbeat', Map<number, number>>>();
  const unknown = new Set<string>();
  for (const [id, ref] of refs) {
    const series = byInstance.get(ref.instanceId) ?? new Map();
    series.set(ref.kind, points.get(id) ?? new Map());
    byInstance.set(ref.instanceId, series);
    if (incompleteIds.has(id)) unknown.add(ref.instanceId);
  }
  const periodMs = args.periodSeconds * 1000;
  for (const [instanceId, series] of byInstance) {
    // A query CloudWatch left out of its answer, or answered InternalError, Forbidden or
    // PartialData once paging ended, may lack the busy kind's datapoints: unknown.
    if (unknown.has(instanceId)) {
      loads.set(instanceId, {});
      continue;
    }
    loads.set(instanceId, newestWholeLoad(series, presence?.get(instanceId), presence === null, start.getTime(), end.getTime(), periodMs));
  }
  return loads;
}

function newestWholeLoad(
  series: Map<RequestKind | 'heartbeat', Map<number, number>>,
  listed: ReadonlySet<RequestKind> | undefined,
  listingUnknown: boolean,
  startMs: number,
  endMs: number,
  periodMs: number,
): InstanceLoad {
  const heartbeat = series.get('heartbeat') ?? new Map<number, number>();
  for (let at = endMs - periodMs; at >= startMs; at -= periodMs) {
    const kinds: Partial<Record<RequestKind, { value?: number; listed: boolean; seenInWindow: boolean }>> = {};
    for (const kind of REQUEST_KINDS) {
      const points = series.get(kind) ?? new Map<number, number>();
      kinds[kind] = { value: points.get(at), listed: listingUnknown || (listed?.has(kind) ?? false), seenInWindow: points.size > 0 };
    }
    const reading = readInstancePeriod({ kinds, heartbeat: heartbeat.has(at) }, REQUEST_KINDS);
    if (!reading.complete) continue;
    const neverRequested = REQUEST_KINDS.filter((kind) => reading.kinds[kind]?.state === 'neverRequested');
    return {
      activeStreams: reading.kinds.stream?.value,
      activeRequests: reading.total,
      at: new Date(at),
      ...(neverRequested.length > 0 ? { neverRequested } : {}),
    };
  }
  return {};
}

function collect(points: Map<string, Map<number, number>>, result: MetricDataResult): void {
  if (!result.Id) return;
  let map = points.get(result.Id);
  if (!map) points.set(result.Id, (map = new Map()));
  const into = map;
  // Pages may split one query's datapoints, and order is not guaranteed across pages.
  forEachDatapoint(result, (atMs, value) => into.set(atMs, value));
}
