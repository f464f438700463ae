import {
  AutoScalingClient,
  CancelInstanceRefreshCommand,
  CreateOrUpdateTagsCommand,
  DescribeAutoScalingGroupsCommand,
  DescribeInstanceRefreshesCommand,
  DescribeLifecycleHooksCommand,
  StartInstanceRefreshCommand,
} from '@aws-sdk/client-auto-scaling';
import { CloudWatchClient, GetMetricDataCommand, ListMetricsCommand } from '@aws-sdk/client-cloudwatch';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { createAwsPorts } from '../../lib/aws/clients.js';
import { validateConfig } from '../../lib/config/load.js';
import { runRedeployTick } from '../../lib/redeploy/reconcile.js';
import type { HandlerDeps } from '../../lib/runtime/deps.js';
import { MemoryTelemetry } from '../../lib/telemetry.js';
import { asgFleet, fleetDocument } from '../fleet-document.js';

// Tonight's window opened at 03:00 UTC (cron(0 3 * * ? *), 180 minutes).
const NOW = new Date('2026-03-02T04:00:00Z');

const autoscaling = mockClient(AutoScalingClient);
const cloudwatch = mockClient(CloudWatchClient);

function deps(telemetry: MemoryTelemetry): HandlerDeps {
  return {
    ports: createAwsPorts({ region: 'us-east-1' }),
    telemetry,
    now: () => NOW,
    loadConfig: async () =>
      validateConfig(
        fleetDocument([asgFleet('engines', 'dg-engines', { maxInstances: 10, dryRun: false, redeploy: { enabled: true, schedule: 'cron(0 3 * * ? *)', windowMinutes: 180 } })]),
        'test',
      ),
    retry: { attempts: 1, baseDelayMs: 0, maxDelayMs: 0, sleep: async () => {}, random: () => 0 },
  };
}

function withMarker(marker: string) {
  autoscaling.on(DescribeAutoScalingGroupsCommand).resolves({
    AutoScalingGroups: [
      {
        AutoScalingGroupName: 'dg-engines',
        MinSize: 1,
        MaxSize: 10,
        DesiredCapacity: 4,
        DefaultCooldown: 300,
        AvailabilityZones: ['us-east-1a'],
        HealthCheckType: 'EC2',
        CreatedTime: new Date('2026-01-01T00:00:00Z'),
        Instances: Array.from({ length: 4 }, (_, i) => ({ InstanceId: `i-${i}`, AvailabilityZone: 'us-east-1a', LifecycleState: 'InService' as const, HealthStatus: 'Healthy', ProtectedFromScaleIn: false })),
        Tags: [
          { Key: 'gpu-fleet-scaler:managed', Value: 'true' },
          { Key: 'gpu-fleet-scaler:redeploy', Value: marker },
        ],
      },
    ],
  });
}

beforeEach(() => {
  autoscaling.reset();
  cloudwatch.reset();
  // The roll the marker names is running: a refresh started at 03:05, 2 of 4 instances left.
  autoscaling.on(DescribeInstanceRefreshesCommand).resolves({
    InstanceRefreshes: [{ InstanceRefreshId: 'r-1', AutoScalingGroupName: 'dg-engines', Status: 'InProgress', StartTime: new Date('2026-03-02T03:05:01Z'), InstancesToUpdate: 2 }],
  });
  autoscaling.on(DescribeLifecycleHooksCommand).resolves({ LifecycleHooks: [] });
  cloudwatch.on(ListMetricsCommand).resolves({ Metrics: [] });
  cloudwatch.on(GetMetricDataCommand).resolves({ MetricDataResults: [] });
});

// Issue 13: a person edited the marker to end in 2099. Taken at its word, the roll never
// overran its window (the tick waited, the scaler held every scale-in) until then.
describe('the redeploy tick on a marker whose times cannot be true', () => {
  it.each([
    ['ends in 2099', 'phase=rolling window=2026-03-02T03:00:00.000Z until=2099-01-01T00:00:00.000Z since=2026-03-02T03:05:00.000Z n=4', /until must be after window by at most 720 minutes/],
    ['was started in 2099', 'phase=rolling window=2026-03-02T03:00:00.000Z until=2026-03-02T06:00:00.000Z since=2099-01-01T00:00:00.000Z n=4', /since must not be after now/],
    ['opens in 2099', 'phase=skipped window=2099-01-01T03:00:00.000Z until=2099-01-01T06:00:00.000Z reason=Busy', /window must not be after now/],
  ])('a marker that %s fails the fleet as an unreadable one does, naming it, and changes nothing', async (_name, marker, says) => {
    withMarker(marker);
    const telemetry = new MemoryTelemetry();

    const result = await runRedeployTick(deps(telemetry));

    expect(result.fleets[0]).toMatchObject({ fleet: 'engines', applied: [], error: expect.stringMatching(says) });
    expect(result.fleets[0]?.action).toBeUndefined();
    expect(telemetry.metricValues('RedeployErrors')).toEqual([1]);
    expect(autoscaling).toHaveReceivedCommandTimes(CreateOrUpdateTagsCommand, 0);
    expect(autoscaling).toHaveReceivedCommandTimes(CancelInstanceRefreshCommand, 0);
    expect(autoscaling).toHaveReceivedCommandTimes(StartInstanceRefreshCommand, 0);
  });

  it('a marker the controller wrote tonight is watched as before', async () => {
    withMarker('phase=rolling window=2026-03-02T03:00:00.000Z until=2026-03-02T06:00:00.000Z since=2026-03-02T03:05:00.000Z n=4 left=2@2026-03-02T03:50:00.000Z');

    const result = await runRedeployTick(deps(new MemoryTelemetry()));

    expect(result.fleets[0]).toMatchObject({ action: { kind: 'wait', reason: 'RollInProgress' } });
    expect(result.fleets[0]?.error).toBeUndefined();
  });
});
