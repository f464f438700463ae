import { CLOCK_SKEW_MARGIN_SECONDS } from '../aws-time.js';
import type { InstanceLoad } from '../fleet/instance-load.js';
import { drainClockNumbers, graceOver, type DrainClockNumbers } from './drain-clock.js';

/**
 * The drain of an EKS node, decided from what Kubernetes says about it. Pure: plain
 * values and `now` in, one decision with its reason and numbers out.
 *
 * On a Kubernetes node the controller never signals a container (the kubelet would
 * restart it, restart policy Always): it cordons the node so nothing new is scheduled
 * there, evicts the Engine and API pods through the Eviction API (which honours their
 * PodDisruptionBudgets and makes the kubelet run each pod's own graceful stop within its
 * terminationGracePeriodSeconds), and holds the lifecycle hook until none of those pods is
 * left or the fleet's grace ends.
 */

export interface NodeObservation {
  instanceId: string;
  /** The node whose providerID names the instance; undefined when the cluster has none. */
  node?: { name: string; unschedulable: boolean; drainStartedAt?: Date; drainStartedAtUnreadable?: string };
  /** The node's Engine and API pods (the fleet's labels), terminating ones included. */
  pods: ReadonlyArray<{ namespace: string; name: string; phase?: string; terminating: boolean }>;
  load: InstanceLoad | undefined;
  /** When the group's scaling activity began terminating the instance. */
  terminatingSince?: Date;
}

export const NODE_DRAIN_REASONS = {
  NodeNotInCluster: 'no node of the cluster carries this instance: nothing of the fleet runs there, releasing',
  PodsGone: 'no Engine or API pod is left on the node: releasing',
  Cordoning: 'the node is not cordoned yet: cordon it and evict its Engine and API pods',
  Evicting: 'Engine or API pods on the node are not evicted yet: evict them (a PodDisruptionBudget may refuse; asked again next tick)',
  PodsTerminating: 'every Engine and API pod on the node is running its graceful stop: holding',
  GraceExpired: 'the grace period is over: releasing, whatever is still running is cut',
  /** Not from decideNodeDrain: the shell's answer when the cluster cannot be read. */
  KubernetesUnreadable: 'the Kubernetes API could not be read: only holding, nothing cordoned, evicted or released',
} as const;
export type NodeDrainReason = keyof typeof NODE_DRAIN_REASONS;

export interface NodeDrainDecision {
  instanceId: string;
  /** What happens to the lifecycle hook. */
  action: 'Heartbeat' | 'Complete' | 'Force';
  reason: NodeDrainReason;
  /** Patch spec.unschedulable and record `startedAt` on the node as the drain's start. */
  cordon: boolean;
  startedAt: Date;
  /** Pods to post an Eviction for: the fleet's pods on the node not yet terminating. */
  evict: Array<{ namespace: string; name: string }>;
  numbers: DrainClockNumbers & {
    /** The fleet's pods still on the node (terminating ones included). */
    pods: number;
    podsTerminating: number;
    /** The node's drain-started-at annotation could not be true, and the clock runs from the termination instead (drainStart). */
    drainStartProblem?: DrainStartProblem;
  };
  /** What was wrong with the annotation: field, rule and value. */
  drainStartDetail?: string;
}

export type DrainStartProblem = 'FutureAnnotation' | 'AnnotationBeforeTermination' | 'UnreadableAnnotation';

/**
 * The node's annotation, taken at its word only when the controller could have written it:
 * it stamps the first cordon with the termination's start or its own clock, so never
 * before the termination began nor after now. Dated later (a person's edit, a skewed
 * writer) it would hold the hook past the grace; dated earlier, release streams before it.
 * One that is not a date at all is unknown. Each is replaced by the termination activity's start (else `latest`), said, and the
 * annotation is written again with the cordon.
 */
export function drainStart(annotation: Date | undefined, terminatingSince: Date | undefined, latest: Date, unreadable?: string): { at: Date; problem?: DrainStartProblem; detail?: string } {
  const fallback = terminatingSince ?? latest;
  if (!annotation && unreadable !== undefined) {
    return { at: fallback, problem: 'UnreadableAnnotation', detail: `gpu-fleet-scaler/drain-started-at must be an ISO 8601 date, got ${JSON.stringify(unreadable)}` };
  }
  if (!annotation) return { at: fallback };
  const marginMs = CLOCK_SKEW_MARGIN_SECONDS * 1000;
  if (annotation.getTime() > latest.getTime() + marginMs) {
    return { at: fallback, problem: 'FutureAnnotation', detail: `gpu-fleet-scaler/drain-started-at must not be after now (${latest.toISOString()}, ${CLOCK_SKEW_MARGIN_SECONDS} s allowed for clock skew), got ${annotation.toISOString()}` };
  }
  if (terminatingSince && annotation.getTime() < terminatingSince.getTime() - marginMs) {
    return { at: fallback, problem: 'AnnotationBeforeTermination', detail: `gpu-fleet-scaler/drain-started-at must not be before the termination activity began (${terminatingSince.toISOString()}), got ${annotation.toISOString()}` };
  }
  return { at: annotation };
}

const FINISHED = new Set(['Succeeded', 'Failed']);

/**
 * 1. No node carries the instance: release (nothing of the fleet can run there).
 * 2. The drain clock starts when the node was first cordoned by this controller (the
 *    annotation written with the cordon, when it can be true: drainStart), else at the
 *    termination activity, else now (`latest`: the later of AWS's clock as known and the host's);
 *    the deadline is that plus the grace, and nothing ever moves it.
 * 3. No Engine or API pod left that may serve (finished ones do not count): release.
 * 4. At the deadline: release whatever runs (Force), counting the streams cut.
 * 5. Otherwise cordon if needed, evict every such pod not yet terminating, and hold.
 */
export function decideNodeDrain(observation: NodeObservation, policy: { gracePeriodSeconds: number }, now: Date, latest: Date = now): NodeDrainDecision {
  const nowMs = now.getTime();
  const { node, load } = observation;
  const live = observation.pods.filter((p) => !FINISHED.has(p.phase ?? ''));
  const terminating = live.filter((p) => p.terminating).length;
  // Without either, the start is stamped on the node with `latest`, never behind AWS's
  // clock: a tick behind it (a late event) would otherwise date the drain into the past.
  const start = drainStart(node?.drainStartedAt, observation.terminatingSince, latest, node?.drainStartedAtUnreadable);
  const startMs = start.at.getTime();
  const numbers: NodeDrainDecision['numbers'] = {
    ...drainClockNumbers(startMs, policy.gracePeriodSeconds, nowMs, load),
    pods: live.length,
    podsTerminating: terminating,
    ...(start.problem ? { drainStartProblem: start.problem } : {}),
  };
  const decide = (action: NodeDrainDecision['action'], reason: NodeDrainReason, cordon = false, evict: NodeDrainDecision['evict'] = []): NodeDrainDecision => ({
    instanceId: observation.instanceId,
    action,
    reason,
    cordon,
    startedAt: new Date(startMs),
    evict,
    numbers,
    ...(start.detail ? { drainStartDetail: start.detail } : {}),
  });

  if (!node) return decide('Complete', 'NodeNotInCluster');
  if (live.length === 0) return decide('Complete', 'PodsGone');
  if (graceOver(startMs, policy.gracePeriodSeconds, nowMs)) return decide('Force', 'GraceExpired');
  const evict = live.filter((p) => !p.terminating).map(({ namespace, name }) => ({ namespace, name }));
  if (!node.unschedulable || node.drainStartedAt === undefined || start.problem) return decide('Heartbeat', 'Cordoning', true, evict);
  return evict.length > 0 ? decide('Heartbeat', 'Evicting', false, evict) : decide('Heartbeat', 'PodsTerminating');
}
