import {
  AutoScalingClient,
  DescribeAutoScalingGroupsCommand,
  DescribeInstanceRefreshesCommand,
  DescribeLifecycleHooksCommand,
  DescribeScalingActivitiesCommand,
} from '@aws-sdk/client-auto-scaling';
import { CloudWatchClient, GetMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import { EKSClient } from '@aws-sdk/client-eks';
import { SNSClient } from '@aws-sdk/client-sns';
import { ListCommandInvocationsCommand, SSMClient } from '@aws-sdk/client-ssm';
import { mockClient } from 'aws-sdk-client-mock';
import type { AwsPorts } from '../../lib/aws/ports.js';
import type { RetryPolicy } from '../../lib/aws/retry.js';

export const GROUP = 'dg-engine';
export const WAITING = 'i-0123456789abcdef0';

/**
 * Every AWS client the handlers use, mocked, answering as a live managed fleet would (an
 * instance in service, one in Terminating:Wait, the hook present), so a handler that did
 * act on bad input would reach a write call. `writes()` lists every call that is not a
 * Describe/Get/List, by command name.
 */
export function mockedAws() {
  const clients = {
    autoscaling: new AutoScalingClient({ region: 'us-east-1' }),
    cloudwatch: new CloudWatchClient({ region: 'us-east-1' }),
    eks: new EKSClient({ region: 'us-east-1' }),
    ssm: new SSMClient({ region: 'us-east-1' }),
    sns: new SNSClient({ region: 'us-east-1' }),
  };
  const autoscaling = mockClient(clients.autoscaling);
  const cloudwatch = mockClient(clients.cloudwatch);
  const ssm = mockClient(clients.ssm);
  const mocks = [autoscaling, cloudwatch, mockClient(clients.eks), ssm, mockClient(clients.sns)] as Array<{ calls(): Array<{ args: unknown[] }>; restore(): void }>;
  autoscaling.on(DescribeAutoScalingGroupsCommand).resolves({
    AutoScalingGroups: [
      {
        AutoScalingGroupName: GROUP,
        MinSize: 0,
        MaxSize: 10,
        DesiredCapacity: 2,
        DefaultCooldown: 0,
        AvailabilityZones: ['us-east-1a'],
        HealthCheckType: 'EC2',
        CreatedTime: new Date('2026-01-01T00:00:00Z'),
        Instances: [
          { InstanceId: 'i-0aaaaaaaaaaaaaaa1', LifecycleState: 'InService', HealthStatus: 'Healthy', AvailabilityZone: 'us-east-1a', ProtectedFromScaleIn: false },
          { InstanceId: WAITING, LifecycleState: 'Terminating:Wait', HealthStatus: 'Healthy', AvailabilityZone: 'us-east-1a', ProtectedFromScaleIn: false },
        ],
        Tags: [{ Key: 'gpu-fleet-scaler:managed', Value: 'true', ResourceId: GROUP, ResourceType: 'auto-scaling-group', PropagateAtLaunch: false }],
      },
    ],
  });
  autoscaling.on(DescribeLifecycleHooksCommand).resolves({ LifecycleHooks: [] });
  autoscaling.on(DescribeScalingActivitiesCommand).resolves({ Activities: [] });
  autoscaling.on(DescribeInstanceRefreshesCommand).resolves({ InstanceRefreshes: [] });
  cloudwatch.on(GetMetricDataCommand).resolves({ MetricDataResults: [] });
  ssm.on(ListCommandInvocationsCommand).resolves({ CommandInvocations: [] });
  const ports: AwsPorts = clients;
  return {
    ports,
    calls: () => mocks.flatMap((m) => m.calls().map((c) => (c.args[0] as object).constructor.name.replace(/Command$/, ''))),
    writes: () =>
      mocks
        .flatMap((m) => m.calls().map((c) => (c.args[0] as object).constructor.name.replace(/Command$/, '')))
        .filter((name) => !/^(Describe|Get|List)/.test(name)),
    restore: () => mocks.forEach((m) => m.restore()),
  };
}

export const NO_WAIT_RETRY: RetryPolicy = { attempts: 1, baseDelayMs: 0, maxDelayMs: 0, sleep: async () => {}, random: () => 0 };

/** A valid fleet document; cases patch it. */
export function validDocument(): Record<string, unknown> {
  return {
    version: 1,
    fleets: [
      {
        name: 'engine',
        target: { type: 'asg', autoScalingGroupName: GROUP },
        kinds: { stream: { capacity: 100 } },
        minInstances: 1,
        maxInstances: 10,
        dryRun: false,
        redeploy: { enabled: true, schedule: 'cron(0 3 * * ? *)', timeZone: 'UTC', windowMinutes: 180 },
      },
    ],
  };
}

/** Characters that must never reach a shell or start a forged log line. */
export const HOSTILE = [
  { name: 'semicolon', text: 'deepgram; reboot' },
  { name: 'command substitution', text: 'deepgram$(reboot)' },
  { name: 'backticks', text: 'deepgram`reboot`' },
  { name: 'newline', text: 'deepgram\nreboot' },
  { name: 'carriage return', text: 'deepgram\r{"level":"INFO"}' },
  { name: 'pipe', text: 'deepgram | sh' },
  { name: 'ampersand', text: 'deepgram && reboot' },
  { name: 'quote', text: "deepgram' -o '" },
  { name: 'glob', text: 'deep*' },
  { name: 'NUL', text: 'deepgram\u0000x' },
  { name: 'escape sequence', text: 'deepgram\u001b[2J' },
] as const;

/** Control characters other than the newline that separates a message's own lines. */
export function controlCharacters(text: string): string[] {
  return [...text].filter((c) => (c.charCodeAt(0) < 32 && c !== '\n') || c.charCodeAt(0) === 127);
}
