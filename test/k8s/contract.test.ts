import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  AppsV1Api,
  CoreV1Api,
  KubeConfig,
  PatchStrategy,
  setHeaderOptions,
  type V1Eviction,
  type V1NodeList,
  type V1PodList,
  type V1Scale,
} from '@kubernetes/client-node';
// The generated models' serializer (the package index re-exports two classes of this name and so neither).
import { ObjectSerializer } from '@kubernetes/client-node/dist/gen/models/ObjectSerializer.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  cordonNode,
  cordonRequest,
  evictPod,
  evictionRequest,
  listNodes,
  listPodsOnNode,
  patchScale,
  patchScaleRequest,
  readScale,
  DRAIN_STARTED_ANNOTATION,
} from '../../lib/k8s/api.js';
import { httpsTransport, type KubeTransport } from '../../lib/k8s/transport.js';

// No Kubernetes API server can be installed here. The next best check: the official
// client (@kubernetes/client-node, generated from the Kubernetes OpenAPI spec) and ours
// both talk to one loopback HTTPS server with a throw-away CA, and every request ours
// sends must be the request the official client sends for the same call (method, path,
// query, content type, body, bearer token). The answers the server gives are built with
// the official client's serializer from its typed models, so our reading of them is
// checked against the wire format, not against a hand-written fixture.

interface Captured {
  method: string;
  url: string;
  contentType?: string;
  authorization?: string;
  body: unknown;
}

const TOKEN = 'k8s-aws-v1.dGVzdA';
let dir: string;
let server: Server | undefined;
let endpoint = '';
let caData = '';
const captured: Captured[] = [];
let answer: { status: number; body: unknown } = { status: 200, body: {} };

function opensslAvailable(): boolean {
  try {
    execFileSync('openssl', ['version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

const canRun = opensslAvailable();

beforeAll(async () => {
  if (!canRun) return;
  dir = mkdtempSync(join(tmpdir(), 'k8s-contract-'));
  execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1', '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem')], { stdio: 'ignore' });
  const cert = readFileSync(join(dir, 'cert.pem'));
  caData = cert.toString('base64');
  server = createServer({ key: readFileSync(join(dir, 'key.pem')), cert }, (req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const text = Buffer.concat(chunks).toString('utf8');
      captured.push({
        method: req.method ?? '',
        url: req.url ?? '',
        contentType: req.headers['content-type']?.split(';')[0],
        authorization: req.headers.authorization,
        body: text ? JSON.parse(text) : undefined,
      });
      res.writeHead(answer.status, { 'Content-Type': 'application/json' });
      res.end(JSON.stringify(answer.body));
    });
  });
  await new Promise<void>((resolve) => server?.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  endpoint = `https://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
});

afterAll(async () => {
  if (server) await new Promise((resolve) => server?.close(resolve));
  if (dir) rmSync(dir, { recursive: true, force: true });
});

function official(): { core: CoreV1Api; apps: AppsV1Api } {
  const kc = new KubeConfig();
  kc.loadFromOptions({
    clusters: [{ name: 'eks', server: endpoint, caData, skipTLSVerify: false }],
    users: [{ name: 'drain', token: TOKEN }],
    contexts: [{ name: 'eks', cluster: 'eks', user: 'drain' }],
    currentContext: 'eks',
  });
  return { core: kc.makeApiClient(CoreV1Api), apps: kc.makeApiClient(AppsV1Api) };
}

function ours(): KubeTransport {
  return httpsTransport({ endpoint, caData, token: async () => TOKEN });
}

/** Runs the official call, then ours, and returns both requests as the server saw them. */
async function both(officialCall: () => Promise<unknown>, ourCall: () => Promise<unknown>): Promise<[Captured, Captured]> {
  captured.length = 0;
  await officialCall().catch(() => undefined);
  await ourCall().catch(() => undefined);
  expect(captured).toHaveLength(2);
  return [captured[0] as Captured, captured[1] as Captured];
}

function sameRequest(a: Captured, b: Captured): void {
  const query = (url: string) => Object.fromEntries(new URL(url, 'https://x').searchParams.entries());
  expect(b.method).toBe(a.method);
  expect(new URL(b.url, 'https://x').pathname).toBe(new URL(a.url, 'https://x').pathname);
  expect(query(b.url)).toEqual(query(a.url));
  expect(b.contentType).toBe(a.contentType);
  expect(b.body).toEqual(a.body);
  expect(b.authorization).toBe(`Bearer ${TOKEN}`);
  expect(a.authorization).toBe(`Bearer ${TOKEN}`);
}

describe.skipIf(!canRun)('Kubernetes requests match @kubernetes/client-node', () => {
  it('lists a node group\'s nodes by label and reads providerID, unschedulable and the drain annotation', async () => {
    const list: V1NodeList = {
      apiVersion: 'v1',
      kind: 'NodeList',
      metadata: {},
      items: [
        { metadata: { name: 'ip-10-0-1-5.ec2.internal', annotations: { [DRAIN_STARTED_ANNOTATION]: '2026-12-02T10:00:00.000Z' } }, spec: { providerID: 'aws:///us-east-1a/i-0123456789abcdef0', unschedulable: true } },
        { metadata: { name: 'ip-10-0-1-6.ec2.internal' }, spec: { providerID: 'aws:///us-east-1b/i-0fedcba9876543210' } },
      ],
    };
    answer = { status: 200, body: ObjectSerializer.serialize(list, 'V1NodeList', '') };
    const selector = 'eks.amazonaws.com/nodegroup=gpu';
    let read: Awaited<ReturnType<typeof listNodes>> = [];
    const [a, b] = await both(() => official().core.listNode({ labelSelector: selector }), async () => (read = await listNodes(ours(), selector)));
    sameRequest(a, b);
    expect(read).toEqual([
      { name: 'ip-10-0-1-5.ec2.internal', providerId: 'aws:///us-east-1a/i-0123456789abcdef0', instanceId: 'i-0123456789abcdef0', unschedulable: true, drainStartedAt: new Date('2026-12-02T10:00:00.000Z') },
      { name: 'ip-10-0-1-6.ec2.internal', providerId: 'aws:///us-east-1b/i-0fedcba9876543210', instanceId: 'i-0fedcba9876543210', unschedulable: false },
    ]);
  });

  it('cordons with the strategic merge patch kubectl cordon sends', async () => {
    answer = { status: 200, body: {} };
    const started = new Date('2026-12-02T10:00:00Z');
    const body = cordonRequest('ip-10-0-1-5.ec2.internal', started).body as object;
    const [a, b] = await both(
      () => official().core.patchNode({ name: 'ip-10-0-1-5.ec2.internal', body }, setHeaderOptions('Content-Type', PatchStrategy.StrategicMergePatch)),
      () => cordonNode(ours(), 'ip-10-0-1-5.ec2.internal', started),
    );
    sameRequest(a, b);
    expect(b.body).toEqual({ metadata: { annotations: { [DRAIN_STARTED_ANNOTATION]: '2026-12-02T10:00:00.000Z' } }, spec: { unschedulable: true } });
  });

  it('lists the pods on a node across namespaces by field and label selector', async () => {
    const list: V1PodList = {
      apiVersion: 'v1',
      kind: 'PodList',
      metadata: {},
      items: [
        { metadata: { name: 'deepgram-engine-7d9-abc', namespace: 'dg', labels: { app: 'deepgram-engine' }, deletionTimestamp: new Date('2026-12-02T10:01:00Z') }, status: { phase: 'Running' } },
        { metadata: { name: 'deepgram-api-5c-xyz', namespace: 'dg', labels: { app: 'deepgram-api' } }, status: { phase: 'Pending' } },
      ],
    };
    answer = { status: 200, body: ObjectSerializer.serialize(list, 'V1PodList', '') };
    const selector = 'app in (deepgram-engine,deepgram-api)';
    let read: Awaited<ReturnType<typeof listPodsOnNode>> = [];
    const [a, b] = await both(
      () => official().core.listPodForAllNamespaces({ fieldSelector: 'spec.nodeName=ip-10-0-1-5.ec2.internal', labelSelector: selector }),
      async () => (read = await listPodsOnNode(ours(), 'ip-10-0-1-5.ec2.internal', selector)),
    );
    sameRequest(a, b);
    expect(read).toEqual([
      { namespace: 'dg', name: 'deepgram-engine-7d9-abc', phase: 'Running', deletionTimestamp: new Date('2026-12-02T10:01:00Z'), labels: { app: 'deepgram-engine' } },
      { namespace: 'dg', name: 'deepgram-api-5c-xyz', phase: 'Pending', labels: { app: 'deepgram-api' } },
    ]);
  });

  it.each([
    ['created', 201, 'Evicted'],
    ['blocked by a PodDisruptionBudget', 429, 'Blocked'],
    ['already gone', 404, 'Gone'],
  ] as const)('evicts through policy/v1 Eviction (%s)', async (_name, status, outcome) => {
    answer = { status, body: status === 201 ? {} : { kind: 'Status', apiVersion: 'v1', status: 'Failure', reason: status === 429 ? 'TooManyRequests' : 'NotFound', code: status } };
    const eviction: V1Eviction = { apiVersion: 'policy/v1', kind: 'Eviction', metadata: { name: 'deepgram-engine-7d9-abc', namespace: 'dg' } };
    let read: string | undefined;
    const [a, b] = await both(
      () => official().core.createNamespacedPodEviction({ name: 'deepgram-engine-7d9-abc', namespace: 'dg', body: eviction }),
      async () => (read = await evictPod(ours(), 'dg', 'deepgram-engine-7d9-abc')),
    );
    sameRequest(a, b);
    expect(evictionRequest('dg', 'deepgram-engine-7d9-abc').body).toEqual(ObjectSerializer.serialize(eviction, 'V1Eviction', ''));
    expect(read).toBe(outcome);
  });

  it('reads and patches a Deployment\'s scale subresource', async () => {
    const scale: V1Scale = { apiVersion: 'autoscaling/v1', kind: 'Scale', metadata: { name: 'deepgram-api', namespace: 'dg' }, spec: { replicas: 3 }, status: { replicas: 3 } };
    answer = { status: 200, body: ObjectSerializer.serialize(scale, 'V1Scale', '') };
    let replicas = -1;
    const [a, b] = await both(
      () => official().apps.readNamespacedDeploymentScale({ name: 'deepgram-api', namespace: 'dg' }),
      async () => (replicas = await readScale(ours(), 'dg', 'deepgram-api')),
    );
    sameRequest(a, b);
    expect(replicas).toBe(3);

    const body = patchScaleRequest('dg', 'deepgram-api', 5).body as object;
    const [c, d] = await both(
      () => official().apps.patchNamespacedDeploymentScale({ name: 'deepgram-api', namespace: 'dg', body }, setHeaderOptions('Content-Type', PatchStrategy.MergePatch)),
      () => patchScale(ours(), 'dg', 'deepgram-api', 5),
    );
    sameRequest(c, d);
    expect(d.body).toEqual({ spec: { replicas: 5 } });
  });

  it('names the call, status and reason when the API server refuses', async () => {
    answer = { status: 403, body: { kind: 'Status', status: 'Failure', reason: 'Forbidden', message: 'nodes "n1" is forbidden: User "drain" cannot patch resource "nodes"', code: 403 } };
    await expect(cordonNode(ours(), 'n1')).rejects.toThrow(/PATCH \/api\/v1\/nodes\/n1 answered HTTP 403 Forbidden: nodes "n1" is forbidden/);
  });

  it('refuses a server whose certificate the cluster CA did not sign', async () => {
    const other = mkdtempSync(join(tmpdir(), 'k8s-other-ca-'));
    try {
      execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', '/CN=127.0.0.1', '-keyout', join(other, 'k.pem'), '-out', join(other, 'c.pem')], { stdio: 'ignore' });
      const transport = httpsTransport({ endpoint, caData: readFileSync(join(other, 'c.pem')).toString('base64'), token: async () => TOKEN });
      await expect(listNodes(transport, 'a=b')).rejects.toThrow(/GET \/api\/v1\/nodes\?labelSelector=a%3Db failed/);
    } finally {
      rmSync(other, { recursive: true, force: true });
    }
  });
});
