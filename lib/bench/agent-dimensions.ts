import { GetMetricDataCommand, type GetMetricDataCommandInput, type MetricDataQuery } from '@aws-sdk/client-cloudwatch';
import type { CloudWatchPort } from '../aws/ports.js';
import { ASG_DIMENSION, CLUSTER_DIMENSION, INSTANCE_DIMENSION, NODEGROUP_DIMENSION } from '../engine-metrics.js';

const FLEET_DIMENSIONS = new Set([ASG_DIMENSION, CLUSTER_DIMENSION, NODEGROUP_DIMENSION]);

/**
 * The CloudWatch agent configuration (infra/cloudwatch-agent) publishes the per-instance
 * Engine metrics under the fleet dimensions plus InstanceId, and the drain queries that
 * set; the simulated cloud stores them under InstanceId alone. Until the simulator
 * publishes the agent's set, the bench translates per-instance queries to what it
 * stores, so the drain sees each instance's load as it would in AWS.
 */
export function agentDimensionPort(inner: CloudWatchPort): CloudWatchPort {
  return {
    send: ((command: unknown) => {
      if (!(command instanceof GetMetricDataCommand)) return inner.send(command as never);
      const input: GetMetricDataCommandInput = command.input;
      if (!(input.MetricDataQueries ?? []).some(isInstanceQuery)) return inner.send(command);
      return inner.send(new GetMetricDataCommand({ ...input, MetricDataQueries: (input.MetricDataQueries ?? []).map(toStored) }));
    }) as CloudWatchPort['send'],
  };
}

function isInstanceQuery(query: MetricDataQuery): boolean {
  return (query.MetricStat?.Metric?.Dimensions ?? []).some((d) => d.Name === INSTANCE_DIMENSION);
}

function toStored(query: MetricDataQuery): MetricDataQuery {
  if (!isInstanceQuery(query) || !query.MetricStat?.Metric) return query;
  const metric = query.MetricStat.Metric;
  return { ...query, MetricStat: { ...query.MetricStat, Metric: { ...metric, Dimensions: (metric.Dimensions ?? []).filter((d) => !FLEET_DIMENSIONS.has(d.Name ?? '')) } } };
}
