import { readFileSync } from 'node:fs';
import { parseAllDocuments } from 'yaml';
import { describe, expect, it } from 'vitest';
import { cordonRequest, evictionRequest, listNodesRequest, patchScaleRequest, podsOnNodeRequest, readScaleRequest } from '../../lib/k8s/api.js';
import type { KubeRequest } from '../../lib/k8s/transport.js';

// infra/k8s/rbac.yaml must allow every call lib/k8s/api.ts makes and nothing else: each
// request is turned into the (API group, resource, verb, name) the API server authorises,
// as its RBAC authorizer does (GET of a collection = list, of one object = get, POST of a
// subresource = create, PATCH = patch).

interface Rule {
  apiGroups: string[];
  resources: string[];
  verbs: string[];
  resourceNames?: string[];
}

const documents = parseAllDocuments(readFileSync(new URL('../../infra/k8s/rbac.yaml', import.meta.url), 'utf8')).map((d) => d.toJS() as Record<string, unknown>);
const role = documents.find((d) => d.kind === 'ClusterRole') as { metadata: { name: string }; rules: Rule[] };
const binding = documents.find((d) => d.kind === 'ClusterRoleBinding') as { roleRef: { name: string; kind: string }; subjects: Array<{ kind: string; name: string }> };

function attributes(request: KubeRequest): { group: string; resource: string; verb: string; name?: string } {
  const parts = request.path.split('/').filter(Boolean);
  const [prefix, ...rest] = parts;
  const group = prefix === 'api' ? '' : (rest.shift() as string);
  rest.shift(); // version
  if (rest[0] === 'namespaces') rest.splice(0, 2);
  const [resource, name, sub] = rest as [string, string | undefined, string | undefined];
  const verb = request.method === 'GET' ? (name ? 'get' : 'list') : request.method === 'POST' ? 'create' : 'patch';
  return { group, resource: sub ? `${resource}/${sub}` : resource, verb, ...(name ? { name: decodeURIComponent(name) } : {}) };
}

function allowed(request: KubeRequest): Rule | undefined {
  const a = attributes(request);
  return role.rules.find(
    (r) => r.apiGroups.includes(a.group) && r.resources.includes(a.resource) && r.verbs.includes(a.verb) && (r.resourceNames === undefined || (a.name !== undefined && r.resourceNames.includes(a.name))),
  );
}

const calls: Array<[string, KubeRequest]> = [
  ['list a node group\'s nodes', listNodesRequest('eks.amazonaws.com/nodegroup=gpu')],
  ['cordon a node', cordonRequest('ip-10-0-1-5.ec2.internal', new Date(0))],
  ['list the pods on a node', podsOnNodeRequest('ip-10-0-1-5.ec2.internal', 'app=deepgram-engine')],
  ['evict a pod', evictionRequest('dg', 'deepgram-engine-abc')],
  ['read the Engine Deployment\'s scale', readScaleRequest('dg', 'deepgram-engine')],
  ['set the API Deployment\'s scale', patchScaleRequest('dg', 'deepgram-api', 3)],
];

describe('infra/k8s/rbac.yaml', () => {
  it.each(calls)('allows the drain to %s', (_name, request) => {
    expect(allowed(request), JSON.stringify(attributes(request))).toBeDefined();
  });

  it('grants no verb that no call uses', () => {
    const used = new Set(calls.map(([, r]) => attributes(r)).map((a) => `${a.group}|${a.resource}|${a.verb}`));
    const granted = role.rules.flatMap((r) => r.apiGroups.flatMap((g) => r.resources.flatMap((res) => r.verbs.map((v) => `${g}|${res}|${v}`))));
    expect(granted.filter((g) => !used.has(g))).toEqual([]);
  });

  it('does not let the drain scale Deployments other than the Engine and API', () => {
    expect(allowed(patchScaleRequest('dg', 'some-other-app', 0))).toBeUndefined();
  });

  it('binds the role to the group the stack\'s access entry gives the drain role', () => {
    const entry = readFileSync(new URL('../../infra/eks-access.yml', import.meta.url), 'utf8');
    expect(binding.roleRef).toMatchObject({ kind: 'ClusterRole', name: role.metadata.name });
    expect(binding.subjects).toEqual([{ apiGroup: 'rbac.authorization.k8s.io', kind: 'Group', name: 'gpu-fleet-scaler-drain' }]);
    expect(entry).toMatch(/KubernetesGroups: \[gpu-fleet-scaler-drain\]/);
  });
});
