import { KubeTransportError, type KubeRequest, type KubeResponse, type KubeTransport } from '../lib/k8s/transport.js';
import { NODEGROUP_LABEL } from '../lib/k8s/api.js';
import type { SimClock } from './clock.js';
import type { FaultInjector, KubeFault } from './faults.js';
import type { SimFigures } from './figures.js';
import type { SimGroupState, SimInstance } from './model.js';
import { SimulationError } from './errors.js';

/**
 * The Kubernetes side of every simulated EKS cluster, as far as the drain sees it and
 * as far as it moves streams: nodes registered by the node groups' instances, an Engine
 * Deployment per node group (one Engine per node: a GPU request and anti-affinity), an
 * optional API Deployment, PodDisruptionBudgets, and EKS's own drain.
 *
 * - An Engine serves only while its pod is Running and not terminating on the instance:
 *   traffic follows pod readiness, not the Auto Scaling lifecycle (a Service routes to
 *   Ready pods whatever their node is doing).
 * - The kubelet restarts an exited container (restart policy Always): an Engine that
 *   was SIGINTed behind Kubernetes' back and emptied comes back and serves again.
 * - An eviction (policy/v1) is refused with 429 when a PDB would be broken; an evicted
 *   pod runs its preStop (the Engine stops taking streams and finishes them) and is gone
 *   once empty, or killed at its terminationGracePeriodSeconds (its streams cut).
 * - The ReplicaSet keeps `replicas` pods not terminating, deleting unscheduled pods first.
 * - The scheduler binds a pending Engine pod to a registered, schedulable node of its node
 *   group that has no Engine pod (terminating ones hold the GPU until gone).
 * - EKS's own drain: for 5 minutes after a node's instance starts terminating, EKS
 *   cordons it and evicts its pods (honouring PDBs), then gives up (EKS user guide).
 *
 * The API is reached through `transport(cluster)`, which routes the same REST requests
 * lib/k8s/api.ts sends (paths, content types, eviction bodies are checked).
 */

export interface SimNode {
  name: string;
  instance: SimInstance;
  nodegroup: string;
  unschedulable: boolean;
  annotations: Record<string, string>;
  /** Minute its instance was first seen terminating (EKS's own drain runs from there). */
  leavingSince?: number;
}

export interface SimPod {
  namespace: string;
  name: string;
  labels: Record<string, string>;
  role: 'engine' | 'api';
  deployment: SimDeployment;
  nodeName?: string;
  phase: 'Pending' | 'Running';
  createdMinute: number;
  deletionMinute?: number;
  restarts: number;
}

export interface SimDeployment {
  cluster: string;
  namespace: string;
  name: string;
  role: 'engine' | 'api';
  labels: Record<string, string>;
  replicas: number;
  graceSeconds: number;
  /** Engine Deployments: the node group whose nodes they run on. */
  nodegroup?: string;
  /** PDB over the Deployment's pods: at most this many unavailable (undefined: no PDB). */
  maxUnavailable?: number;
}

export interface KubernetesFigures {
  evictions: number;
  evictionsRefused: number;
  /** Evictions of an Engine pod on a node that was not cordoned at that moment (should stay 0). */
  evictionsOnSchedulableNode: number;
  /** Streams a pod killed at its terminationGracePeriodSeconds cut. */
  streamsCutAtPodGrace: number;
  /** Engine containers the kubelet restarted after they exited. */
  containerRestarts: number;
  /** Requests an instance accepted while its Auto Scaling lifecycle was Terminating (should stay 0). */
  acceptedWhileLeaving: number;
}

const EKS_DRAIN_MINUTES = 5;

export class SimKubernetes {
  readonly nodes = new Map<string, Map<string, SimNode>>();
  readonly pods = new Map<string, Map<string, SimPod>>();
  readonly deployments = new Map<string, SimDeployment>();
  readonly figures: KubernetesFigures = { evictions: 0, evictionsRefused: 0, evictionsOnSchedulableNode: 0, streamsCutAtPodGrace: 0, containerRestarts: 0, acceptedWhileLeaving: 0 };
  readonly calls = new Map<string, number>();
  private podSeq = 0;

  constructor(
    private readonly clock: SimClock,
    private readonly simFigures: SimFigures,
    private readonly nodegroups: () => Iterable<{ clusterName: string; nodegroupName: string; group: SimGroupState }>,
    /** Injected API server faults (sim/faults.ts kubernetes()). */
    private readonly faults?: FaultInjector,
  ) {}

  /** The node group's Engine Deployment (created with the node group, one replica per initial node). */
  addEngineDeployment(cluster: string, nodegroup: string, replicas: number, options: { namespace?: string; name?: string; graceSeconds?: number; maxUnavailable?: number } = {}): SimDeployment {
    const deployment: SimDeployment = {
      cluster,
      namespace: options.namespace ?? 'deepgram',
      name: options.name ?? 'deepgram-engine',
      role: 'engine',
      labels: { app: 'deepgram-engine' },
      replicas,
      graceSeconds: options.graceSeconds ?? 3660,
      nodegroup,
      ...(options.maxUnavailable !== undefined ? { maxUnavailable: options.maxUnavailable } : {}),
    };
    this.deployments.set(`${cluster}/${deployment.namespace}/${deployment.name}`, deployment);
    return deployment;
  }

  /** An API Deployment (its pods run on CPU nodes the simulation does not model). */
  addApiDeployment(cluster: string, replicas: number, options: { namespace?: string; name?: string } = {}): SimDeployment {
    const deployment: SimDeployment = { cluster, namespace: options.namespace ?? 'deepgram', name: options.name ?? 'deepgram-api', role: 'api', labels: { app: 'deepgram-api' }, replicas, graceSeconds: 3660 };
    this.deployments.set(`${cluster}/${deployment.namespace}/${deployment.name}`, deployment);
    return deployment;
  }

  deployment(cluster: string, namespace: string, name: string): SimDeployment | undefined {
    return this.deployments.get(`${cluster}/${namespace}/${name}`);
  }

  podsOf(deployment: SimDeployment): SimPod[] {
    return [...(this.pods.get(deployment.cluster)?.values() ?? [])].filter((p) => p.deployment === deployment);
  }

  /** Node of an instance, if it registered. */
  nodeOf(instanceId: string): SimNode | undefined {
    for (const nodes of this.nodes.values()) for (const node of nodes.values()) if (node.instance.id === instanceId) return node;
    return undefined;
  }

  /** Runs before the minute's traffic: nodes, the kubelet, the ReplicaSets, the scheduler, EKS's drain. */
  tick(): void {
    const m = this.clock.minute;
    for (const { clusterName, nodegroupName, group } of this.nodegroups()) {
      const nodes = this.clusterMap(this.nodes, clusterName);
      for (const instance of group.instances) {
        if (instance.terminated || instance.lifecycleState.startsWith('Pending')) continue;
        const name = `${instance.id}.ec2.internal`;
        let node = nodes.get(name);
        if (!node) {
          node = { name, instance, nodegroup: nodegroupName, unschedulable: false, annotations: {} };
          nodes.set(name, node);
        }
        if (instance.lifecycleState.startsWith('Terminating') && node.leavingSince === undefined) node.leavingSince = m;
      }
    }
    for (const [cluster, nodes] of this.nodes) {
      const pods = this.clusterMap(this.pods, cluster);
      for (const [name, node] of nodes) {
        if (!node.instance.terminated) continue;
        nodes.delete(name);
        // The pods of a node that is gone are gone with it (their streams were cut with the instance).
        for (const [key, pod] of pods) if (pod.nodeName === name) pods.delete(key);
      }
      for (const node of nodes.values()) if (node.leavingSince !== undefined && m - node.leavingSince <= EKS_DRAIN_MINUTES) this.eksDrain(cluster, node);
    }
    for (const [cluster, pods] of this.pods) {
      const nodes = this.clusterMap(this.nodes, cluster);
      for (const [key, pod] of pods) {
        const node = pod.nodeName ? nodes.get(pod.nodeName) : undefined;
        const engine = pod.role === 'engine' ? node?.instance.engine : undefined;
        if (pod.deletionMinute !== undefined) {
          // preStop: the Engine finishes its requests; the kubelet kills it at the grace.
          if (!engine || engine.total === 0) pods.delete(key);
          else if ((m - pod.deletionMinute) * 60 >= pod.deployment.graceSeconds) {
            const cut = engine.cutAll();
            this.figures.streamsCutAtPodGrace += cut.streams;
            this.simFigures.recordCut(cut.streams, 'pod-grace');
            pods.delete(key);
          }
        } else if (engine && pod.phase === 'Running' && engine.sigintMinute !== undefined && engine.total === 0) {
          // The container exited (SIGINT from outside Kubernetes); restart policy Always.
          engine.sigintMinute = undefined;
          pod.restarts++;
          this.figures.containerRestarts++;
        }
      }
    }
    for (const deployment of this.deployments.values()) this.reconcileReplicas(deployment, m);
    for (const deployment of this.deployments.values()) this.schedule(deployment);
    // Which instances an Engine pod serves from: read by the traffic step.
    for (const { clusterName, nodegroupName, group } of this.nodegroups()) {
      if (![...this.deployments.values()].some((d) => d.cluster === clusterName && d.nodegroup === nodegroupName)) continue;
      const pods = this.clusterMap(this.pods, clusterName);
      const serving = new Set<string>();
      for (const pod of pods.values()) if (pod.role === 'engine' && pod.phase === 'Running' && pod.deletionMinute === undefined && pod.nodeName) serving.add(pod.nodeName);
      for (const instance of group.instances) instance.engine.podServing = serving.has(`${instance.id}.ec2.internal`);
    }
  }

  private reconcileReplicas(deployment: SimDeployment, m: number): void {
    const pods = this.clusterMap(this.pods, deployment.cluster);
    const active = this.podsOf(deployment).filter((p) => p.deletionMinute === undefined);
    for (let n = active.length; n < deployment.replicas; n++) {
      const name = `${deployment.name}-${(++this.podSeq).toString(36).padStart(5, '0')}`;
      pods.set(`${deployment.namespace}/${name}`, { namespace: deployment.namespace, name, labels: { ...deployment.labels }, role: deployment.role, deployment, phase: deployment.role === 'api' ? 'Running' : 'Pending', createdMinute: m, restarts: 0 });
    }
    if (active.length > deployment.replicas) {
      // A ReplicaSet deletes unscheduled pods first, then pending, then the newest.
      const ranked = [...active].sort((a, b) => Number(a.nodeName !== undefined) - Number(b.nodeName !== undefined) || Number(a.phase === 'Running') - Number(b.phase === 'Running') || b.createdMinute - a.createdMinute);
      for (const pod of ranked.slice(0, active.length - deployment.replicas)) this.deletePod(pod, m);
    }
  }

  private schedule(deployment: SimDeployment): void {
    if (deployment.role !== 'engine') return;
    const nodes = this.clusterMap(this.nodes, deployment.cluster);
    const pods = [...this.clusterMap(this.pods, deployment.cluster).values()];
    const taken = new Set(pods.filter((p) => p.role === 'engine' && p.nodeName).map((p) => p.nodeName as string));
    for (const pod of this.podsOf(deployment)) {
      if (pod.nodeName || pod.deletionMinute !== undefined) continue;
      const node = [...nodes.values()].find((n) => n.nodegroup === deployment.nodegroup && !n.unschedulable && !taken.has(n.name) && !n.instance.terminated);
      if (!node) continue;
      pod.nodeName = node.name;
      pod.phase = 'Running';
      taken.add(node.name);
      // A new container: whatever the node's previous Engine was told does not apply.
      node.instance.engine.sigintMinute = undefined;
    }
  }

  private deletePod(pod: SimPod, m: number): void {
    if (pod.deletionMinute !== undefined) return;
    if (!pod.nodeName) {
      this.clusterMap(this.pods, pod.deployment.cluster).delete(`${pod.namespace}/${pod.name}`);
      return;
    }
    pod.deletionMinute = m;
    const node = this.clusterMap(this.nodes, pod.deployment.cluster).get(pod.nodeName);
    // preStop: SIGINT, the Engine takes no new request and finishes what it has.
    if (pod.role === 'engine') node?.instance.engine.sigint(m);
  }

  /** policy/v1 Eviction: 429 when the pod's PDB would be broken, else a graceful delete. */
  evict(cluster: string, namespace: string, name: string): 'Evicted' | 'Blocked' | 'Gone' {
    const pod = this.clusterMap(this.pods, cluster).get(`${namespace}/${name}`);
    if (!pod) return 'Gone';
    if (pod.deletionMinute !== undefined) return 'Evicted';
    const d = pod.deployment;
    if (d.maxUnavailable !== undefined) {
      const healthy = this.podsOf(d).filter((p) => p.phase === 'Running' && p.deletionMinute === undefined && p.nodeName !== undefined).length;
      if (healthy - 1 < d.replicas - d.maxUnavailable) {
        this.figures.evictionsRefused++;
        return 'Blocked';
      }
    }
    const node = pod.nodeName ? this.clusterMap(this.nodes, cluster).get(pod.nodeName) : undefined;
    if (pod.role === 'engine' && node && !node.unschedulable) this.figures.evictionsOnSchedulableNode++;
    this.figures.evictions++;
    this.deletePod(pod, this.clock.minute);
    return 'Evicted';
  }

  private eksDrain(cluster: string, node: SimNode): void {
    node.unschedulable = true;
    for (const pod of [...this.clusterMap(this.pods, cluster).values()]) if (pod.nodeName === node.name && pod.deletionMinute === undefined) this.evict(cluster, pod.namespace, pod.name);
  }

  private clusterMap<T>(map: Map<string, Map<string, T>>, cluster: string): Map<string, T> {
    let inner = map.get(cluster);
    if (!inner) {
      inner = new Map();
      map.set(cluster, inner);
    }
    return inner;
  }

  // ---- the API server -----------------------------------------------------------------

  transport(cluster: string): KubeTransport {
    return async (request) => {
      const call = kubeCallOf(request);
      const before = this.faults?.kubernetesFault(cluster, call, 'before');
      if (before) return faultAnswer(request, before);
      const answer = this.handle(cluster, request);
      const after = this.faults?.kubernetesFault(cluster, call, 'after');
      return after ? faultAnswer(request, after) : answer;
    };
  }

  private count(key: string): void {
    this.calls.set(key, (this.calls.get(key) ?? 0) + 1);
  }

  handle(cluster: string, request: KubeRequest): KubeResponse {
    const path = request.path;
    const status = (code: number, reason: string, message: string): KubeResponse => ({ status: code, body: { kind: 'Status', apiVersion: 'v1', status: 'Failure', reason, message, code } });
    const nodes = this.clusterMap(this.nodes, cluster);
    const pods = this.clusterMap(this.pods, cluster);
    let match: RegExpExecArray | null;
    if (request.method === 'GET' && path === '/api/v1/nodes') {
      this.count('list nodes');
      const wanted = parseEquality(request.query?.labelSelector);
      const items = [...nodes.values()].filter((n) => wanted.every(([k, v]) => k === NODEGROUP_LABEL && v === n.nodegroup)).map((n) => this.nodeJson(n));
      return { status: 200, body: { kind: 'NodeList', apiVersion: 'v1', metadata: {}, items } };
    }
    if (request.method === 'PATCH' && (match = /^\/api\/v1\/nodes\/([^/]+)$/.exec(path))) {
      this.count('patch node');
      if (request.contentType !== 'application/strategic-merge-patch+json' && request.contentType !== 'application/merge-patch+json') return status(415, 'UnsupportedMediaType', `the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml, application/strategic-merge-patch+json`);
      const node = nodes.get(decodeURIComponent(match[1] as string));
      if (!node) return status(404, 'NotFound', `nodes "${decodeURIComponent(match[1] as string)}" not found`);
      const body = request.body as { spec?: { unschedulable?: boolean }; metadata?: { annotations?: Record<string, string> } };
      if (body.spec?.unschedulable !== undefined) node.unschedulable = body.spec.unschedulable;
      Object.assign(node.annotations, body.metadata?.annotations ?? {});
      return { status: 200, body: this.nodeJson(node) };
    }
    if (request.method === 'GET' && path === '/api/v1/pods') {
      this.count('list pods');
      const field = /^spec\.nodeName=(.+)$/.exec(request.query?.fieldSelector ?? '');
      if (!field) throw new SimulationError(`the simulated API server lists pods by fieldSelector spec.nodeName only, got ${JSON.stringify(request.query)}`);
      const labels = parseEquality(request.query?.labelSelector);
      const items = [...pods.values()].filter((p) => p.nodeName === field[1] && labels.every(([k, v]) => p.labels[k] === v)).map((p) => this.podJson(p));
      return { status: 200, body: { kind: 'PodList', apiVersion: 'v1', metadata: {}, items } };
    }
    if (request.method === 'POST' && (match = /^\/api\/v1\/namespaces\/([^/]+)\/pods\/([^/]+)\/eviction$/.exec(path))) {
      this.count('create eviction');
      const [namespace, name] = [decodeURIComponent(match[1] as string), decodeURIComponent(match[2] as string)];
      const body = request.body as { apiVersion?: string; kind?: string; metadata?: { name?: string; namespace?: string } };
      if (body.apiVersion !== 'policy/v1' || body.kind !== 'Eviction' || body.metadata?.name !== name || body.metadata.namespace !== namespace) {
        return status(400, 'BadRequest', `name in URL does not match name in Eviction object, or not a policy/v1 Eviction: ${JSON.stringify(body)}`);
      }
      const outcome = this.evict(cluster, namespace, name);
      if (outcome === 'Gone') return status(404, 'NotFound', `pods "${name}" not found`);
      if (outcome === 'Blocked') return status(429, 'TooManyRequests', 'Cannot evict pod as it would violate the pod\'s disruption budget.');
      return { status: 201, body: { kind: 'Status', apiVersion: 'v1', status: 'Success', code: 201 } };
    }
    if ((match = /^\/apis\/apps\/v1\/namespaces\/([^/]+)\/deployments\/([^/]+)\/scale$/.exec(path))) {
      const deployment = this.deployment(cluster, decodeURIComponent(match[1] as string), decodeURIComponent(match[2] as string));
      if (!deployment) return status(404, 'NotFound', `deployments.apps "${decodeURIComponent(match[2] as string)}" not found`);
      if (request.method === 'PATCH') {
        this.count('patch scale');
        if (request.contentType !== 'application/merge-patch+json' && request.contentType !== 'application/strategic-merge-patch+json') return status(415, 'UnsupportedMediaType', 'unsupported patch type');
        const replicas = (request.body as { spec?: { replicas?: unknown } }).spec?.replicas;
        if (typeof replicas !== 'number' || !Number.isInteger(replicas) || replicas < 0) return status(422, 'Invalid', `Scale.autoscaling "${deployment.name}" is invalid: spec.replicas: Invalid value: ${JSON.stringify(replicas)}`);
        deployment.replicas = replicas;
      } else this.count('get scale');
      return { status: 200, body: { kind: 'Scale', apiVersion: 'autoscaling/v1', metadata: { name: deployment.name, namespace: deployment.namespace }, spec: { replicas: deployment.replicas }, status: { replicas: this.podsOf(deployment).length } } };
    }
    throw new SimulationError(`the simulated API server does not serve ${request.method} ${path}`);
  }

  private nodeJson(node: SimNode): unknown {
    const az = node.instance.availabilityZone;
    return {
      metadata: { name: node.name, labels: { [NODEGROUP_LABEL]: node.nodegroup }, annotations: { ...node.annotations } },
      spec: { providerID: `aws:///${az}/${node.instance.id}`, ...(node.unschedulable ? { unschedulable: true } : {}) },
    };
  }

  private podJson(pod: SimPod): unknown {
    return {
      metadata: { name: pod.name, namespace: pod.namespace, labels: { ...pod.labels }, ...(pod.deletionMinute !== undefined ? { deletionTimestamp: new Date(this.clock.start.getTime() + pod.deletionMinute * 60_000).toISOString() } : {}) },
      spec: { nodeName: pod.nodeName },
      status: { phase: pod.phase },
    };
  }
}

/** The call a request makes, as the API server's counters name it. */
export function kubeCallOf(request: KubeRequest): string {
  const path = request.path;
  if (path === '/api/v1/nodes') return 'list nodes';
  if (/^\/api\/v1\/nodes\/[^/]+$/.test(path)) return 'patch node';
  if (path === '/api/v1/pods') return 'list pods';
  if (/\/pods\/[^/]+\/eviction$/.test(path)) return 'create eviction';
  if (/\/scale$/.test(path)) return request.method === 'PATCH' ? 'patch scale' : 'get scale';
  return `${request.method} ${path}`;
}

const FAULT_STATUS: Record<number, { reason: string; message: string }> = {
  409: { reason: 'Conflict', message: 'Operation cannot be fulfilled: the object has been modified; please apply your changes to the latest version and try again' },
  429: { reason: 'TooManyRequests', message: 'Too many requests, please try again later.' },
  500: { reason: 'InternalError', message: 'Internal error occurred: etcdserver: request timed out' },
  503: { reason: 'ServiceUnavailable', message: 'the server is currently unable to handle the request' },
};

/** What the caller gets for a faulted call: the API server's Status object, or no answer (the transport's timeout). */
function faultAnswer(request: KubeRequest, fault: KubeFault): KubeResponse {
  if (fault.status === 'timeout') throw new KubeTransportError(`${request.method} ${request.path}: no answer within 10000 ms`);
  const known = FAULT_STATUS[fault.status] ?? { reason: 'InternalError', message: `simulated HTTP ${fault.status}` };
  return { status: fault.status, body: { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', reason: known.reason, message: known.message, code: fault.status } };
}

/** The equality terms of a label selector (k=v,k2=v2); anything else is a simulation gap. */
function parseEquality(selector: string | undefined): Array<[string, string]> {
  if (!selector) return [];
  return selector.split(',').map((term) => {
    const match = /^([^=!\s]+)==?([^=\s]*)$/.exec(term.trim());
    if (!match) throw new SimulationError(`the simulated API server takes equality label selectors only, got ${JSON.stringify(selector)}`);
    return [match[1] as string, match[2] as string];
  });
}

