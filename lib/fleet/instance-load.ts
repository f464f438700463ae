import type { MetricDataQuery, MetricDataResult } from '@aws-sdk/client-cloudwatch';
import { readMetricData } from '../aws/metric-data.js';
import type { CloudWatchPort } from '../aws/ports.js';
import type { RetryPolicy } from '../aws/retry.js';
import type { Target } from '../config/schema.js';
import { ENGINE_METRICS, INSTANCE_DIMENSION, KIND_DIMENSION, REQUEST_KINDS, fleetDimensions, type RequestKind } from './engine-metrics.js';
import { queryWindow } from './query-window.js';

/** What one instance is serving, from its own engine_active_requests datapoints. */
export interface InstanceLoad {
  activeStreams?: number;
  /** Every kind (stream, batch, tts) that reported, added up. */
  activeRequests?: number;
  /**
   * Start of the oldest of the per-kind datapoints that were added up: the load is known
   * to hold from this instant on, which is what "observed since the SIGINT" must compare.
   */
  at?: Date;
}

export interface InstanceLoadArgs {
  namespace: string;
  target: Target;
  instanceIds: string[];
  now: Date;
  periodSeconds: number;
  /** Complete periods looked back over; an instance with no datapoint in them is unknown. */
  lookbackPeriods?: number;
  retry?: RetryPolicy;
}

export class InstanceLoadError extends Error {
  override readonly name = 'InstanceLoadError';
}

const DEFAULT_LOOKBACK_PERIODS = 3;

interface QueryRef {
  instanceId: string;
  kind: RequestKind;
}

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
    // The instance-level dimension set of engine_active_requests (lib/fleet/engine-metrics.ts):
    // the fleet dimensions, InstanceId and kind; CloudWatch matches the set exactly.
    for (const instanceId of request.instanceIds) {
      if (seen.has(instanceId)) continue;
      seen.add(instanceId);
      for (const kind of REQUEST_KINDS) {
        const id = `i${index}_${kind}`;
        refs.set(id, { instanceId, kind });
        queries.push({
          Id: id,
          ReturnData: true,
          MetricStat: {
            Metric: {
              Namespace: args.namespace,
              MetricName: ENGINE_METRICS.activeRequests,
              Dimensions: [...fleet, { Name: INSTANCE_DIMENSION, Value: instanceId }, { Name: KIND_DIMENSION, Value: kind }],
            },
            Period: args.periodSeconds,
            // Maximum: the agent may scrape several times a period; the busiest sample is
            // the one that must not be cut.
            Stat: 'Maximum',
          },
        });
      }
      index++;
    }
  }
  return { queries, refs };
}

/**
 * Reads each instance's active requests with as few GetMetricData calls as the 500-query
 * limit allows (one call up to 166 instances), following NextToken.
 */
export async function readInstanceLoad(cloudwatch: CloudWatchPort, args: InstanceLoadArgs): Promise<Map<string, InstanceLoad>> {
  const { target, instanceIds, ...rest } = args;
  return readInstanceLoads(cloudwatch, { ...rest, requests: [{ target, instanceIds }] });
}

/** The same for instances of several fleets at once: one batch of queries for all of them. */
export async function readInstanceLoads(
  cloudwatch: CloudWatchPort,
  args: Omit<InstanceLoadArgs, 'target' | 'instanceIds'> & { requests: readonly InstanceLoadRequest[] },
): Promise<Map<string, InstanceLoad>> {
  const loads = new Map<string, InstanceLoad>();
  const { queries, refs } = buildInstanceLoadQueries(args);
  if (queries.length === 0) return loads;
  const lookback = args.lookbackPeriods ?? DEFAULT_LOOKBACK_PERIODS;
  // Complete periods only: a Maximum over a half-filled period would understate the load.
  const { start, end } = queryWindow(args.now, args.periodSeconds, lookback);
  const latest = new Map<string, { value: number; at: number }>();
  const answered = new Set<string>();
  await readMetricData(
    cloudwatch,
    {
      queries,
      start,
      end,
      scanBy: 'TimestampDescending',
      retry: args.retry,
      failure: (cause, count) => new InstanceLoadError(`reading engine_active_requests for ${count} queries failed`, { cause }),
    },
    (result) => {
      if (result.Id !== undefined) answered.add(result.Id);
      keepLatest(latest, result);
    },
  );
  const byInstance = new Map<string, Array<{ kind: RequestKind; point: { value: number; at: number } | undefined }>>();
  const unanswered = new Set<string>();
  for (const [id, ref] of refs) {
    const list = byInstance.get(ref.instanceId) ?? [];
    list.push({ kind: ref.kind, point: latest.get(id) });
    byInstance.set(ref.instanceId, list);
    if (!answered.has(id)) unanswered.add(ref.instanceId);
  }
  // CloudWatch answers every query, with no datapoints if need be; a query left out of
  // the answer is a partial answer, and the kind it lacks may be the busy one: unknown.
  for (const [instanceId, kinds] of byInstance) loads.set(instanceId, unanswered.has(instanceId) ? {} : combineKinds(kinds));
  return loads;
}

function keepLatest(latest: Map<string, { value: number; at: number }>, result: MetricDataResult): void {
  if (!result.Id) return;
  const timestamps = result.Timestamps ?? [];
  const values = result.Values ?? [];
  // Pages may split one query's datapoints, and order is not guaranteed across pages.
  timestamps.forEach((timestamp, index) => {
    const value = values[index];
    if (value === undefined || !Number.isFinite(value)) return;
    const at = new Date(timestamp).getTime();
    const seen = latest.get(result.Id as string);
    if (!seen || at > seen.at) latest.set(result.Id as string, { value, at });
  });
}

function combineKinds(kinds: ReadonlyArray<{ kind: RequestKind; point: { value: number; at: number } | undefined }>): InstanceLoad {
  let total: number | undefined;
  let stream: number | undefined;
  let oldest: number | undefined;
  for (const { kind, point } of kinds) {
    if (!point) continue;
    total = (total ?? 0) + point.value;
    if (kind === 'stream') stream = point.value;
    oldest = oldest === undefined ? point.at : Math.min(oldest, point.at);
  }
  if (total === undefined) return {};
  return { activeStreams: stream, activeRequests: total, at: oldest === undefined ? undefined : new Date(oldest) };
}
