import { z } from 'zod';

/**
 * A fleet's optional backlog signal, KEDA-style (its aws-cloudwatch scaler): any CloudWatch
 * metric that counts work waiting for the fleet (a queue's depth, say), how many of those
 * requests one instance clears per minute, and the time within which the backlog must
 * clear. The fleet needs ceil(backlog / (requestsPerInstancePerMinute * clearWithinSeconds / 60))
 * instances for it; the concurrency rule's need and this one are combined, the larger wins.
 *
 * Unlike the Engine metrics, such a metric exists while no Engine runs, which is what lets
 * a fleet with minInstances 0 wake up.
 */

// CloudWatch's own rules for names: 1-255 characters, no leading colon for namespaces;
// AWS/ is reserved for AWS services but may be read (AWS/SQS is the usual backlog).
const namespace = z
  .string()
  .min(1)
  .max(255)
  .regex(/^[^:][\x20-\x7E]*$/, 'must be a CloudWatch namespace: printable ASCII, not starting with ":"');
const metricName = z.string().min(1).max(255).regex(/^[\x20-\x7E]+$/, 'must be a CloudWatch metric name: printable ASCII');
const dimensionValue = z.string().min(1).max(1024).regex(/^[\x20-\x7E]+$/, 'must be a CloudWatch dimension value: printable ASCII');

export const backlogSchema = z.strictObject({
  metric: z.strictObject({
    namespace,
    metricName,
    /** Exactly the dimensions the metric is published with: CloudWatch matches the set to the letter. */
    dimensions: z
      .record(z.string().min(1).max(255).regex(/^[^:][\x20-\x7E]*$/, 'must be a CloudWatch dimension name'), dimensionValue)
      .refine((dimensions) => Object.keys(dimensions).length <= 30, { message: 'must have at most 30 dimensions (CloudWatch limit)' })
      .default({}),
    /** A depth is a level, not a flow: Maximum over the period is the backlog at its worst. */
    statistic: z.enum(['Maximum', 'Average', 'Minimum', 'Sum', 'SampleCount']).default('Maximum'),
  }),
  /** Requests one instance clears per minute, from the operator's benchmarks. */
  requestsPerInstancePerMinute: z.number().min(0.001, 'must be at least 0.001 requests per minute').max(1_000_000),
  /** The backlog must clear within this many seconds; the shorter, the more instances it asks for. */
  clearWithinSeconds: z.number().int().min(60).max(86_400),
  /**
   * What a period without a datapoint means. `hold` (default): unknown, so the fleet never
   * shrinks on it. `zero`: the metric's publisher stops when there is nothing to count
   * (SQS stops publishing a queue's metrics after six hours without activity), so the
   * operator declares silence to be an empty backlog.
   */
  whenMissing: z.enum(['hold', 'zero']).default('hold'),
});

export type BacklogConfig = z.infer<typeof backlogSchema>;

/** Instances a backlog asks for: enough to clear it within the target time. */
export function instancesForBacklog(backlog: number, config: Pick<BacklogConfig, 'requestsPerInstancePerMinute' | 'clearWithinSeconds'>): number {
  if (backlog <= 0) return 0;
  const perInstance = (config.requestsPerInstancePerMinute * config.clearWithinSeconds) / 60;
  // Backlogs are counts, and a ratio like 30 / (3 * 10) can land a hair above an integer.
  return Math.ceil(backlog / perInstance - 1e-9);
}
