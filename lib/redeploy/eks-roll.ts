import { LAUNCH_MINUTES, type RedeployAction, type RedeploySettings, type RollPlan, type RollView } from './decide.js';
import type { RedeployMarker } from '../fleet/roll-marker.js';
import type { EksStepReason } from './reasons.js';

/**
 * The controller-driven roll of an EKS managed node group (docs/redeploy.md, "EKS"):
 * raise the node group's desired size by one segment, wait until every node the group
 * wants serves, then retire that many old nodes through the backing Auto Scaling group
 * (TerminateInstanceInAutoScalingGroup, decrementing desired), whose termination hook
 * drains them. Pure: the marker, the nodes and `now` in; one step and its reason out.
 */

/** One node of the backing Auto Scaling group, with its EC2 launch time. */
export interface NodeView {
  instanceId: string;
  lifecycleState: string;
  /** Undefined when EC2 did not report it. */
  launchedAt?: Date;
  protectedFromScaleIn: boolean;
}

export interface EksGroupView {
  /** The node group's desired size. */
  desired: number;
  /** The fleet's maximum clamped by the node group's maxSize: the surge never goes above it. */
  max: number;
  /** A node group update is in flight: UpdateNodegroupConfig would be refused and desired may be stale. */
  updating: boolean;
  nodes: NodeView[];
}

export interface EksStepNumbers {
  desired: number;
  max: number;
  /** Old nodes (launched before the roll started) still to retire. */
  oldLeft: number;
  oldServing: number;
  /** New nodes InService for at least the warm-up. */
  newReady: number;
  /** Nodes launched since the roll started, not yet ready. */
  newWarming: number;
  surge: number;
}

export type EksStep =
  | { kind: 'raise'; reason: 'SegmentRaised'; desired: number; surge: number; numbers: EksStepNumbers }
  | { kind: 'retire'; reason: 'SegmentRetired'; instanceIds: string[]; numbers: EksStepNumbers }
  | { kind: 'hold'; reason: Exclude<EksStepReason, 'SegmentRaised' | 'SegmentRetired'>; numbers: EksStepNumbers };

interface Classified {
  /** Old, not protected, not leaving: what the roll still has to replace. */
  old: NodeView[];
  newReady: number;
  newWarming: number;
  unknown: number;
}

const LEAVING = /^(Terminating|Terminated|Detaching|Detached|Standby|EnteringStandby)/;

/**
 * Old = launched before the roll started. Protected and Standby nodes are left alone, as
 * the instance refresh of an Auto Scaling group fleet leaves them (an operator put them
 * there for a reason). A node is ready once InService for the fleet's warm-up.
 */
export function classifyNodes(nodes: readonly NodeView[], since: Date, now: Date, warmupSeconds: number): Classified {
  const result: Classified = { old: [], newReady: 0, newWarming: 0, unknown: 0 };
  for (const node of nodes) {
    if (LEAVING.test(node.lifecycleState)) continue;
    if (!node.launchedAt) {
      result.unknown++;
      continue;
    }
    if (node.launchedAt.getTime() < since.getTime()) {
      if (!node.protectedFromScaleIn) result.old.push(node);
    } else if (node.lifecycleState === 'InService' && now.getTime() - node.launchedAt.getTime() >= warmupSeconds * 1000) {
      result.newReady++;
    } else {
      result.newWarming++;
    }
  }
  return result;
}

/**
 * The roll as decideRedeploy watches it, in place of an instance refresh: started at the
 * marker's `since`; cancelled once the marker carries a stop; succeeded when no old node
 * is left to replace; otherwise active with `left` old nodes. Unknown launch times leave
 * `left` unset, so no progress is read from them.
 */
export function eksRollView(marker: RedeployMarker | undefined, group: EksGroupView, now: Date, warmupSeconds: number): RollView | undefined {
  if (marker?.phase !== 'rolling' || !marker.since) return undefined;
  const base = { id: `eks-roll-${marker.since.toISOString()}`, startedAt: marker.since };
  if (marker.stop) return { ...base, state: 'cancelled', status: 'Cancelled', statusReason: marker.stop };
  const nodes = classifyNodes(group.nodes, marker.since, now, warmupSeconds);
  if (nodes.unknown > 0) return { ...base, state: 'active', status: 'InProgress' };
  if (nodes.old.length === 0) return { ...base, state: 'succeeded', status: 'Successful', left: 0 };
  return { ...base, state: 'active', status: 'InProgress', left: nodes.old.length };
}

/**
 * What a controller-driven roll needs: room for one segment above desired, within the
 * fleet's maximum. The segment is limited by that room rather than the maximum raised:
 * maxSize is the operator's bound on cost and quota, and a roll is not a reason to
 * exceed it. Per segment: the config update (a minute), launch and Pending, warm-up, and
 * the retiring tick.
 */
export function planEksRoll(desired: number, max: number, settings: RedeploySettings, windowEnd: Date): RollPlan | undefined {
  const segmentSize = Math.min(settings.segmentSize, desired, max - desired);
  if (segmentSize <= 0) return undefined;
  const segments = Math.ceil(desired / segmentSize);
  const minutesPerSegment = 1 + LAUNCH_MINUTES + Math.ceil(settings.warmupSeconds / 60) + 1;
  return {
    instances: desired,
    segmentSize,
    segments,
    minHealthyPercentage: 100,
    maxHealthyPercentage: 100 + Math.ceil((100 * segmentSize) / desired),
    instanceWarmupSeconds: settings.warmupSeconds,
    estimatedMinutes: segments * minutesPerSegment,
    windowEnd,
  };
}

export interface EksStepInput {
  now: Date;
  /** The rolling marker (with `since`). */
  marker: RedeployMarker;
  segmentSize: number;
  warmupSeconds: number;
  group: EksGroupView;
}

/**
 * The next step of a running EKS roll:
 * 1. no segment outstanding: raise desired by min(segmentSize, old left, room below max);
 * 2. a segment outstanding: once at least `surge` nodes launched since the raise and
 *    every node the group wants serves (old InService + new ready >= desired), retire
 *    `surge` old nodes, oldest first. Terminating with a decrement then leaves serving
 *    capacity at desired - surge, what it was before the raise (plus any scale-out).
 * A node group update in flight (ours or the scaler's) holds both, as does a node whose
 * launch time is unknown: it could be either old or new.
 */
export function decideEksStep(input: EksStepInput): EksStep {
  const { now, marker, group } = input;
  const since = marker.since ?? marker.window;
  const nodes = classifyNodes(group.nodes, since, now, input.warmupSeconds);
  const surge = marker.surge ?? 0;
  const oldServing = nodes.old.filter((n) => n.lifecycleState === 'InService');
  const numbers: EksStepNumbers = {
    desired: group.desired,
    max: group.max,
    oldLeft: nodes.old.length,
    oldServing: oldServing.length,
    newReady: nodes.newReady,
    newWarming: nodes.newWarming,
    surge,
  };
  const hold = (reason: Extract<EksStep, { kind: 'hold' }>['reason']): EksStep => ({ kind: 'hold', reason, numbers });

  if (nodes.unknown > 0) return hold('LaunchTimeUnknown');
  if (nodes.old.length === 0) return hold('SegmentsDone');
  if (group.updating) return hold('NodegroupUpdating');

  if (surge === 0) {
    const segment = Math.min(input.segmentSize, nodes.old.length, group.max - group.desired);
    if (segment <= 0) return hold('NoSurgeRoom');
    return { kind: 'raise', reason: 'SegmentRaised', desired: group.desired + segment, surge: segment, numbers };
  }

  const raisedAt = marker.surgeAt ?? since;
  const launchedSinceRaise = group.nodes.filter((n) => !LEAVING.test(n.lifecycleState) && n.launchedAt !== undefined && n.launchedAt.getTime() >= raisedAt.getTime()).length;
  if (launchedSinceRaise < surge) return hold('SurgeLaunching');
  if (oldServing.length + nodes.newReady < group.desired) return hold('SurgeLaunching');

  const retiring = [...oldServing]
    .sort((a, b) => (a.launchedAt as Date).getTime() - (b.launchedAt as Date).getTime() || a.instanceId.localeCompare(b.instanceId))
    .slice(0, surge)
    .map((n) => n.instanceId);
  if (retiring.length === 0) return hold('SurgeLaunching');
  return { kind: 'retire', reason: 'SegmentRetired', instanceIds: retiring, numbers };
}

/**
 * The EKS step that goes with the redeploy decision: a start, or a roll making progress,
 * takes the next segment step (with the marker the decision is about to write); a roll
 * that is over waits while a node group update is in flight, since its baseline is an
 * UpdateNodegroupConfig that would be refused.
 */
export function eksStepFor(action: RedeployAction, current: RedeployMarker | undefined, group: EksGroupView, settings: { segmentSize: number; warmupSeconds: number }, now: Date): { action: RedeployAction; step?: EksStep } {
  const stepWith = (marker: RedeployMarker | undefined) => (marker ? decideEksStep({ now, marker, segmentSize: settings.segmentSize, warmupSeconds: settings.warmupSeconds, group }) : undefined);
  if (action.kind === 'start') return withStep(action, stepWith(action.marker));
  if (action.kind === 'wait' && action.reason === 'RollInProgress') return withStep(action, stepWith(action.marker ?? current));
  if (action.kind === 'settle' && group.updating) return { action: { kind: 'wait', reason: 'SettleDeferred', progress: action.progress } };
  return { action };
}

function withStep(action: RedeployAction, step: EksStep | undefined): { action: RedeployAction; step?: EksStep } {
  return step ? { action, step } : { action };
}
