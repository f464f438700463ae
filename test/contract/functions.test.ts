import { CreateOrUpdateTagsCommand, DescribeAutoScalingGroupsCommand, DescribeLifecycleHooksCommand } from '@aws-sdk/client-auto-scaling';
import { GetMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import { SubscribeCommand } from '@aws-sdk/client-sns';
import type { Context } from 'aws-lambda';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, beforeEach, expect, it, vi } from 'vitest';
import { MOTO_ENDPOINT, REGION, describeMoto } from './harness.js';
import { ENGINE_NAMESPACE, createAsgFleet, createDrainDocument, createTopic, putConfigParameter, putEngineSamples, tagManaged, DRAIN_DOCUMENT } from './fixtures.js';
import { NotificationSink } from './notifications.js';

/**
 * The Lambda handlers exactly as deployed: their production dependencies are built from
 * the environment (FLEET_CONFIG_PARAMETER, DRAIN_DOCUMENT_NAME, LICENSE_*), and the SDK's
 * own AWS_ENDPOINT_URL points every client at moto, so nothing is injected.
 */
const NOW = new Date('2026-11-20T10:30:30.000Z');
const PERIOD_MS = 60_000;
const CONFIG_PARAMETER = '/gpu-fleet-scaler/config';
const context = { functionName: 'contract', awsRequestId: 'contract-test' } as unknown as Context;

const fleetDocument = `
version: 1
fleets:
  - name: nova-3
    target: { type: asg, autoScalingGroupName: engine-a }
    kinds: { stream: { capacity: 10 } }
    targetUtilization: 0.5
    minInstances: 1
    maxInstances: 8
    drain: { gracePeriodSeconds: 3600 }
    dryRun: false
`;

describeMoto('deployed handlers (functions/*) wired from the environment', (moto) => {
  beforeEach(() => {
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(NOW);
    vi.stubEnv('AWS_REGION', REGION);
    vi.stubEnv('AWS_ENDPOINT_URL', MOTO_ENDPOINT as string);
    vi.stubEnv('FLEET_CONFIG_PARAMETER', CONFIG_PARAMETER);
    vi.stubEnv('FLEET_CONFIG_TTL_SECONDS', '0');
    vi.stubEnv('FLEET_SCALER_FORCE_DRY_RUN', 'false');
    vi.stubEnv('DRAIN_DOCUMENT_NAME', DRAIN_DOCUMENT);
    vi.stubEnv('POWERTOOLS_LOG_LEVEL', 'SILENT');
    vi.stubEnv('POWERTOOLS_METRICS_DISABLED', 'true');
    vi.resetModules();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('scale: reads the fleet document from SSM and the metrics from CloudWatch, then resizes the group', async () => {
    const fleet = await createAsgFleet(moto.ports, { name: 'engine-a', desired: 2 });
    await moto.ports.autoscaling.send(
      new CreateOrUpdateTagsCommand({ Tags: [{ ResourceId: 'engine-a', ResourceType: 'auto-scaling-group', Key: 'gpu-fleet-scaler:managed', Value: 'true', PropagateAtLaunch: false }] }),
    );
    await putConfigParameter(moto.ports, CONFIG_PARAMETER, fleetDocument);
    const newest = Math.floor(NOW.getTime() / PERIOD_MS) * PERIOD_MS - PERIOD_MS;
    await putEngineSamples(
      moto.ports,
      { type: 'asg', autoScalingGroupName: 'engine-a' },
      Array.from({ length: 12 }, (_, i) => new Date(newest - i * PERIOD_MS)).flatMap((at) => fleet.instanceIds.map((instanceId) => ({ instanceId, at, active: { stream: 12 } }))),
      ENGINE_NAMESPACE,
    );
    const { handler } = await import('../../functions/scale.js');

    const result = await handler({ source: 'aws.events', 'detail-type': 'Scheduled Event' }, context);

    // 2 x 12 = 24 streams / (10 x 0.5) = 4.8 -> 5
    expect(result.fleets).toEqual([expect.objectContaining({ fleet: 'nova-3', applied: true, decision: expect.objectContaining({ desired: 5 }) })]);
    const group = await moto.ports.autoscaling.send(new DescribeAutoScalingGroupsCommand({ AutoScalingGroupNames: ['engine-a'] }));
    expect(group.AutoScalingGroups?.[0]?.DesiredCapacity).toBe(5);
  });

  it('drain: the schedule puts the termination hook on the managed group', async () => {
    await createAsgFleet(moto.ports, { name: 'engine-a', desired: 1 });
    await tagManaged(moto.ports, 'engine-a');
    await createDrainDocument(moto.ports);
    await putConfigParameter(moto.ports, CONFIG_PARAMETER, fleetDocument);
    const { handler } = await import('../../functions/drain.js');

    const result = await handler({ source: 'aws.events', 'detail-type': 'Scheduled Event', time: NOW.toISOString() }, context);

    expect(result).toMatchObject({ fleets: [{ fleet: 'nova-3', errors: [], hooks: { 'engine-a': 'Created' } }] });
    const hooks = await moto.ports.autoscaling.send(new DescribeLifecycleHooksCommand({ AutoScalingGroupName: 'engine-a' }));
    expect(hooks.LifecycleHooks?.map((h) => h.LifecycleTransition)).toEqual(['autoscaling:EC2_INSTANCE_TERMINATING']);
  });

  it('license-watch: polls a real proxy endpoint, publishes its metrics and pages once through SNS', async () => {
    const proxy = await statusServer({ state: 'Failed', last_successful_checkin: '2026-11-20T09:00:00Z', trust_expiration: null });
    const sink = await NotificationSink.start();
    try {
      const topicArn = await createTopic(moto.ports, 'gpu-fleet-scaler-alerts');
      await moto.ports.sns.send(new SubscribeCommand({ TopicArn: topicArn, Protocol: 'http', Endpoint: sink.url }));
      vi.stubEnv('LICENSE_PROXIES', JSON.stringify([{ name: 'license-a', url: proxy.url }]));
      vi.stubEnv('LICENSE_ALERT_TOPIC_ARN', topicArn);
      const { handler } = await import('../../functions/license-watch.js');

      const result = await handler({ source: 'aws.events', 'detail-type': 'Scheduled Event' }, context);

      expect(result.proxies[0]).toMatchObject({ published: true, evaluation: { proxy: 'license-a', state: 'Failed', reachable: true } });
      expect(sink.received.map((n) => n.Subject)).toEqual([expect.stringContaining('license-a')]);
      const stored = await moto.ports.cloudwatch.send(
        new GetMetricDataCommand({
          StartTime: new Date('2026-11-20T10:30:00Z'),
          EndTime: new Date('2026-11-20T10:31:00Z'),
          MetricDataQueries: [
            { Id: 'heartbeat', MetricStat: { Metric: { Namespace: 'GpuFleetScaler', MetricName: 'LicenseWatchHeartbeat' }, Period: 60, Stat: 'Sum' } },
          ],
        }),
      );
      expect(stored.MetricDataResults?.[0]?.Values).toEqual([1]);
    } finally {
      await sink.stop();
      await proxy.stop();
    }
  });
});

/** A License Proxy stand-in answering GET /v1/status with `body`. */
async function statusServer(body: unknown): Promise<{ url: string; stop: () => Promise<void> }> {
  const server: Server = createServer((request, response) => {
    if (request.url !== '/v1/status') return void response.writeHead(404).end();
    response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(body));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/v1/status`,
    stop: () => new Promise<void>((resolve, reject) => server.close((error) => (error ? reject(error) : resolve()))),
  };
}
