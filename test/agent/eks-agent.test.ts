import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { parse as parseYaml, parseAllDocuments } from 'yaml';
import { configSchema } from '../../lib/config/schema.js';
import { ENGINE_METRICS } from '../../lib/fleet/engine-metrics.js';
import { expectedDimensionSets, producedDimensionSets } from './expected.js';
import { FIRST_SCRAPE, SECOND_SCRAPE, engineScrape } from './fixtures.js';
import { runScript, scratchDir, stub } from './harness.js';
import { CounterDeltas, extractEmf, scrape, seconds, targetLabels, type EmfProcessor, type Labels, type ScrapeConfig } from './prometheus-pipeline.js';

const MANIFEST = 'infra/cloudwatch-agent/eks/cloudwatch-agent.yaml';
const CLUSTER = 'speech-prod';
const NODEGROUP = 'engine-g6';
const NODE = 'ip-10-0-1-23.ec2.internal';
const INSTANCE = 'i-0fedcba9876543210';

interface ConfigMap {
  kind: string;
  data: Record<string, string>;
}

/** The manifest as `kubectl apply` receives it after the documented sed. */
function appliedManifest(): ConfigMap[] {
  const text = readFileSync(MANIFEST, 'utf8').replaceAll('__CLUSTER_NAME__', CLUSTER).replaceAll('__AWS_REGION__', 'us-east-1');
  return parseAllDocuments(text).map((document) => document.toJS() as ConfigMap);
}

/** A pod as Prometheus' kubernetes_sd (role: pod) describes one of its container ports. */
function discoveredPod(name: string, ip: string, port: number, phase: string, annotations: Labels = {}): Labels {
  return {
    __address__: `${ip}:${port}`,
    __meta_kubernetes_pod_name: name,
    __meta_kubernetes_pod_ip: ip,
    __meta_kubernetes_pod_phase: phase,
    __meta_kubernetes_pod_node_name: NODE,
    __meta_kubernetes_pod_container_port_number: String(port),
    ...annotations,
  };
}

describe('EKS: the DaemonSet configuration', () => {
  let rendered: string;
  let config: ConfigMap;

  beforeAll(async () => {
    const configMap = appliedManifest().find((d) => d.kind === 'ConfigMap');
    if (!configMap) throw new Error('the manifest has no ConfigMap');
    config = configMap;
    const dir = scratchDir('cwagent-eks-');
    mkdirSync(join(dir, 'config'));
    mkdirSync(join(dir, 'rendered'));
    for (const [file, content] of Object.entries(config.data)) writeFileSync(join(dir, 'config', file), content);
    // kubectl answering the two jsonpath reads render.sh makes about its node.
    stub(join(dir, 'stubs'), 'kubectl', [
      'case "$*" in',
      `  *"get node ${NODE}"*nodegroup*) printf '%s' '${NODEGROUP}' ;;`,
      `  *"get node ${NODE}"*providerID*) printf '%s' 'aws:///us-east-1a/${INSTANCE}' ;;`,
      '  *) echo "unexpected kubectl $*" >&2; exit 1 ;;',
      'esac',
    ].join('\n'));
    const result = await runScript(join(dir, 'config', 'render.sh'), [], {
      PATH: `${join(dir, 'stubs')}:/usr/local/bin:/usr/bin:/bin`,
      NODE_NAME: NODE,
      CONFIG_DIR: join(dir, 'config'),
      RENDERED_DIR: join(dir, 'rendered'),
    });
    if (result.status !== 0) throw new Error(`render.sh failed (${result.status}): ${result.stderr}`);
    rendered = readFileSync(join(dir, 'rendered', 'prometheus.yaml'), 'utf8');
  });

  const agentConfig = () => JSON.parse(config.data['cwagentconfig.json'] as string) as { agent: { region: string }; logs: { metrics_collected: { prometheus: { emf_processor: EmfProcessor } } } };
  const job = () => (parseYaml(rendered) as { scrape_configs: ScrapeConfig[] }).scrape_configs[0] as ScrapeConfig;

  it('leaves no placeholder unfilled once applied and rendered on a node', () => {
    expect(rendered).not.toMatch(/__[A-Z_]+__/);
    expect(agentConfig().agent.region).toBe('us-east-1');
  });

  it('scrapes at the interval the controller assumes', () => {
    const defaults = configSchema.parse({
      version: 1,
      fleets: [{ name: 'probe', target: { type: 'eks', clusterName: CLUSTER, nodegroupName: NODEGROUP }, kinds: { batch: { capacity: 4 } }, minInstances: 1, maxInstances: 2 }],
    });
    const interval = seconds((parseYaml(rendered) as { global: { scrape_interval: string } }).global.scrape_interval);
    expect(interval).toBe(defaults.scrapeIntervalSeconds);
    expect(defaults.periodSeconds % interval).toBe(0);
    expect(agentConfig().logs.metrics_collected.prometheus.emf_processor.metric_namespace).toBe(defaults.engineNamespace);
  });

  it.each([
    { name: 'an Engine container declaring 9991', pod: discoveredPod('engine-0', '10.0.1.50', 9991, 'Running'), kept: true },
    { name: 'an annotated Engine pod that declares another port', pod: discoveredPod('engine-1', '10.0.1.51', 8080, 'Running', { __meta_kubernetes_pod_annotation_gpu_fleet_scaler_engine_metrics: 'true' }), kept: true },
    { name: 'an API pod', pod: discoveredPod('api-0', '10.0.1.60', 8080, 'Running'), kept: false },
    { name: 'an Engine pod still pending', pod: discoveredPod('engine-2', '10.0.1.52', 9991, 'Pending'), kept: false },
  ])('discovers $name: kept=$kept', ({ pod, kept }) => {
    const target = targetLabels(job(), pod);
    expect(target !== undefined).toBe(kept);
    if (target) expect(target.instance).toBe(`${pod.__meta_kubernetes_pod_ip}:9991`);
  });

  it('turns a real Engine /metrics text into exactly the EKS dimension sets lib/fleet/engine-metrics.ts queries', () => {
    const target = targetLabels(job(), discoveredPod('engine-0', '10.0.1.50', 9991, 'Running'));
    if (!target) throw new Error('Engine pod dropped');
    const emf = agentConfig().logs.metrics_collected.prometheus.emf_processor;
    const deltas = new CounterDeltas();
    extractEmf(emf, deltas.apply(scrape(job(), target, engineScrape(FIRST_SCRAPE))));
    const data = extractEmf(emf, deltas.apply(scrape(job(), target, engineScrape(SECOND_SCRAPE))));
    expect(producedDimensionSets(data)).toEqual(expectedDimensionSets({ type: 'eks', clusterName: CLUSTER, nodegroupName: NODEGROUP }));
    const capacity = data.find((d) => d.metricName === ENGINE_METRICS.estimatedStreamCapacity && 'InstanceId' in d.dimensions);
    expect(capacity?.dimensions).toEqual({ ClusterName: CLUSTER, NodegroupName: NODEGROUP, InstanceId: INSTANCE });
  });
});
