import {
  AutoScalingClient,
  CompleteLifecycleActionCommand,
  DescribeAutoScalingGroupsCommand,
  DescribeScalingActivitiesCommand,
  RecordLifecycleActionHeartbeatCommand,
} from '@aws-sdk/client-auto-scaling';
import { CloudWatchClient, GetMetricDataCommand, ListMetricsCommand } from '@aws-sdk/client-cloudwatch';
import { ListCommandInvocationsCommand, SendCommandCommand, SSMClient, type CommandInvocation } from '@aws-sdk/client-ssm';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { createAwsPorts } from '../../lib/aws/clients.js';
import { validateConfig } from '../../lib/config/load.js';
import { ConfigError } from '../../lib/config/load.js';
import type { ControllerConfig } from '../../lib/config/schema.js';
import { runDrainTick } from '../../lib/drain/reconcile.js';
import type { HandlerDeps } from '../../lib/runtime/deps.js';
import { MemoryTelemetry } from '../../lib/telemetry.js';
import { asgFleet, fleetDocument } from '../fleet-document.js';
import { INCOMPLETE_ANSWERS, incompletePage, namedMessages } from '../incomplete-answers.js';

const t = (hhmmss: string) => new Date(`2026-11-20T${hhmmss}Z`);
const NOW = t('10:20:00');
const INSTANCE = 'i-0aaa1111';

const autoscaling = mockClient(AutoScalingClient);
const cloudwatch = mockClient(CloudWatchClient);
const ssm = mockClient(SSMClient);

function controllerConfig(): ControllerConfig {
  const config = validateConfig(fleetDocument([asgFleet('engines', 'dg-engines', { maxInstances: 10, drain: { gracePeriodSeconds: 3600 }, dryRun: false })]), 'test');
  if (config instanceof ConfigError) throw config;
  return config;
}

function deps(telemetry: MemoryTelemetry): HandlerDeps {
  return {
    ports: createAwsPorts({ region: 'us-east-1' }),
    telemetry,
    now: () => NOW,
    loadConfig: async () => controllerConfig(),
    retry: { attempts: 1, baseDelayMs: 0, maxDelayMs: 0, sleep: async () => {}, random: () => 0 },
  };
}

/** The drain command the controller sent at 10:00:00, as SSM describes it, with `changes` applied (undefined removes a field). */
function invocation(changes: Partial<Record<keyof CommandInvocation, unknown>> = {}): CommandInvocation {
  const complete: CommandInvocation = {
    CommandId: 'cmd-1',
    InstanceId: INSTANCE,
    Comment: `gpu-fleet-scaler drain ${INSTANCE}`,
    RequestedDateTime: t('10:00:00'),
    Status: 'InProgress',
    CommandPlugins: [{ ResponseStartDateTime: t('10:00:02') }],
  };
  const merged: Record<string, unknown> = { ...complete, ...changes };
  for (const [key, value] of Object.entries(merged)) if (value === undefined) delete merged[key];
  return merged as CommandInvocation;
}

beforeEach(() => {
  autoscaling.reset();
  cloudwatch.reset();
  ssm.reset();
  autoscaling.on(DescribeAutoScalingGroupsCommand).resolves({
    AutoScalingGroups: [
      {
        AutoScalingGroupName: 'dg-engines',
        MinSize: 0,
        MaxSize: 10,
        DesiredCapacity: 1,
        DefaultCooldown: 300,
        AvailabilityZones: ['us-east-1a'],
        HealthCheckType: 'EC2',
        CreatedTime: t('00:00:00'),
        Instances: [{ InstanceId: INSTANCE, AvailabilityZone: 'us-east-1a', LifecycleState: 'Terminating:Wait', HealthStatus: 'Healthy', ProtectedFromScaleIn: false }],
        Tags: [{ Key: 'gpu-fleet-scaler:managed', Value: 'true' }],
      },
    ],
  });
  // The termination began at 09:59:30, half a minute before the command.
  autoscaling.on(DescribeScalingActivitiesCommand).resolves({
    Activities: [{ ActivityId: 'a1', AutoScalingGroupName: 'dg-engines', Description: `Terminating EC2 instance: ${INSTANCE}`, StartTime: t('09:59:30'), Cause: 'x', StatusCode: 'MidLifecycleAction' }],
  });
  autoscaling.on(RecordLifecycleActionHeartbeatCommand).resolves({});
  autoscaling.on(CompleteLifecycleActionCommand).resolves({});
  ssm.on(SendCommandCommand).resolves({ Command: { CommandId: 'cmd-2' } });
  cloudwatch.on(ListMetricsCommand).resolves({ Metrics: [] });
  // The instance still serves 7 streams, none of the other kinds, in the period two minutes before the end of the query.
  cloudwatch.on(GetMetricDataCommand).callsFake((input: { EndTime: Date; MetricDataQueries: Array<{ Id: string }> }) => ({
    MetricDataResults: input.MetricDataQueries.map((q) => ({ Id: q.Id, Timestamps: [new Date(input.EndTime.getTime() - 120_000)], Values: [q.Id.endsWith('_stream') ? 7 : 0], StatusCode: 'Complete' })),
  }));
});

describe('the drain tick on an incomplete SSM answer (issue 13)', () => {
  it.each([
    ['without RequestedDateTime', { RequestedDateTime: undefined }, 'RequestedDateTime'],
    ['without Status', { Status: undefined }, 'Status'],
    ['without RequestedDateTime or Status', { RequestedDateTime: undefined, Status: undefined }, 'RequestedDateTime, Status'],
  ])('a drain command described %s counts as sent: no second command, the instance held, the gap reported', async (_name, damage, fields) => {
    ssm.on(ListCommandInvocationsCommand).resolves({ CommandInvocations: [invocation({ ...damage, Status: 'Status' in damage ? undefined : 'Pending', CommandPlugins: [] })] });
    const telemetry = new MemoryTelemetry();

    const result = await runDrainTick(deps(telemetry), controllerConfig(), { documentName: 'gfs-drain', ensureHooks: false });

    expect(ssm).toHaveReceivedCommandTimes(SendCommandCommand, 0);
    expect(autoscaling).toHaveReceivedCommandTimes(RecordLifecycleActionHeartbeatCommand, 1);
    expect(autoscaling).toHaveReceivedCommandTimes(CompleteLifecycleActionCommand, 0);
    expect(result.fleets[0]?.instances[0]).toMatchObject({ action: 'Heartbeat', reason: 'CommandIncomplete', outcome: 'Held', numbers: { commands: 1, incompleteCommands: 1 } });
    const warning = telemetry.lines.find((l) => l.message.startsWith('drain command history incomplete'));
    expect(warning?.fields.incomplete).toEqual([expect.stringContaining(`drain command cmd-1 (Comment "gpu-fleet-scaler drain ${INSTANCE}") without ${fields}: counted as sent to ${INSTANCE},`)]);
  });

  it('the clock of a command without RequestedDateTime runs from the termination activity, so the deadline still comes', async () => {
    ssm.on(ListCommandInvocationsCommand).resolves({ CommandInvocations: [invocation({ RequestedDateTime: undefined })] });
    const telemetry = new MemoryTelemetry();
    const later = { ...deps(telemetry), now: () => t('11:00:00') };

    const result = await runDrainTick(later, controllerConfig(), { documentName: 'gfs-drain', ensureHooks: false });

    // 09:59:30 + 3600 s = 10:59:30 <= 11:00:00: released, the 7 streams counted as cut
    expect(result.fleets[0]?.instances[0]).toMatchObject({ action: 'Force', reason: 'GraceExpired', outcome: 'Released', numbers: { drainSeconds: 3630, activeStreams: 7 } });
    expect(ssm).toHaveReceivedCommandTimes(SendCommandCommand, 0);
  });

  it('an invocation without InstanceId is placed by the instance its Comment names', async () => {
    ssm.on(ListCommandInvocationsCommand).resolves({ CommandInvocations: [invocation({ InstanceId: undefined })] });
    const telemetry = new MemoryTelemetry();

    const result = await runDrainTick(deps(telemetry), controllerConfig(), { documentName: 'gfs-drain', ensureHooks: false });

    // delivered at 10:00:02, 7 streams in the 10:18 period: the drain runs on from the command's own request time
    expect(result.fleets[0]?.instances[0]).toMatchObject({ action: 'Heartbeat', reason: 'StreamsActive', numbers: { commands: 1, incompleteCommands: 1, drainSeconds: 1200 } });
    expect(ssm).toHaveReceivedCommandTimes(SendCommandCommand, 0);
  });

  it('an invocation without Comment is not taken for a drain, and is reported', async () => {
    ssm.on(ListCommandInvocationsCommand).resolves({ CommandInvocations: [invocation({ Comment: undefined })] });
    const telemetry = new MemoryTelemetry();

    const result = await runDrainTick(deps(telemetry), controllerConfig(), { documentName: 'gfs-drain', ensureHooks: false });

    // whether the controller sent it is unknown (a person may run the document by hand): the drain sends its own
    expect(result.fleets[0]?.instances[0]).toMatchObject({ action: 'SendAndHeartbeat', reason: 'SigintNotSent' });
    expect(telemetry.lines.find((l) => l.message.startsWith('drain command history incomplete'))?.fields.incomplete).toEqual([expect.stringMatching(/command cmd-1 on i-0aaa1111 without Comment/)]);
  });

  it('a complete answer is not reported', async () => {
    ssm.on(ListCommandInvocationsCommand).resolves({ CommandInvocations: [invocation()] });
    const telemetry = new MemoryTelemetry();

    const result = await runDrainTick(deps(telemetry), controllerConfig(), { documentName: 'gfs-drain', ensureHooks: false });

    expect(result.fleets[0]?.instances[0]).toMatchObject({ reason: 'StreamsActive', numbers: { commands: 1 } });
    expect(result.fleets[0]?.instances[0]?.numbers).not.toHaveProperty('incompleteCommands');
    expect(telemetry.lines.filter((l) => l.message.startsWith('drain command history incomplete'))).toEqual([]);
  });
});

describe('the drain tick on an incomplete scaling activity (issue 13, gap 2)', () => {
  it('a termination activity without StartTime is said once, by group, activity, instance, field and rule', async () => {
    ssm.on(ListCommandInvocationsCommand).resolves({ CommandInvocations: [] });
    autoscaling.on(DescribeScalingActivitiesCommand).resolves({
      Activities: [{ ActivityId: 'a9', AutoScalingGroupName: 'dg-engines', Description: `Terminating EC2 instance: ${INSTANCE}`, Cause: 'x', StatusCode: 'MidLifecycleAction' } as never],
    });
    const telemetry = new MemoryTelemetry();

    await runDrainTick(deps(telemetry), controllerConfig(), { documentName: 'gfs-drain', ensureHooks: false });

    const warnings = telemetry.lines.filter((l) => l.message.startsWith('drain scaling activities incomplete'));
    expect(warnings.map((w) => [w.level, w.fields])).toEqual([
      ['WARN', { fleet: 'engines', undated: [`dg-engines activity a9 for ${INSTANCE}: StartTime must be present, got undefined`] }],
    ]);
  });

  it('a dated termination activity is not reported', async () => {
    ssm.on(ListCommandInvocationsCommand).resolves({ CommandInvocations: [] });
    const telemetry = new MemoryTelemetry();

    await runDrainTick(deps(telemetry), controllerConfig(), { documentName: 'gfs-drain', ensureHooks: false });

    expect(autoscaling).toHaveReceivedCommandTimes(DescribeScalingActivitiesCommand, 1);
    expect(telemetry.lines.filter((l) => l.message.startsWith('drain scaling activities incomplete'))).toEqual([]);
  });
});

describe('the drain tick on an incomplete GetMetricData answer', () => {
  // ListMetrics lists no series of the instance (the stream series younger than the listing
  // lag) and its limit reports: a stream query that failed read as never requested, zero.
  it.each(INCOMPLETE_ANSWERS)('a stream query answered $name leaves the load unknown: the drain holds, said once', async (how) => {
    ssm.on(ListCommandInvocationsCommand).resolves({ CommandInvocations: [invocation()] });
    cloudwatch.on(GetMetricDataCommand).callsFake((input: { EndTime: Date; NextToken?: string; MetricDataQueries: Array<{ Id: string }> }) => {
      const idle = input.MetricDataQueries.map((q) => ({ Id: q.Id, Timestamps: [new Date(input.EndTime.getTime() - 120_000)], Values: [q.Id.endsWith('_heartbeat') ? 1 : 0], StatusCode: 'Complete' as const }));
      return incompletePage(idle, 'i0_stream', how, input.NextToken);
    });
    const telemetry = new MemoryTelemetry();

    const result = await runDrainTick(deps(telemetry), controllerConfig(), { documentName: 'gfs-drain', ensureHooks: false });

    // Read as zero, batch 0 + tts 0 + stream 0 = an empty instance, released 1200 s into a 3600 s grace.
    expect(autoscaling).toHaveReceivedCommandTimes(CompleteLifecycleActionCommand, 0);
    expect(autoscaling).toHaveReceivedCommandTimes(RecordLifecycleActionHeartbeatCommand, 1);
    expect(result.fleets[0]?.instances[0]).toMatchObject({ action: 'Heartbeat', reason: 'AwaitingPostSigintData', outcome: 'Held' });
    const warnings = telemetry.lines.filter((l) => l.message.startsWith('drain instance load incomplete'));
    expect(warnings.map((w) => [w.level, w.fields])).toEqual([['WARN', { queries: [{ id: 'i0_stream', statusCode: how.statusCode, messages: namedMessages(how.messages) }] }]]);
  });
});
