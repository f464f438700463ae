import { ListMetricsCommand } from '@aws-sdk/client-cloudwatch';
import type { CloudWatchPort } from '../aws/ports.js';
import { describeError, withRetry, type RetryPolicy } from '../aws/retry.js';
import { ENGINE_METRICS, INSTANCE_DIMENSION, KIND_DIMENSION, REQUEST_KINDS, type RequestKind } from './engine-metrics.js';

/** Which kinds each instance has an engine_active_requests series for, by instance id. */
export type SeriesPresence = ReadonlyMap<string, ReadonlySet<RequestKind>>;

export class SeriesPresenceError extends Error {
  override readonly name = 'SeriesPresenceError';
}

const KINDS = new Set<string>(REQUEST_KINDS);

/**
 * One ListMetrics walk for every fleet: the instance-level engine_active_requests series
 * that received data in the past three hours (RecentlyActive PT3H), filtered on the
 * namespace, the metric name and the presence of the InstanceId dimension (a dimension
 * filter without a value matches any value), 500 a page, following NextToken.
 *
 * Three hours, not the default two weeks: a kind whose series has been silent that long on
 * an instance that still reports is an Engine restarted since (its gauges start over), so
 * it is rightly read as never requested.
 *
 * Written as a loop rather than the SDK's paginateListMetrics, which insists on a
 * CloudWatchClient instance: the adapters take any `send` (the simulated cloud, mocks).
 */
export async function listEngineSeries(cloudwatch: CloudWatchPort, namespace: string, retry?: RetryPolicy): Promise<SeriesPresence> {
  const presence = new Map<string, Set<RequestKind>>();
  let nextToken: string | undefined;
  do {
    const token = nextToken;
    let page;
    try {
      page = await withRetry(
        'cloudwatch:ListMetrics',
        () =>
          cloudwatch.send(
            new ListMetricsCommand({ Namespace: namespace, MetricName: ENGINE_METRICS.activeRequests, Dimensions: [{ Name: INSTANCE_DIMENSION }], RecentlyActive: 'PT3H', NextToken: token }),
          ),
        retry,
      );
    } catch (cause) {
      throw new SeriesPresenceError(`listing the ${ENGINE_METRICS.activeRequests} series of ${namespace} failed: ${describeError(cause)}`, { cause });
    }
    for (const metric of page.Metrics ?? []) {
      const dimensions = metric.Dimensions ?? [];
      const instanceId = dimensions.find((d) => d.Name === INSTANCE_DIMENSION)?.Value;
      const kind = dimensions.find((d) => d.Name === KIND_DIMENSION)?.Value;
      if (instanceId === undefined || kind === undefined || !KINDS.has(kind)) continue;
      let kinds = presence.get(instanceId);
      if (!kinds) presence.set(instanceId, (kinds = new Set()));
      kinds.add(kind as RequestKind);
    }
    nextToken = page.NextToken;
  } while (nextToken);
  return presence;
}
