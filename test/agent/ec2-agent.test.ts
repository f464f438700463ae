import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { configSchema } from '../../lib/config/schema.js';
import { ENGINE_METRICS } from '../../lib/fleet/engine-metrics.js';
import { expectedDimensionSets, producedDimensionSets } from './expected.js';
import { FIRST_SCRAPE, SECOND_SCRAPE, engineScrape } from './fixtures.js';
import { runScript, scratchDir, startFakeImds, stub, type FakeImds } from './harness.js';
import { CounterDeltas, extractEmf, scrape, seconds, targetLabels, type EmfProcessor, type ScrapeConfig } from './prometheus-pipeline.js';

const AGENT_DIR = 'infra/cloudwatch-agent/ec2';
const INSTALL = join(AGENT_DIR, 'install.sh');
const ASG = 'dg-engine-prod/us-east-1a';
const INSTANCE = 'i-0123456789abcdef0';

const defaults = configSchema.parse({
  version: 1,
  fleets: [{ name: 'probe', target: { type: 'asg', autoScalingGroupName: ASG }, kinds: { stream: { capacity: 100 } }, minInstances: 1, maxInstances: 2 }],
});

function installEnv(imds: FakeImds, root: string, stubs: string): Record<string, string> {
  return {
    PATH: `${stubs}:/usr/local/bin:/usr/bin:/bin`,
    CWAGENT_ROOT: root,
    IMDS_ENDPOINT: imds.url,
    EKS_MARKER_DIR: join(root, 'no-such-dir'),
  };
}

describe('EC2: install.sh and the agent configuration it writes', () => {
  let imds: FakeImds;
  let root: string;
  let stubs: string;

  beforeAll(async () => {
    imds = await startFakeImds({
      '/latest/meta-data/instance-id': INSTANCE,
      '/latest/meta-data/placement/region': 'us-east-1',
      '/latest/meta-data/tags/instance/aws:autoscaling:groupName': ASG,
    });
    root = scratchDir('cwagent-ec2-');
    stubs = join(root, 'stubs');
    stub(join(root, 'bin'), 'amazon-cloudwatch-agent-ctl', 'exit 0');
    // An AWS CLI that must not be reached while metadata tags answer.
    stub(stubs, 'aws', 'echo "aws CLI must not be called" >&2; exit 3');
    const result = await runScript(INSTALL, [], installEnv(imds, root, stubs));
    if (result.status !== 0) throw new Error(`install.sh failed (${result.status}): ${result.stderr}`);
  });
  afterAll(async () => imds.close());

  const rendered = () => ({
    agent: JSON.parse(readFileSync(join(root, 'etc/gpu-fleet-scaler-agent.json'), 'utf8')) as { logs: { metrics_collected: { prometheus: { emf_processor: EmfProcessor; prometheus_config_path: string } } } },
    prometheus: parseYaml(readFileSync(join(root, 'etc/gpu-fleet-scaler-prometheus.yaml'), 'utf8')) as { global: { scrape_interval: string }; scrape_configs: ScrapeConfig[] },
  });

  it('starts the agent with the written configuration', () => {
    const calls = readFileSync(join(root, 'bin/calls.log'), 'utf8');
    expect(calls).toContain(`-a fetch-config -m ec2 -c file:${root}/etc/gpu-fleet-scaler-agent.json -s`);
    expect(existsSync(join(stubs, 'calls.log'))).toBe(false);
  });

  it('writes verbatim copies of the reviewed files next to it, placeholders filled', () => {
    const hint = 'install.sh embeds a stale copy: run node infra/cloudwatch-agent/ec2/embed-config.mjs';
    expect(readFileSync(join(root, 'etc/gpu-fleet-scaler-agent.json'), 'utf8'), hint).toBe(readFileSync(join(AGENT_DIR, 'amazon-cloudwatch-agent.json'), 'utf8'));
    expect(readFileSync(join(root, 'etc/gpu-fleet-scaler-prometheus.yaml.template'), 'utf8'), hint).toBe(readFileSync(join(AGENT_DIR, 'prometheus.yaml'), 'utf8'));
    const prometheus = readFileSync(join(root, 'etc/gpu-fleet-scaler-prometheus.yaml'), 'utf8');
    expect(prometheus).not.toMatch(/__[A-Z_]+__/);
    expect(rendered().agent.logs.metrics_collected.prometheus.prometheus_config_path).toBe('/opt/aws/amazon-cloudwatch-agent/etc/gpu-fleet-scaler-prometheus.yaml');
  });

  it('scrapes at the interval the controller assumes, and that interval divides the query period', () => {
    const { prometheus } = rendered();
    const job = prometheus.scrape_configs[0] as ScrapeConfig;
    const interval = seconds(job.scrape_interval ?? prometheus.global.scrape_interval);
    // 60 s scrapes and a 60 s period: one sample per instance per period, Sum = fleet total.
    expect(interval).toBe(defaults.scrapeIntervalSeconds);
    expect(defaults.periodSeconds % interval).toBe(0);
  });

  it('publishes into the namespace the controller reads', () => {
    expect(rendered().agent.logs.metrics_collected.prometheus.emf_processor.metric_namespace).toBe(defaults.engineNamespace);
  });

  describe('a real Engine /metrics text through the declared mapping', () => {
    const publish = () => {
      const { agent, prometheus } = rendered();
      const job = prometheus.scrape_configs[0] as ScrapeConfig;
      const staticConfig = job.static_configs?.[0];
      if (!staticConfig) throw new Error('the EC2 job must scrape a static target');
      const target = targetLabels(job, { __address__: staticConfig.targets[0] as string, ...staticConfig.labels });
      if (!target) throw new Error('the Engine target was dropped by relabelling');
      const deltas = new CounterDeltas();
      const emf = agent.logs.metrics_collected.prometheus.emf_processor;
      const first = extractEmf(emf, deltas.apply(scrape(job, target, engineScrape(FIRST_SCRAPE))));
      const second = extractEmf(emf, deltas.apply(scrape(job, target, engineScrape(SECOND_SCRAPE))));
      return { target, first, second };
    };

    it('scrapes Engine on port 9991', () => {
      expect(publish().target.instance).toBe('localhost:9991');
    });

    it('produces exactly the metric names and dimension sets lib/fleet/engine-metrics.ts queries', () => {
      const produced = producedDimensionSets(publish().second);
      const expected = expectedDimensionSets({ type: 'asg', autoScalingGroupName: ASG });
      expect([...produced.keys()].sort()).toEqual(Object.values(ENGINE_METRICS).sort());
      expect(produced).toEqual(expected);
    });

    it('names the group and the instance from instance metadata', () => {
      const datum = publish().second.find((d) => d.metricName === ENGINE_METRICS.estimatedStreamCapacity && 'InstanceId' in d.dimensions);
      expect(datum).toEqual({ namespace: 'Deepgram/Engine', metricName: 'engine_estimated_stream_capacity', dimensions: { AutoScalingGroupName: ASG, InstanceId: INSTANCE }, value: 120 });
    });

    it('publishes gauges as read and engine_requests_total as the delta since the last scrape', () => {
      const { first, second } = publish();
      // Counters need two scrapes: the first only sets the baseline.
      expect(first.some((d) => d.metricName === ENGINE_METRICS.requestsTotal)).toBe(false);
      const rejected = second.filter((d) => d.metricName === ENGINE_METRICS.requestsTotal && d.dimensions.response_status === '503' && !('InstanceId' in d.dimensions));
      // 5 - 3 rejections in the minute.
      expect(rejected.map((d) => d.value)).toEqual([2]);
      const streams = second.find((d) => d.metricName === ENGINE_METRICS.activeRequests && d.dimensions.kind === 'stream' && !('InstanceId' in d.dimensions));
      expect(streams?.value).toBe(37);
    });
  });
});

describe('EC2: install.sh finds the Auto Scaling group or refuses', () => {
  const cases: { name: string; tags: boolean; cli: string; args: string[]; status: number; asg?: string }[] = [
    { name: 'metadata tags off: asks the AWS CLI', tags: false, cli: `echo "${ASG}"`, args: [], status: 0, asg: ASG },
    { name: 'metadata tags off, no answer from the CLI: fails loudly', tags: false, cli: 'echo None', args: [], status: 1 },
    { name: 'an explicit --asg-name wins', tags: true, cli: 'exit 3', args: ['--asg-name', 'from-user-data'], status: 0, asg: 'from-user-data' },
    { name: 'a name the schema would reject: fails', tags: false, cli: 'exit 3', args: ['--asg-name', 'bad name;rm'], status: 1 },
  ];
  it.each(cases)('$name', async ({ tags, cli, args, status, asg }) => {
    const imds = await startFakeImds({
      '/latest/meta-data/instance-id': INSTANCE,
      '/latest/meta-data/placement/region': 'us-east-1',
      ...(tags ? { '/latest/meta-data/tags/instance/aws:autoscaling:groupName': ASG } : {}),
    });
    try {
      const root = scratchDir('cwagent-ec2-case-');
      const stubs = join(root, 'stubs');
      stub(join(root, 'bin'), 'amazon-cloudwatch-agent-ctl', 'exit 0');
      stub(stubs, 'aws', cli);
      const result = await runScript(INSTALL, args, installEnv(imds, root, stubs));
      expect({ status: result.status }).toEqual({ status });
      if (asg !== undefined) {
        const job = (parseYaml(readFileSync(join(root, 'etc/gpu-fleet-scaler-prometheus.yaml'), 'utf8')) as { scrape_configs: ScrapeConfig[] }).scrape_configs[0];
        expect(job?.static_configs?.[0]?.labels).toEqual({ AutoScalingGroupName: asg, InstanceId: INSTANCE });
      } else {
        expect(existsSync(join(root, 'bin/calls.log'))).toBe(false);
      }
    } finally {
      await imds.close();
    }
  });

  it('does nothing on an EKS node, where the DaemonSet publishes instead', async () => {
    const imds = await startFakeImds({});
    try {
      const root = scratchDir('cwagent-ec2-eks-');
      stub(join(root, 'bin'), 'amazon-cloudwatch-agent-ctl', 'exit 0');
      const result = await runScript(INSTALL, [], { ...installEnv(imds, root, join(root, 'stubs')), EKS_MARKER_DIR: root });
      expect(result.status).toBe(0);
      expect(existsSync(join(root, 'bin/calls.log'))).toBe(false);
    } finally {
      await imds.close();
    }
  });
});
