import type { KubeRequest, KubeResponse, KubeTransport } from './transport.js';

/**
 * The Kubernetes calls the EKS drain makes, each as a request shape (checked against the
 * official client in test/k8s/contract.test.ts) and a reading of its answer into the few
 * fields the decisions use. One error type; every refusal names the call, the status and
 * the API server's own message.
 */

export class KubeApiError extends Error {
  override readonly name = 'KubeApiError';
  constructor(
    message: string,
    readonly status: number | undefined,
    /** The Status object's reason (NotFound, Forbidden, TooManyRequests, ...), when there is one. */
    readonly reason: string | undefined,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** Written on the node at cordon time: when this controller began draining it (the drain clock). */
export const DRAIN_STARTED_ANNOTATION = 'gpu-fleet-scaler/drain-started-at';
/** The label EKS puts on every node of a managed node group. */
export const NODEGROUP_LABEL = 'eks.amazonaws.com/nodegroup';

export interface NodeView {
  name: string;
  /** spec.providerID: aws:///<az>/<instance-id> on EKS. */
  providerId?: string;
  instanceId?: string;
  unschedulable: boolean;
  drainStartedAt?: Date;
  /** The drain-started-at annotation as written, when it is not a date: unknown, said by the drain. */
  drainStartedAtUnreadable?: string;
}

export interface PodView {
  namespace: string;
  name: string;
  phase?: string;
  /** Set once the pod is being deleted (evicted): the kubelet is running its graceful stop. */
  deletionTimestamp?: Date;
  labels: Record<string, string>;
}

export type EvictionOutcome =
  /** 201/200: the pod is being deleted with its own grace period. */
  | 'Evicted'
  /** 429: a PodDisruptionBudget does not allow it now; try again next tick. */
  | 'Blocked'
  /** 404: the pod is already gone. */
  | 'Gone';

const segment = (value: string) => encodeURIComponent(value);

export function listNodesRequest(labelSelector: string): KubeRequest {
  return { method: 'GET', path: '/api/v1/nodes', query: { labelSelector } };
}

/** kubectl cordon's patch, plus the drain's start when the node does not carry one yet. */
export function cordonRequest(nodeName: string, startedAt?: Date): KubeRequest {
  return {
    method: 'PATCH',
    path: `/api/v1/nodes/${segment(nodeName)}`,
    contentType: 'application/strategic-merge-patch+json',
    body: {
      ...(startedAt ? { metadata: { annotations: { [DRAIN_STARTED_ANNOTATION]: startedAt.toISOString() } } } : {}),
      spec: { unschedulable: true },
    },
  };
}

/** Every namespace's pods on the node; the drain matches its labels itself (two selectors cannot be OR-ed in one query). */
export function podsOnNodeRequest(nodeName: string, labelSelector?: string): KubeRequest {
  return { method: 'GET', path: '/api/v1/pods', query: { fieldSelector: `spec.nodeName=${nodeName}`, ...(labelSelector ? { labelSelector } : {}) } };
}

export function evictionRequest(namespace: string, name: string): KubeRequest {
  return {
    method: 'POST',
    path: `/api/v1/namespaces/${segment(namespace)}/pods/${segment(name)}/eviction`,
    contentType: 'application/json',
    body: { apiVersion: 'policy/v1', kind: 'Eviction', metadata: { name, namespace } },
  };
}

export function readScaleRequest(namespace: string, deployment: string): KubeRequest {
  return { method: 'GET', path: `/apis/apps/v1/namespaces/${segment(namespace)}/deployments/${segment(deployment)}/scale` };
}

export function patchScaleRequest(namespace: string, deployment: string, replicas: number): KubeRequest {
  return {
    method: 'PATCH',
    path: `/apis/apps/v1/namespaces/${segment(namespace)}/deployments/${segment(deployment)}/scale`,
    contentType: 'application/merge-patch+json',
    body: { spec: { replicas } },
  };
}

const PROVIDER_ID = /^aws:\/\/\/[a-z0-9-]+\/(i-[0-9a-f]{8,17})$/;

export function instanceIdOf(providerId: string | undefined): string | undefined {
  return providerId ? PROVIDER_ID.exec(providerId)?.[1] : undefined;
}

export async function listNodes(transport: KubeTransport, labelSelector: string): Promise<NodeView[]> {
  const request = listNodesRequest(labelSelector);
  const body = expectOk(request, await send(transport, request));
  return items(request, body).map((item) => {
    const metadata = record(item.metadata);
    const spec = record(item.spec);
    const annotations = record(metadata.annotations);
    const providerId = typeof spec.providerID === 'string' ? spec.providerID : undefined;
    const written = annotations[DRAIN_STARTED_ANNOTATION];
    const started = typeof written === 'string' ? new Date(written) : undefined;
    const readable = started !== undefined && !Number.isNaN(started.getTime());
    return {
      name: String(metadata.name ?? ''),
      providerId,
      instanceId: instanceIdOf(providerId),
      unschedulable: spec.unschedulable === true,
      ...(readable ? { drainStartedAt: started } : {}),
      ...(written !== undefined && !readable ? { drainStartedAtUnreadable: String(written) } : {}),
    };
  });
}

export async function cordonNode(transport: KubeTransport, nodeName: string, startedAt?: Date): Promise<void> {
  const request = cordonRequest(nodeName, startedAt);
  expectOk(request, await send(transport, request));
}

export async function listPodsOnNode(transport: KubeTransport, nodeName: string, labelSelector?: string): Promise<PodView[]> {
  const request = podsOnNodeRequest(nodeName, labelSelector);
  const body = expectOk(request, await send(transport, request));
  return items(request, body).map((item) => {
    const metadata = record(item.metadata);
    const status = record(item.status);
    const deletion = typeof metadata.deletionTimestamp === 'string' ? new Date(metadata.deletionTimestamp) : undefined;
    return {
      namespace: String(metadata.namespace ?? ''),
      name: String(metadata.name ?? ''),
      phase: typeof status.phase === 'string' ? status.phase : undefined,
      ...(deletion && !Number.isNaN(deletion.getTime()) ? { deletionTimestamp: deletion } : {}),
      labels: Object.fromEntries(Object.entries(record(metadata.labels)).filter((e): e is [string, string] => typeof e[1] === 'string')),
    };
  });
}

export async function evictPod(transport: KubeTransport, namespace: string, name: string): Promise<EvictionOutcome> {
  const request = evictionRequest(namespace, name);
  const response = await send(transport, request);
  if (response.status === 200 || response.status === 201) return 'Evicted';
  if (response.status === 429) return 'Blocked';
  if (response.status === 404) return 'Gone';
  throw refusal(request, response);
}

export async function readScale(transport: KubeTransport, namespace: string, deployment: string): Promise<number> {
  const request = readScaleRequest(namespace, deployment);
  const body = record(expectOk(request, await send(transport, request)));
  const replicas = record(body.spec).replicas;
  // An absent spec.replicas is 0 in the Scale object's JSON (omitempty), never unknown.
  if (replicas === undefined) return 0;
  if (typeof replicas !== 'number' || !Number.isInteger(replicas) || replicas < 0) {
    throw new KubeApiError(`${describe(request)}: spec.replicas is not a whole number (${JSON.stringify(replicas)})`, 200, undefined);
  }
  return replicas;
}

export async function patchScale(transport: KubeTransport, namespace: string, deployment: string, replicas: number): Promise<void> {
  const request = patchScaleRequest(namespace, deployment, replicas);
  expectOk(request, await send(transport, request));
}

async function send(transport: KubeTransport, request: KubeRequest): Promise<KubeResponse> {
  try {
    return await transport(request);
  } catch (cause) {
    throw new KubeApiError(`${describe(request)} failed: ${cause instanceof Error ? cause.message : String(cause)}`, undefined, undefined, { cause });
  }
}

function expectOk(request: KubeRequest, response: KubeResponse): unknown {
  if (response.status >= 200 && response.status < 300) return response.body;
  throw refusal(request, response);
}

function refusal(request: KubeRequest, response: KubeResponse): KubeApiError {
  const status = record(response.body);
  const reason = typeof status.reason === 'string' ? status.reason : undefined;
  const message = typeof status.message === 'string' ? status.message : 'no message';
  return new KubeApiError(`${describe(request)} answered HTTP ${response.status}${reason ? ` ${reason}` : ''}: ${message}`, response.status, reason);
}

function items(request: KubeRequest, body: unknown): Array<Record<string, unknown>> {
  const list = record(body).items;
  if (!Array.isArray(list)) throw new KubeApiError(`${describe(request)}: the answer has no items list`, 200, undefined);
  return list.map(record);
}

function record(value: unknown): Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
}

function describe(request: KubeRequest): string {
  const query = request.query ? `?${new URLSearchParams(request.query).toString()}` : '';
  return `${request.method} ${request.path}${query}`;
}
