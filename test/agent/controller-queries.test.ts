import { readFileSync } from 'node:fs';
import type { MetricDataQuery } from '@aws-sdk/client-cloudwatch';
import { describe, expect, it } from 'vitest';
import { parse as parseYaml, parseAllDocuments } from 'yaml';
import { configSchema, type ConfigInput, type Target } from '../../lib/config/schema.js';
import { buildInstanceLoadQueries } from '../../lib/fleet/instance-load.js';
import { fleetLevelQueries, fleetQueries } from '../../lib/fleet/read-signals.js';
import { FIRST_SCRAPE, SECOND_SCRAPE, engineScrape } from './fixtures.js';
import { CounterDeltas, extractEmf, scrape, targetLabels, type CloudWatchDatum, type EmfProcessor, type Labels, type ScrapeConfig } from './prometheus-pipeline.js';

/**
 * The queries scale and drain really build (lib/fleet/read-signals.ts,
 * lib/fleet/instance-load.ts) against what the agent really publishes for the same
 * fleet: every query must name a metric the agent produces, to the dimension.
 */

const INSTANCE = 'i-0123456789abcdef0';

function publish(agentJson: string, prometheusYaml: string, discovered: (job: ScrapeConfig) => Labels): CloudWatchDatum[] {
  const emf = (JSON.parse(agentJson) as { logs: { metrics_collected: { prometheus: { emf_processor: EmfProcessor } } } }).logs.metrics_collected.prometheus.emf_processor;
  const job = (parseYaml(prometheusYaml) as { scrape_configs: ScrapeConfig[] }).scrape_configs[0] as ScrapeConfig;
  const target = targetLabels(job, discovered(job));
  if (!target) throw new Error('Engine target dropped');
  const deltas = new CounterDeltas();
  extractEmf(emf, deltas.apply(scrape(job, target, engineScrape(FIRST_SCRAPE))));
  return extractEmf(emf, deltas.apply(scrape(job, target, engineScrape(SECOND_SCRAPE))));
}

function ec2Data(asg: string): CloudWatchDatum[] {
  const prometheus = readFileSync('infra/cloudwatch-agent/ec2/prometheus.yaml', 'utf8').replaceAll('__AUTOSCALING_GROUP_NAME__', asg).replaceAll('__INSTANCE_ID__', INSTANCE);
  return publish(readFileSync('infra/cloudwatch-agent/ec2/amazon-cloudwatch-agent.json', 'utf8'), prometheus, (job) => ({
    __address__: job.static_configs?.[0]?.targets[0] as string,
    ...job.static_configs?.[0]?.labels,
  }));
}

function eksData(cluster: string, nodegroup: string): CloudWatchDatum[] {
  const manifest = parseAllDocuments(readFileSync('infra/cloudwatch-agent/eks/cloudwatch-agent.yaml', 'utf8').replaceAll('__CLUSTER_NAME__', cluster)).map((d) => d.toJS() as { kind: string; data: Record<string, string> });
  const data = manifest.find((d) => d.kind === 'ConfigMap')?.data ?? {};
  const prometheus = (data['prometheus.yaml.template'] ?? '').replaceAll('__NODE_NAME__', 'ip-10-0-1-5.ec2.internal').replaceAll('__NODEGROUP_NAME__', nodegroup).replaceAll('__INSTANCE_ID__', INSTANCE);
  return publish(data['cwagentconfig.json'] ?? '', prometheus, () => ({
    __address__: '10.0.1.50:9991',
    __meta_kubernetes_pod_ip: '10.0.1.50',
    __meta_kubernetes_pod_phase: 'Running',
    __meta_kubernetes_pod_container_port_number: '9991',
  }));
}

/** A query is answered when a datum has its namespace, name and dimension names, and the same fleet and instance. */
function answered(query: MetricDataQuery, data: readonly CloudWatchDatum[]): boolean {
  const metric = query.MetricStat?.Metric;
  const dimensions = Object.fromEntries((metric?.Dimensions ?? []).map((d) => [d.Name as string, d.Value as string]));
  const identity = ['AutoScalingGroupName', 'ClusterName', 'NodegroupName', 'InstanceId'];
  return data.some(
    (d) =>
      d.namespace === metric?.Namespace &&
      d.metricName === metric?.MetricName &&
      JSON.stringify(Object.keys(d.dimensions).sort()) === JSON.stringify(Object.keys(dimensions).sort()) &&
      identity.every((name) => d.dimensions[name] === dimensions[name]),
  );
}

const fleet = (target: Target): ConfigInput => ({
  version: 1,
  fleets: [
    {
      name: 'speech',
      target,
      kinds: { stream: { capacity: 'engine', fallbackCapacity: 100 }, batch: { capacity: 8 }, tts: { capacity: 20 } },
      minInstances: 1,
      maxInstances: 10,
    },
  ],
});

describe.each([
  { name: 'EC2 Auto Scaling group', target: { type: 'asg', autoScalingGroupName: 'dg-engine-prod' } as Target, data: () => ec2Data('dg-engine-prod') },
  { name: 'EKS managed node group', target: { type: 'eks', clusterName: 'speech-prod', nodegroupName: 'engine-g6' } as Target, data: () => eksData('speech-prod', 'engine-g6') },
])('$name: every Engine query the controller sends finds the agent\'s metric', ({ target, data }) => {
  const config = configSchema.parse(fleet(target));

  it('scale: the per-instance queries and the fleet-level rejected counts', () => {
    const queries = fleetQueries(config, config.fleets[0] as (typeof config.fleets)[number], 0, [INSTANCE]).map((q) => q.query);
    // 3 kinds + the Engine's limit + its capacity estimate for the instance, + 2 rejected statuses.
    expect(queries).toHaveLength(7);
    const published = data();
    // kind and response_status values are the query's choice (a 429 series appears once
    // Engine has answered one); the dimension names and the fleet must match exactly.
    expect(queries.filter((q) => !answered(q, published)).map((q) => q.Id)).toEqual([]);
  });

  it('history: the fleet-level queries', () => {
    const queries = fleetLevelQueries(config, config.fleets[0] as (typeof config.fleets)[number], 0).map((q) => q.query);
    // 3 kinds + sample count + engine capacity + 2 rejected statuses.
    expect(queries).toHaveLength(7);
    const published = data();
    expect(queries.filter((q) => !answered(q, published)).map((q) => q.Id)).toEqual([]);
  });

  it('drain: the per-instance queries', () => {
    const { queries } = buildInstanceLoadQueries({ namespace: config.engineNamespace, periodSeconds: config.periodSeconds, requests: [{ target, instanceIds: [INSTANCE] }] });
    expect(queries.length).toBeGreaterThan(0);
    const published = data();
    expect(queries.filter((q) => !answered(q, published)).map((q) => q.Id)).toEqual([]);
  });
});
