import { describeError } from '../aws/retry.js';
import { mapLimited } from '../concurrency.js';
import { kubernetesSchema, type EksTarget, type FleetConfig, type KubernetesConfig } from '../config/schema.js';
import { cordonNode, evictPod, listNodes, listPodsOnNode, NODEGROUP_LABEL, patchScale, readScale, type NodeView, type PodView } from '../k8s/api.js';
import type { KubeConnector } from '../k8s/connect.js';
import type { KubeTransport } from '../k8s/transport.js';
import type { HandlerDeps } from '../runtime/deps.js';
import type { InstanceState } from '../fleet/group-state.js';
import { followReplicas, type FollowDecision } from './follow-nodes.js';
import { reportUndatedActivities, terminationStarts, type DrainGroup } from './groups.js';
import { completeAction, recordHeartbeat } from './hook.js';
import type { InstanceLoad } from '../fleet/instance-load.js';
import { decideNodeDrain, NODE_DRAIN_REASONS, type NodeDrainDecision } from './node-drain.js';

/**
 * The shell of the EKS drain (lib/drain/node-drain.ts decides): for each instance of an
 * EKS fleet's node groups in Terminating:Wait, read its node and its Engine and API pods
 * from the Kubernetes API, decide, then cordon, evict and heartbeat or complete the hook.
 * Everything is read again each tick (the drain's start is an annotation on the node),
 * so a lost, repeated or concurrent tick changes nothing: a second cordon patches the
 * same field, a second eviction of a terminating pod is not sent, a second completion
 * gets ValidationError. Afterwards the fleet's Deployments follow its nodes.
 */

export type KubeDrainOutcome = 'DryRun' | 'Held' | 'Released' | 'AlreadyReleased' | 'Failed';

export interface KubeInstanceResult extends NodeDrainDecision {
  groupName: string;
  outcome: KubeDrainOutcome;
  /** Evictions this tick: created, refused by a PodDisruptionBudget, pod already gone. */
  evictions: { evicted: number; blocked: number; gone: number };
  detail?: string;
}

export interface KubeFollowResult extends FollowDecision {
  /** What each Deployment was found at and what was done. */
  engine?: { from: number; to: number; outcome: 'Unchanged' | 'Scaled' | 'DryRun' };
  api?: { from: number; to: number; outcome: 'Unchanged' | 'Scaled' | 'DryRun' };
}

export interface EksFleetDrainResult {
  instances: KubeInstanceResult[];
  follow?: KubeFollowResult;
  errors: string[];
}

const INSTANCE_CONCURRENCY = 8;
const FINISHED = new Set(['Succeeded', 'Failed']);

export function kubernetesSettings(fleet: FleetConfig): KubernetesConfig {
  return fleet.kubernetes ?? kubernetesSchema.parse({});
}

function matches(labels: Record<string, string>, selector: Record<string, string>): boolean {
  return Object.entries(selector).every(([k, v]) => labels[k] === v);
}

export interface EksFleetDrainInput {
  fleet: FleetConfig;
  /** The fleet's instances in Terminating:Wait in node groups (EKS targets only). */
  waiting: ReadonlyArray<{ group: DrainGroup; instanceId: string }>;
  /** The Engine node group's backing-group instances, for the replicas that follow them; undefined when not described. */
  engineInstances?: readonly InstanceState[];
  loads: Map<string, InstanceLoad>;
  now: Date;
  /** The later of AWS's clock as known and the host's: what a drain start is stamped with. */
  latest?: Date;
  hookName: string;
}

export async function drainEksFleet(deps: HandlerDeps, input: EksFleetDrainInput): Promise<EksFleetDrainResult> {
  const { fleet, now } = input;
  const settings = kubernetesSettings(fleet);
  const result: EksFleetDrainResult = { instances: [], errors: [] };
  const connector: KubeConnector | undefined = deps.kubernetes;
  const eksTarget = [fleet.target, fleet.api?.target].find((t): t is EksTarget => t?.type === 'eks');
  if (!eksTarget) return result;
  const clusterName = eksTarget.clusterName;

  let transport: KubeTransport | undefined;
  if (!connector) result.errors.push(`no Kubernetes access for cluster ${clusterName}: the drain of an EKS fleet only holds its nodes`);
  else {
    try {
      transport = await connector(clusterName);
    } catch (error) {
      result.errors.push(describeError(error));
    }
  }

  // Nodes of each node group the fleet drains, one list call per node group.
  const nodesByGroup = new Map<string, NodeView[] | Error>();
  const nodegroups = [...new Set(input.waiting.map((w) => (w.group.target as EksTarget).nodegroupName))];
  if (transport) {
    for (const nodegroup of nodegroups) {
      try {
        nodesByGroup.set(nodegroup, await listNodes(transport, `${NODEGROUP_LABEL}=${nodegroup}`));
      } catch (error) {
        nodesByGroup.set(nodegroup, error as Error);
        result.errors.push(describeError(error));
      }
    }
  }

  // The termination activity starts the clock of a node never cordoned by this controller.
  const starts = new Map<string, Date>();
  const undated: string[] = [];
  for (const groupName of new Set(input.waiting.map((w) => w.group.groupName))) {
    const ids = input.waiting.filter((w) => w.group.groupName === groupName).map((w) => w.instanceId);
    try {
      const read = await terminationStarts(deps.ports.autoscaling, groupName, ids, deps.retry);
      for (const [id, at] of read.starts) starts.set(id, at);
      undated.push(...read.undated);
    } catch (error) {
      result.errors.push(describeError(error));
    }
  }
  reportUndatedActivities(deps.telemetry, fleet.name, undated);

  const policy = { gracePeriodSeconds: fleet.drain.gracePeriodSeconds };
  const engineHeld = new Set<string>();
  result.instances = await mapLimited(input.waiting, INSTANCE_CONCURRENCY, async ({ group, instanceId }) => {
    const target = { groupName: group.groupName, hookName: input.hookName, instanceId };
    const evictions = { evicted: 0, blocked: 0, gone: 0 };
    const nodes = nodesByGroup.get((group.target as EksTarget).nodegroupName);
    let decision: NodeDrainDecision;
    let pods: PodView[] = [];
    let node: NodeView | undefined;
    try {
      if (!transport || nodes === undefined || nodes instanceof Error) throw new Error('the Kubernetes API could not be read');
      node = nodes.find((n) => n.instanceId === instanceId);
      if (node) pods = (await listPodsOnNode(transport, node.name)).filter((p) => matches(p.labels, settings.engineLabels) || matches(p.labels, settings.apiLabels));
      decision = decideNodeDrain(
        { instanceId, node, pods: pods.map((p) => ({ namespace: p.namespace, name: p.name, phase: p.phase, terminating: p.deletionTimestamp !== undefined })), load: input.loads.get(instanceId), terminatingSince: starts.get(instanceId) },
        policy,
        now,
        input.latest ?? now,
      );
    } catch (error) {
      // Without the cluster a tick cannot tell what still serves: it only keeps the hook.
      decision = {
        instanceId,
        action: 'Heartbeat',
        reason: 'KubernetesUnreadable',
        cordon: false,
        startedAt: now,
        evict: [],
        numbers: { gracePeriodSeconds: policy.gracePeriodSeconds, pods: 0, podsTerminating: 0 },
      };
      if (!(error instanceof Error && error.message === 'the Kubernetes API could not be read')) result.errors.push(describeError(error));
    }
    const evicted = new Set<string>();
    const problems: string[] = [];
    if (!fleet.dryRun) {
      try {
        if (transport && node && decision.cordon) await cordonNode(transport, node.name, decision.startedAt);
        for (const pod of decision.evict) {
          const outcome = transport ? await evictPod(transport, pod.namespace, pod.name) : 'Blocked';
          if (outcome === 'Evicted') evictions.evicted++;
          else if (outcome === 'Gone') evictions.gone++;
          else evictions.blocked++;
          if (outcome !== 'Blocked') evicted.add(`${pod.namespace}/${pod.name}`);
        }
      } catch (error) {
        // A refused cordon or eviction must not let the hook time out: hold, report, retry next tick.
        problems.push(describeError(error));
      }
    }
    // An Engine pod not evicted keeps its replica (follow-nodes.ts); unknown pods count as kept.
    const engineKept = pods.some((p) => matches(p.labels, settings.engineLabels) && !p.deletionTimestamp && !FINISHED.has(p.phase ?? '') && !evicted.has(`${p.namespace}/${p.name}`));
    if (decision.reason === 'KubernetesUnreadable' || (engineKept && decision.action === 'Heartbeat')) engineHeld.add(instanceId);
    if (fleet.dryRun) return { ...decision, groupName: group.groupName, outcome: 'DryRun' as const, evictions };
    try {
      const hook = decision.action === 'Heartbeat' ? await recordHeartbeat(deps.ports.autoscaling, target, deps.retry) : await completeAction(deps.ports.autoscaling, target, deps.retry);
      const outcome: KubeDrainOutcome = problems.length > 0 ? 'Failed' : hook.outcome !== 'Done' ? 'AlreadyReleased' : decision.action === 'Heartbeat' ? 'Held' : 'Released';
      return { ...decision, groupName: group.groupName, outcome, evictions, ...(problems.length > 0 ? { detail: problems.join('; ') } : hook.outcome !== 'Done' ? { detail: hook.message } : {}) };
    } catch (error) {
      problems.push(describeError(error));
      return { ...decision, groupName: group.groupName, outcome: 'Failed' as const, evictions, detail: problems.join('; ') };
    }
  });
  for (const r of result.instances) {
    if (r.outcome === 'Failed' && r.detail) result.errors.push(r.detail);
    if (r.drainStartDetail) deps.telemetry.warn('drain-started-at annotation not taken at its word: the clock runs from the termination, the annotation is written again', { fleet: fleet.name, instanceId: r.instanceId, problem: r.numbers.drainStartProblem, detail: r.drainStartDetail, countedFrom: r.startedAt.toISOString() });
    deps.telemetry[r.outcome === 'Failed' ? 'error' : 'info']('drain decision', {
      fleet: fleet.name,
      group: r.groupName,
      instanceId: r.instanceId,
      action: r.action,
      reason: r.reason,
      explanation: NODE_DRAIN_REASONS[r.reason],
      cordon: r.cordon,
      evict: r.evict.length,
      ...r.evictions,
      ...r.numbers,
      outcome: r.outcome,
      detail: r.detail,
      dryRun: fleet.dryRun,
    });
  }

  if (transport && input.engineInstances && (settings.engineDeployment || settings.apiDeployment)) {
    try {
      result.follow = await followNodes(deps, fleet, settings, transport, input, engineHeld);
    } catch (error) {
      result.errors.push(describeError(error));
    }
  }
  return result;
}

const STAYING = /^(Pending|InService)/;

async function followNodes(deps: HandlerDeps, fleet: FleetConfig, settings: KubernetesConfig, transport: KubeTransport, input: EksFleetDrainInput, engineHeld: Set<string>): Promise<KubeFollowResult> {
  const engineGroup = new Set(input.waiting.filter((w) => w.group.role === 'engine').map((w) => w.instanceId));
  const decision = followReplicas({
    nodesStaying: (input.engineInstances ?? []).filter((i) => STAYING.test(i.lifecycleState)).length,
    leavingWithEngine: [...engineHeld].filter((id) => engineGroup.has(id)).length,
    ...(settings.apiDeployment ? { api: { ratio: settings.apiRatio, min: settings.apiMinReplicas, max: settings.apiMaxReplicas } } : {}),
  });
  const result: KubeFollowResult = { ...decision };
  const namespace = settings.namespace as string;
  const apply = async (deployment: string, wanted: number) => {
    const from = await readScale(transport, namespace, deployment);
    if (from === wanted) return { from, to: wanted, outcome: 'Unchanged' as const };
    if (fleet.dryRun) return { from, to: wanted, outcome: 'DryRun' as const };
    await patchScale(transport, namespace, deployment, wanted);
    return { from, to: wanted, outcome: 'Scaled' as const };
  };
  if (settings.engineDeployment) result.engine = await apply(settings.engineDeployment, decision.engineReplicas);
  if (settings.apiDeployment && decision.apiReplicas !== undefined) result.api = await apply(settings.apiDeployment, decision.apiReplicas);
  if (result.engine?.outcome !== 'Unchanged' || (result.api && result.api.outcome !== 'Unchanged')) {
    deps.telemetry.info('pods follow nodes', { fleet: fleet.name, reason: decision.reason, ...decision.numbers, engine: result.engine, api: result.api, dryRun: fleet.dryRun });
  }
  return result;
}
