import { GetMetricDataCommand, type GetMetricDataCommandInput } from '@aws-sdk/client-cloudwatch';
import type { CloudWatchPort } from '../../lib/aws/ports.js';
import { INSTANCE_DIMENSION, KIND_DIMENSION, STATUS_DIMENSION } from '../../lib/engine-metrics.js';

/**
 * Workaround, not a fix: the simulated cloud publishes the Engine's instance-level series
 * under exactly [InstanceId, kind], while the CloudWatch agent configuration
 * (infra/cloudwatch-agent) and readInstanceLoad use the fleet dimensions plus those. Until
 * the sim agrees, the instance-level queries reach it without the fleet dimensions.
 */
export function instanceSetAsSimPublishesIt(cloudwatch: CloudWatchPort): CloudWatchPort {
  const keep = new Set<string>([INSTANCE_DIMENSION, KIND_DIMENSION, STATUS_DIMENSION]);
  return {
    send: ((command: GetMetricDataCommand) => {
      if (!(command instanceof GetMetricDataCommand)) return cloudwatch.send(command);
      const input: GetMetricDataCommandInput = structuredClone(command.input);
      for (const query of input.MetricDataQueries ?? []) {
        const metric = query.MetricStat?.Metric;
        if (metric?.Dimensions?.some((d) => d.Name === INSTANCE_DIMENSION)) metric.Dimensions = metric.Dimensions.filter((d) => keep.has(d.Name ?? ''));
      }
      return cloudwatch.send(new GetMetricDataCommand(input));
    }) as CloudWatchPort['send'],
  };
}

