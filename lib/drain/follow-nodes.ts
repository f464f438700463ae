/**
 * Engine and API replicas that follow an EKS fleet's nodes. Pure.
 *
 * One Engine per node (the chart's GPU request and anti-affinity make it so): the Engine
 * Deployment wants one replica per node that is not leaving, plus one per leaving node
 * whose Engine pod has not been evicted yet. Counting those keeps the ReplicaSet from
 * choosing a victim of its own among the serving Engines while a PodDisruptionBudget
 * holds an eviction back; once the pod is evicted, the replacement the ReplicaSet makes
 * is the one unscheduled pod, and the lower count removes it first (a ReplicaSet deletes
 * unassigned pods before assigned ones). API pods follow the serving nodes at 1:ratio,
 * within their bounds, as the fleet's API target follows its Engines.
 */

export interface FollowInput {
  /** Instances of the node group that are launching or in service (not leaving). */
  nodesStaying: number;
  /** Leaving nodes that still carry an Engine pod not yet evicted. */
  leavingWithEngine: number;
  api?: { ratio: number; min: number; max: number };
}

export interface FollowDecision {
  engineReplicas: number;
  apiReplicas?: number;
  reason: 'OnePerNode';
  numbers: FollowInput & { apiUnclamped?: number };
}

export function followReplicas(input: FollowInput): FollowDecision {
  const engineReplicas = input.nodesStaying + input.leavingWithEngine;
  if (!input.api) return { engineReplicas, reason: 'OnePerNode', numbers: { ...input } };
  // ceil: an Engine count that is not a multiple of the ratio still needs an API for the rest.
  const apiUnclamped = Math.ceil(input.nodesStaying / input.api.ratio);
  const apiReplicas = Math.min(input.api.max, Math.max(input.api.min, apiUnclamped));
  return { engineReplicas, apiReplicas, reason: 'OnePerNode', numbers: { ...input, apiUnclamped } };
}
