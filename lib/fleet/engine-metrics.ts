/**
 * The Engine's Prometheus metrics as the CloudWatch agent publishes them (see
 * infra/cloudwatch-agent). Prometheus labels become dimensions; every metric also
 * carries the fleet dimension (AutoScalingGroupName on EC2, ClusterName + NodegroupName
 * on EKS) and, in a second dimension set, InstanceId.
 */
export const ENGINE_METRICS = {
  activeRequests: 'engine_active_requests',
  estimatedStreamCapacity: 'engine_estimated_stream_capacity',
  maxActiveRequests: 'engine_max_active_requests',
  requestsTotal: 'engine_requests_total',
} as const;

export const REQUEST_KINDS = ['stream', 'batch', 'tts'] as const;
export type RequestKind = (typeof REQUEST_KINDS)[number];

export const KIND_DIMENSION = 'kind';
export const STATUS_DIMENSION = 'response_status';
export const INSTANCE_DIMENSION = 'InstanceId';
export const ASG_DIMENSION = 'AutoScalingGroupName';
export const CLUSTER_DIMENSION = 'ClusterName';
export const NODEGROUP_DIMENSION = 'NodegroupName';

import type { Target } from '../config/schema.js';

/** The dimensions that name a fleet in the Engine metrics. */
export function fleetDimensions(target: Target): Record<string, string> {
  return target.type === 'asg'
    ? { [ASG_DIMENSION]: target.autoScalingGroupName }
    : { [CLUSTER_DIMENSION]: target.clusterName, [NODEGROUP_DIMENSION]: target.nodegroupName };
}

/**
 * The dimension sets the CloudWatch agent publishes each Engine metric under, each
 * after the fleet dimensions (fleetDimensions): the fleet-level set is those plus
 * `fleet`, the instance-level set those plus `instance`. CloudWatch matches dimensions
 * exactly, so queries must use one of these sets to the letter: the fleet-level set
 * aggregates every instance (a Sum adds their samples), the instance-level set is what
 * drain and scale-in victim choice read.
 */
export const ENGINE_DIMENSION_SETS = {
  [ENGINE_METRICS.activeRequests]: { fleet: [KIND_DIMENSION], instance: [INSTANCE_DIMENSION, KIND_DIMENSION] },
  [ENGINE_METRICS.estimatedStreamCapacity]: { fleet: [], instance: [INSTANCE_DIMENSION] },
  [ENGINE_METRICS.maxActiveRequests]: { fleet: [], instance: [INSTANCE_DIMENSION] },
  [ENGINE_METRICS.requestsTotal]: { fleet: [STATUS_DIMENSION], instance: [INSTANCE_DIMENSION, STATUS_DIMENSION] },
} as const satisfies Record<string, { fleet: readonly string[]; instance: readonly string[] }>;
