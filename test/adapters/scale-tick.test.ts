import {
  AutoScalingClient,
  CreateOrUpdateTagsCommand,
  DescribeAutoScalingGroupsCommand,
  SetDesiredCapacityCommand,
  TerminateInstanceInAutoScalingGroupCommand,
} from '@aws-sdk/client-auto-scaling';
import { CloudWatchClient, GetMetricDataCommand, ListMetricsCommand, type MetricDataResult } from '@aws-sdk/client-cloudwatch';
import { DescribeNodegroupCommand, EKSClient, TagResourceCommand, UpdateNodegroupConfigCommand, type DescribeNodegroupCommandOutput } from '@aws-sdk/client-eks';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { createAwsPorts } from '../../lib/aws/clients.js';
import { ConfigError } from '../../lib/config/load.js';
import { validateConfig } from '../../lib/config/load.js';
import type { ConfigInput } from '../../lib/config/schema.js';
import type { HandlerDeps } from '../../lib/runtime/deps.js';
import { runScaleTick } from '../../lib/scaling/tick.js';
import { MemoryTelemetry } from '../../lib/telemetry.js';
import { INCOMPLETE_ANSWERS, incompletePage, namedMessages } from '../incomplete-answers.js';

const NOW = new Date('2026-03-02T12:00:30Z');
const NEWEST = new Date('2026-03-02T11:59:00Z');

const autoscaling = mockClient(AutoScalingClient);
const cloudwatch = mockClient(CloudWatchClient);
const eks = mockClient(EKSClient);

function config(overrides: Partial<ConfigInput> = {}): ConfigInput {
  return {
    version: 1,
    fleets: [
      {
        name: 'engine-a',
        target: { type: 'asg', autoScalingGroupName: 'dg-engine-a' },
        kinds: { stream: { capacity: 100 } },
        targetUtilization: 0.5,
        minInstances: 1,
        maxInstances: 10,
        scaleDown: { stabilizationSeconds: 0, cooldownSeconds: 0, maxInstancesPerStep: 10, maxPercentPerStep: 100 },
        dryRun: false,
      },
    ],
    ...overrides,
  };
}

function deps(document: ConfigInput, telemetry = new MemoryTelemetry()): HandlerDeps {
  return {
    ports: createAwsPorts({ region: 'us-east-1' }),
    telemetry,
    now: () => NOW,
    loadConfig: async () => validateConfig(document, 'test'),
    retry: { attempts: 3, baseDelayMs: 1, maxDelayMs: 1, sleep: async () => {}, random: () => 0 },
  };
}

function group(name: string, desired: number, instances: number, tags: Record<string, string> = { 'gpu-fleet-scaler:managed': 'true' }) {
  return {
    AutoScalingGroupName: name,
    MinSize: 0,
    MaxSize: 20,
    DesiredCapacity: desired,
    DefaultCooldown: 300,
    AvailabilityZones: ['us-east-1a'],
    HealthCheckType: 'EC2',
    CreatedTime: new Date('2026-01-01T00:00:00Z'),
    Instances: Array.from({ length: instances }, (_, i) => ({
      InstanceId: `i-${name}-${i}`,
      AvailabilityZone: 'us-east-1a',
      LifecycleState: 'InService' as const,
      HealthStatus: 'Healthy',
      ProtectedFromScaleIn: false,
    })),
    Tags: Object.entries(tags).map(([Key, Value]) => ({ Key, Value, ResourceId: name, ResourceType: 'auto-scaling-group', PropagateAtLaunch: false })),
  };
}

/** Per-instance answers: `streams` concurrent streams spread evenly over the first `reporting` instances in the newest period. */
function metricAnswer(fleetIndex: number, streams: number, reporting: number): MetricDataResult[] {
  return [
    ...Array.from({ length: reporting }, (_, i): MetricDataResult[] => [
      { Id: `f${fleetIndex}_i${i}_stream`, Timestamps: [NEWEST], Values: [streams / reporting], StatusCode: 'Complete' },
      { Id: `f${fleetIndex}_i${i}_limit`, Timestamps: [NEWEST], Values: [0], StatusCode: 'Complete' },
    ]).flat(),
    { Id: `f${fleetIndex}_rejected_429`, Timestamps: [], Values: [], StatusCode: 'Complete' },
    { Id: `f${fleetIndex}_rejected_503`, Timestamps: [], Values: [], StatusCode: 'Complete' },
  ];
}

/** The victim read's answer: each instance's kinds and its heartbeat (the Engine's limit) in the newest period. */
function victimAnswer(streams: number[]): { MetricDataResults: MetricDataResult[] } {
  return {
    MetricDataResults: streams.flatMap((load, i) => [
      ...['stream', 'batch', 'tts'].map((kind) => ({ Id: `i${i}_${kind}`, Timestamps: [NEWEST], Values: [kind === 'stream' ? load : 0], StatusCode: 'Complete' as const })),
      { Id: `i${i}_heartbeat`, Timestamps: [NEWEST], Values: [1], StatusCode: 'Complete' as const },
    ]),
  };
}

beforeEach(() => {
  autoscaling.reset();
  cloudwatch.reset();
  eks.reset();
  // No instance has ever been asked for anything but what each test's datapoints show.
  cloudwatch.on(ListMetricsCommand).resolves({ Metrics: [] });
});

/** The managed GPU node group speech/gpu as DescribeNodegroup answers it, with fields replaced by `changes`. */
function gpuNodegroup(changes: Record<string, unknown> = {}): DescribeNodegroupCommandOutput {
  return {
    nodegroup: {
      nodegroupName: 'gpu',
      clusterName: 'speech',
      nodegroupArn: 'arn:aws:eks:us-east-1:123456789012:nodegroup/speech/gpu/abc',
      status: 'ACTIVE',
      scalingConfig: { minSize: 1, maxSize: 10, desiredSize: 2 },
      resources: { autoScalingGroups: [{ name: 'eks-gpu-abc' }] },
      tags: { 'gpu-fleet-scaler:managed': 'true' },
      ...changes,
    },
    $metadata: {},
  } as DescribeNodegroupCommandOutput;
}

describe('scale tick against the AWS SDK', () => {
  it('reads all fleets with one describe and one GetMetricData, and scales up with SetDesiredCapacity and a tag', async () => {
    autoscaling.on(DescribeAutoScalingGroupsCommand).resolves({ AutoScalingGroups: [group('dg-engine-a', 2, 2)] });
    cloudwatch.on(GetMetricDataCommand).resolves({ MetricDataResults: metricAnswer(0, 300, 2) });

    const result = await runScaleTick(deps(config()));

    expect(result.fleets[0]).toMatchObject({ fleet: 'engine-a', applied: true, decision: { desired: 6, reason: 'ScaleUp' } }); // ceil(300 / 50)
    expect(autoscaling).toHaveReceivedCommandTimes(DescribeAutoScalingGroupsCommand, 1);
    expect(autoscaling).toHaveReceivedCommandWith(DescribeAutoScalingGroupsCommand, { AutoScalingGroupNames: ['dg-engine-a'], MaxRecords: 100 });
    expect(cloudwatch).toHaveReceivedCommandTimes(GetMetricDataCommand, 1);
    const input = cloudwatch.commandCalls(GetMetricDataCommand)[0]!.args[0].input;
    // Window: the longer of ceil((0 + 180) / 60) + 1 = 4 periods and the ListMetrics lag,
    // ceil(900 / 60) + 1 = 16 periods, ending at the start of the filling 12:00 period.
    expect(input.StartTime).toEqual(new Date('2026-03-02T11:44:00Z'));
    expect(input.EndTime).toEqual(new Date('2026-03-02T12:00:00Z'));
    expect(input.MetricDataQueries?.[0]).toEqual({
      Id: 'f0_i0_stream',
      MetricStat: {
        Metric: {
          Namespace: 'Deepgram/Engine',
          MetricName: 'engine_active_requests',
          Dimensions: [
            { Name: 'AutoScalingGroupName', Value: 'dg-engine-a' },
            { Name: 'InstanceId', Value: 'i-dg-engine-a-0' },
            { Name: 'kind', Value: 'stream' },
          ],
        },
        Period: 60,
        Stat: 'Sum',
      },
      ReturnData: true,
    });
    expect(autoscaling).toHaveReceivedCommandWith(SetDesiredCapacityCommand, { AutoScalingGroupName: 'dg-engine-a', DesiredCapacity: 6, HonorCooldown: false });
    expect(autoscaling).toHaveReceivedCommandWith(CreateOrUpdateTagsCommand, {
      Tags: [{ ResourceId: 'dg-engine-a', ResourceType: 'auto-scaling-group', Key: 'gpu-fleet-scaler:last-scaling', Value: '2026-03-02T12:00:30.000Z up', PropagateAtLaunch: false }],
    });
  });

  // Found by the fault suite (test/faults): fleets were acted on one after another, so a
  // write that never answered held every fleet behind it until the Lambda timed out.
  it("a write that never answers holds only its own fleet: the next one still scales and logs", async () => {
    const fleetB = { ...config().fleets[0]!, name: 'engine-b', target: { type: 'asg' as const, autoScalingGroupName: 'dg-engine-b' } };
    autoscaling.on(DescribeAutoScalingGroupsCommand).resolves({ AutoScalingGroups: [group('dg-engine-a', 2, 2), group('dg-engine-b', 2, 2)] });
    cloudwatch.on(GetMetricDataCommand).resolves({ MetricDataResults: [...metricAnswer(0, 300, 2), ...metricAnswer(1, 300, 2)] });
    autoscaling.on(SetDesiredCapacityCommand, { AutoScalingGroupName: 'dg-engine-a' }).callsFake(() => new Promise(() => undefined));
    autoscaling.on(SetDesiredCapacityCommand, { AutoScalingGroupName: 'dg-engine-b' }).resolves({});
    const telemetry = new MemoryTelemetry();

    void runScaleTick(deps(config({ fleets: [config().fleets[0]!, fleetB] }), telemetry));
    for (let turn = 0; turn < 5; turn++) await new Promise((resolve) => setImmediate(resolve));

    // both need ceil(300 / 50) = 6; only engine-b's write answers
    expect(autoscaling).toHaveReceivedCommandWith(SetDesiredCapacityCommand, { AutoScalingGroupName: 'dg-engine-b', DesiredCapacity: 6 });
    expect(telemetry.lines.filter((l) => l.message === 'fleet decision').map((l) => [l.fields?.fleet, l.fields?.applied])).toEqual([['engine-b', true]]);
  });

  it.each([
    // load 100 on 2 instances planned at 50 each is within tolerance; the forecast needs 5 (a step of 3 <= max(4, 100 %))
    { name: 'a forecast above the load now', answer: { instances: 5, source: 'WeeklyPattern' as const }, desired: 5, reason: 'ScaleUpPredicted', source: 'WeeklyPattern' },
    { name: 'no forecast this tick (history short or unreadable)', answer: undefined, desired: 2, reason: 'WithinTolerance', source: 'NoForecast' },
    { name: 'predictive scaling off', answer: 'off' as const, desired: 2, reason: 'WithinTolerance', source: undefined },
  ])('every decision says where its forecast stood: $name', async ({ answer, desired, reason, source }) => {
    autoscaling.on(DescribeAutoScalingGroupsCommand).resolves({ AutoScalingGroups: [group('dg-engine-a', 2, 2)] });
    cloudwatch.on(GetMetricDataCommand).resolves({ MetricDataResults: metricAnswer(0, 100, 2) });

    const result = await runScaleTick(deps(config()), answer === 'off' ? {} : { forecast: async () => answer });

    expect(result.fleets[0]?.decision).toMatchObject({ desired, reason, numbers: { forecastSource: source } });
  });

  it('a fleet set predictive: false stays reactive while the stack forecasts, and is not asked for a forecast', async () => {
    autoscaling.on(DescribeAutoScalingGroupsCommand).resolves({ AutoScalingGroups: [group('dg-engine-a', 2, 2)] });
    cloudwatch.on(GetMetricDataCommand).resolves({ MetricDataResults: metricAnswer(0, 100, 2) });
    const document = config();
    document.fleets[0]!.predictive = false;
    const asked: string[] = [];

    const result = await runScaleTick(deps(document), { forecast: async ({ fleet }) => (asked.push(fleet.name), { instances: 5, source: 'WeeklyPattern' }) });

    expect(asked).toEqual([]);
    expect(result.fleets[0]?.decision).toMatchObject({ desired: 2, reason: 'WithinTolerance' });
    expect(result.fleets[0]?.decision?.numbers.forecastSource).toBeUndefined();
  });

  it('writes nothing when the count does not change', async () => {
    autoscaling.on(DescribeAutoScalingGroupsCommand).resolves({ AutoScalingGroups: [group('dg-engine-a', 4, 4)] });
    cloudwatch.on(GetMetricDataCommand).resolves({ MetricDataResults: metricAnswer(0, 200, 4) });

    const result = await runScaleTick(deps(config()));

    expect(result.fleets[0]?.decision?.reason).toBe('WithinTolerance'); // 200 / (4 * 50) = 1.0
    expect(autoscaling).toHaveReceivedCommandTimes(SetDesiredCapacityCommand, 0);
    expect(autoscaling).toHaveReceivedCommandTimes(CreateOrUpdateTagsCommand, 0);
    // DescribeAutoScalingGroups, ListMetrics, GetMetricData.
    expect(result.awsCalls).toBe(3);
  });

  it('counts every request it sends, a retried one once per attempt', async () => {
    autoscaling
      .on(DescribeAutoScalingGroupsCommand)
      .rejectsOnce(Object.assign(new Error('Rate exceeded'), { name: 'Throttling' }))
      .resolves({ AutoScalingGroups: [group('dg-engine-a', 4, 4)] });
    cloudwatch.on(GetMetricDataCommand).resolves({ MetricDataResults: metricAnswer(0, 200, 4) });
    const telemetry = new MemoryTelemetry();

    const result = await runScaleTick(deps(config(), telemetry));

    // DescribeAutoScalingGroups twice (throttled, then answered), ListMetrics, GetMetricData.
    expect(result.awsCalls).toBe(4);
    expect(autoscaling.calls().length + cloudwatch.calls().length).toBe(4);
    expect(telemetry.points.filter((m) => m.name === 'AwsCallsPerTick').map((m) => m.value)).toEqual([4]);
  });

  it('scales in by terminating the least-loaded instances, decrementing desired capacity', async () => {
    autoscaling.on(DescribeAutoScalingGroupsCommand).resolves({ AutoScalingGroups: [group('dg-engine-a', 3, 3)] });
    cloudwatch
      .on(GetMetricDataCommand)
      .resolvesOnce({ MetricDataResults: metricAnswer(0, 60, 3) })
      .resolves(victimAnswer([40, 5, 15]));
    autoscaling.on(TerminateInstanceInAutoScalingGroupCommand).resolves({});

    const result = await runScaleTick(deps(config()));

    expect(result.fleets[0]?.decision).toMatchObject({ desired: 2, reason: 'ScaleDown' }); // ceil(60 / 50)
    // Instance 1 serves 5 streams against 40 and 15: it is the one to drain.
    expect(result.fleets[0]?.victims).toEqual(['i-dg-engine-a-1']);
    expect(autoscaling).toHaveReceivedCommandWith(TerminateInstanceInAutoScalingGroupCommand, { InstanceId: 'i-dg-engine-a-1', ShouldDecrementDesiredCapacity: true });
    expect(autoscaling).toHaveReceivedCommandTimes(TerminateInstanceInAutoScalingGroupCommand, 1);
    expect(autoscaling).toHaveReceivedCommandTimes(SetDesiredCapacityCommand, 0);
  });

  // Found by the fault suite (test/faults): a Lambda killed between a termination and the
  // tag left no cooldown, and the next minute shrank the fleet again.
  it.each([
    ['a scale-in tags before its first termination', 3, 60, ['DescribeAutoScalingGroupsCommand', 'CreateOrUpdateTagsCommand', 'TerminateInstanceInAutoScalingGroupCommand']],
    ['a scale-out tags after its resize', 3, 400, ['DescribeAutoScalingGroupsCommand', 'SetDesiredCapacityCommand', 'CreateOrUpdateTagsCommand']],
  ])('%s', async (_name, desired, streams, order) => {
    autoscaling.on(DescribeAutoScalingGroupsCommand).resolves({ AutoScalingGroups: [group('dg-engine-a', desired, desired)] });
    cloudwatch
      .on(GetMetricDataCommand)
      .resolvesOnce({ MetricDataResults: metricAnswer(0, streams, desired) })
      .resolves(victimAnswer([0, 1, 2]));

    await runScaleTick(deps(config()));

    // 60 streams need ceil(60 / 50) = 2 of 3; 400 need 8, capped at 3 + 4 = 7 by the step
    expect(autoscaling.calls().map((c) => (c.args[0] as object).constructor.name)).toEqual(order);
  });

  describe('stream-safe scale-in (drain.maxVictimRequests)', () => {
    const perInstanceStreams = victimAnswer;
    const limited = (limit: number) => {
      const document = config();
      document.fleets[0]!.drain = { maxVictimRequests: limit };
      return document;
    };

    it('takes only the instances under the limit and leaves the group where they leave it', async () => {
      autoscaling.on(DescribeAutoScalingGroupsCommand).resolves({ AutoScalingGroups: [group('dg-engine-a', 4, 4)] });
      // 30 streams on 4 instances of 50: ceil(30 / 50) = 1 wanted, 3 to shed
      cloudwatch.on(GetMetricDataCommand).resolvesOnce({ MetricDataResults: metricAnswer(0, 30, 4) }).resolves(perInstanceStreams([1, 12, 0, 17]));
      autoscaling.on(TerminateInstanceInAutoScalingGroupCommand).resolves({});

      const result = await runScaleTick(deps(limited(5)));

      expect(result.fleets[0]?.decision).toMatchObject({ desired: 1, reason: 'ScaleDown' });
      // 0 and 1 streams are within 5; 12 and 17 are not: 4 - 2 = 2 instances left
      expect(result.fleets[0]?.victims).toEqual(['i-dg-engine-a-2', 'i-dg-engine-a-0']);
      expect(result.fleets[0]).toMatchObject({ applied: true, appliedDesired: 2, victimReason: 'VictimLoadLimit' });
      expect(autoscaling).toHaveReceivedCommandTimes(TerminateInstanceInAutoScalingGroupCommand, 2);
      // The group's own termination policy must not pick the busy ones.
      expect(autoscaling).toHaveReceivedCommandTimes(SetDesiredCapacityCommand, 0);
      expect(autoscaling).toHaveReceivedCommandTimes(CreateOrUpdateTagsCommand, 1);
    });

    it('changes nothing, not even the cooldown tag, when every instance is too busy', async () => {
      autoscaling.on(DescribeAutoScalingGroupsCommand).resolves({ AutoScalingGroups: [group('dg-engine-a', 3, 3)] });
      cloudwatch.on(GetMetricDataCommand).resolvesOnce({ MetricDataResults: metricAnswer(0, 60, 3) }).resolves(perInstanceStreams([20, 20, 20]));

      const result = await runScaleTick(deps(limited(5)));

      expect(result.fleets[0]?.decision).toMatchObject({ desired: 2, reason: 'ScaleDown' }); // ceil(60 / 50)
      expect(result.fleets[0]).toMatchObject({ applied: false, appliedDesired: 3, victims: [], victimReason: 'VictimLoadLimit' });
      expect(autoscaling).toHaveReceivedCommandTimes(TerminateInstanceInAutoScalingGroupCommand, 0);
      expect(autoscaling).toHaveReceivedCommandTimes(SetDesiredCapacityCommand, 0);
      expect(autoscaling).toHaveReceivedCommandTimes(CreateOrUpdateTagsCommand, 0);
    });
  });

  it('resizes an EKS managed node group through UpdateNodegroupConfig', async () => {
    eks.on(DescribeNodegroupCommand).resolves(gpuNodegroup());
    autoscaling.on(DescribeAutoScalingGroupsCommand).resolves({ AutoScalingGroups: [group('eks-gpu-abc', 2, 2, {})] });
    cloudwatch.on(GetMetricDataCommand).resolves({ MetricDataResults: metricAnswer(0, 200, 2) });
    eks.on(UpdateNodegroupConfigCommand).resolves({ update: { id: 'u-1', status: 'InProgress' } });

    const document = config();
    document.fleets[0]!.target = { type: 'eks', clusterName: 'speech', nodegroupName: 'gpu' };
    const result = await runScaleTick(deps(document));

    expect(result.fleets[0]?.decision).toMatchObject({ desired: 4, reason: 'ScaleUp' }); // ceil(200/50)
    expect(eks).toHaveReceivedCommandWith(UpdateNodegroupConfigCommand, { clusterName: 'speech', nodegroupName: 'gpu', scalingConfig: { desiredSize: 4 } });
    expect(eks).toHaveReceivedCommandWith(TagResourceCommand, {
      resourceArn: 'arn:aws:eks:us-east-1:123456789012:nodegroup/speech/gpu/abc',
      tags: { 'gpu-fleet-scaler:last-scaling': '2026-03-02T12:00:30.000Z up' },
    });
    const dims = cloudwatch.commandCalls(GetMetricDataCommand)[0]!.args[0].input.MetricDataQueries?.[0]?.MetricStat?.Metric?.Dimensions;
    expect(dims).toEqual([
      { Name: 'ClusterName', Value: 'speech' },
      { Name: 'NodegroupName', Value: 'gpu' },
      { Name: 'InstanceId', Value: 'i-eks-gpu-abc-0' },
      { Name: 'kind', Value: 'stream' },
    ]);
  });

  it('retries throttling with backoff, then proceeds', async () => {
    autoscaling
      .on(DescribeAutoScalingGroupsCommand)
      .rejectsOnce(Object.assign(new Error('Rate exceeded'), { name: 'Throttling', $metadata: { httpStatusCode: 400 } }))
      .resolves({ AutoScalingGroups: [group('dg-engine-a', 4, 4)] });
    cloudwatch.on(GetMetricDataCommand).resolves({ MetricDataResults: metricAnswer(0, 200, 4) });

    const result = await runScaleTick(deps(config()));

    expect(autoscaling).toHaveReceivedCommandTimes(DescribeAutoScalingGroupsCommand, 2);
    expect(result.fleets[0]?.error).toBeUndefined();
  });

  it('holds every fleet when metrics cannot be read, never shrinking', async () => {
    autoscaling.on(DescribeAutoScalingGroupsCommand).resolves({ AutoScalingGroups: [group('dg-engine-a', 4, 4)] });
    cloudwatch.on(GetMetricDataCommand).rejects(Object.assign(new Error('boom'), { name: 'InternalFailure', $metadata: { httpStatusCode: 500 } }));

    const result = await runScaleTick(deps(config()));

    expect(result.fleets[0]?.decision).toMatchObject({ desired: 4, reason: 'MissingData' });
    expect(cloudwatch).toHaveReceivedCommandTimes(GetMetricDataCommand, 3);
    expect(autoscaling).toHaveReceivedCommandTimes(SetDesiredCapacityCommand, 0);
  });

  // A kind whose query failed, with the instance's limit reporting and ListMetrics not
  // listing the kind (a series younger than the listing lag), read as never requested: zero.
  it.each([
    ...INCOMPLETE_ANSWERS,
    { name: 'left out of the answer', statusCode: undefined, messages: [], pages: 1 },
  ])('a stream query answered $name is unknown, not zero: the fleet holds, with one warning naming it', async (how) => {
    autoscaling.on(DescribeAutoScalingGroupsCommand).resolves({ AutoScalingGroups: [group('dg-engine-a', 3, 3)] });
    const whole = metricAnswer(0, 90, 3);
    cloudwatch.on(GetMetricDataCommand).callsFake((input: { NextToken?: string }) =>
      how.statusCode === undefined ? { MetricDataResults: whole.filter((r) => r.Id !== 'f0_i0_stream') } : incompletePage(whole, 'f0_i0_stream', how, input.NextToken),
    );
    autoscaling.on(TerminateInstanceInAutoScalingGroupCommand).resolves({});
    const telemetry = new MemoryTelemetry();

    const result = await runScaleTick(deps(config(), telemetry));

    // Read as zero, instance 0 would make 0 + 30 + 30 = 60 streams, ceil(60 / 50) = 2 of 3:
    // a scale-in. Unknown, two of three serving instances report whole: held.
    expect(result.fleets[0]?.decision).toMatchObject({ desired: 3, reason: 'PartialData' });
    expect(autoscaling).toHaveReceivedCommandTimes(TerminateInstanceInAutoScalingGroupCommand, 0);
    expect(autoscaling).toHaveReceivedCommandTimes(SetDesiredCapacityCommand, 0);
    const warnings = telemetry.lines.filter((l) => l.message.startsWith('metrics incomplete'));
    expect(warnings.map((w) => [w.level, w.fields])).toEqual([
      ['WARN', { fleet: 'engine-a', queries: [{ id: 'f0_i0_stream', statusCode: how.statusCode ?? 'Unanswered', messages: namedMessages(how.messages) }] }],
    ]);
  });

  it('a whole answer logs no incomplete-metrics warning', async () => {
    autoscaling.on(DescribeAutoScalingGroupsCommand).resolves({ AutoScalingGroups: [group('dg-engine-a', 3, 3)] });
    cloudwatch.on(GetMetricDataCommand).resolves({ MetricDataResults: metricAnswer(0, 150, 3) });
    const telemetry = new MemoryTelemetry();

    await runScaleTick(deps(config(), telemetry));

    expect(telemetry.lines.filter((l) => l.message.startsWith('metrics incomplete'))).toEqual([]);
  });

  it('refuses to change a group not tagged as managed, and says why', async () => {
    autoscaling.on(DescribeAutoScalingGroupsCommand).resolves({ AutoScalingGroups: [group('dg-engine-a', 2, 2, {})] });
    cloudwatch.on(GetMetricDataCommand).resolves({ MetricDataResults: metricAnswer(0, 300, 2) });

    const result = await runScaleTick(deps(config()));

    expect(result.fleets[0]?.error).toMatch(/not tagged gpu-fleet-scaler:managed=true/);
    expect(autoscaling).toHaveReceivedCommandTimes(SetDesiredCapacityCommand, 0);
  });

  // Issue 13, fault 4: a missing MaxSize was read as 0 and emptied the fleet.
  it.each([
    ['MaxSize missing', { MaxSize: undefined }, /without MaxSize/],
    ['MinSize missing', { MinSize: undefined }, /without MinSize/],
    ['DesiredCapacity missing', { DesiredCapacity: undefined }, /without DesiredCapacity/],
    ['MaxSize not a count', { MaxSize: -1 }, /without MaxSize/],
    ['Instances missing', { Instances: undefined }, /without Instances/],
    ['an instance without its lifecycle state', { Instances: [{ InstanceId: 'i-x', HealthStatus: 'Healthy', ProtectedFromScaleIn: false, AvailabilityZone: 'us-east-1a' }] }, /Instances\[0\] i-x without LifecycleState/],
  ])('an answer with %s holds the fleet with a reason code and writes nothing', async (_name, damage, says) => {
    // 50 streams on 4 instances of 100 at 0.5 would otherwise scale in to 1
    autoscaling.on(DescribeAutoScalingGroupsCommand).resolves({ AutoScalingGroups: [{ ...group('dg-engine-a', 4, 4), ...damage } as never] });
    cloudwatch.on(GetMetricDataCommand).resolves({ MetricDataResults: metricAnswer(0, 50, 4) });
    const telemetry = new MemoryTelemetry();

    const result = await runScaleTick(deps(config(), telemetry));

    expect(result.fleets[0]).toMatchObject({ errorCode: 'IncompleteAwsAnswer', error: expect.stringMatching(says), applied: false });
    expect(result.fleets[0]?.decision).toBeUndefined();
    expect(autoscaling).toHaveReceivedCommandTimes(SetDesiredCapacityCommand, 0);
    expect(autoscaling).toHaveReceivedCommandTimes(TerminateInstanceInAutoScalingGroupCommand, 0);
    expect(autoscaling).toHaveReceivedCommandTimes(CreateOrUpdateTagsCommand, 0);
    expect(telemetry.lines.find((l) => l.message.startsWith('fleet tick failed'))?.fields).toMatchObject({ errorCode: 'IncompleteAwsAnswer' });
  });

  it.each([
    ['without maxSize', { scalingConfig: { minSize: 1, desiredSize: 2 } }, /without scalingConfig\.maxSize/],
    ['without its Auto Scaling group', { resources: {} }, /without resources\.autoScalingGroups/],
  ])('a node group described %s holds the fleet and writes nothing', async (_name, damage, says) => {
    eks.on(DescribeNodegroupCommand).resolves(gpuNodegroup(damage));
    autoscaling.on(DescribeAutoScalingGroupsCommand).resolves({ AutoScalingGroups: [group('eks-gpu-abc', 2, 2, {})] });
    cloudwatch.on(GetMetricDataCommand).resolves({ MetricDataResults: metricAnswer(0, 200, 2) });
    const document = config();
    document.fleets[0]!.target = { type: 'eks', clusterName: 'speech', nodegroupName: 'gpu' };

    const result = await runScaleTick(deps(document));

    expect(result.fleets[0]?.error).toMatch(says);
    expect(eks).toHaveReceivedCommandTimes(UpdateNodegroupConfigCommand, 0);
  });

  // Issue 13, fault 5: a tag a person edited.
  it.each([
    // dated 2099: would block scaling until then; counted as a scaling now, cooldown 300 s
    ['dated in the future', '2099-01-01T00:00:00.000Z up', 'FutureTag', 'up'],
    // unreadable: would switch the cooldown off; counted as a scaling now
    ['unreadable', 'yesterday, roughly', 'UnreadableTag', 'down'],
  ])('a last-scaling tag %s counts as a scaling now, says so, and is rewritten to now', async (_name, tag, problem, direction) => {
    autoscaling.on(DescribeAutoScalingGroupsCommand).resolves({ AutoScalingGroups: [group('dg-engine-a', 4, 4, { 'gpu-fleet-scaler:managed': 'true', 'gpu-fleet-scaler:last-scaling': tag })] });
    cloudwatch.on(GetMetricDataCommand).resolves({ MetricDataResults: metricAnswer(0, 300, 4) });
    const telemetry = new MemoryTelemetry();
    const document = config();
    document.fleets[0]!.scaleUp = { stabilizationSeconds: 0, cooldownSeconds: 300, maxInstancesPerStep: 10, maxPercentPerStep: 100 };

    const result = await runScaleTick(deps(document, telemetry));

    // 300 streams need 6 at 50 each: held by the cooldown, which ends 300 s from now
    expect(result.fleets[0]?.decision).toMatchObject({ desired: 4, reason: 'ScaleUpCooldown', numbers: { lastScalingProblem: problem, cooldownRemainingSeconds: 300 } });
    expect(telemetry.lines.find((l) => l.message.startsWith('last-scaling tag not taken at its word'))?.fields).toMatchObject({ problem, tag, countedAs: NOW.toISOString(), rewritten: true });
    expect(autoscaling).toHaveReceivedCommandWith(CreateOrUpdateTagsCommand, { Tags: [expect.objectContaining({ Key: 'gpu-fleet-scaler:last-scaling', Value: `${NOW.toISOString()} ${direction}` })] });
  });

  // Issue 13: a redeploy marker a person edited held every scale-in until its until + 15 min.
  it.each([
    ['ends in 2099', 'phase=rolling window=2026-03-02T03:00:00.000Z until=2099-01-01T00:00:00.000Z', 'ImplausibleMarker', /until must be after window by at most 720 minutes/],
    ['opens in 2099', 'phase=rolling window=2099-01-01T00:00:00.000Z until=2099-01-01T03:00:00.000Z', 'ImplausibleMarker', /window must not be after now/],
    ['does not parse', 'rolling until 2099', 'UnreadableMarker', /"rolling" is not key=value/],
  ])('a redeploy marker that %s holds no scale-in, and is reported', async (_name, tag, problem, says) => {
    autoscaling.on(DescribeAutoScalingGroupsCommand).resolves({ AutoScalingGroups: [group('dg-engine-a', 4, 4, { 'gpu-fleet-scaler:managed': 'true', 'gpu-fleet-scaler:redeploy': tag })] });
    cloudwatch.on(GetMetricDataCommand).resolves({ MetricDataResults: metricAnswer(0, 100, 4) });
    const telemetry = new MemoryTelemetry();

    const result = await runScaleTick(deps(config(), telemetry));

    // 100 streams need 2 at 50 each: a roll would hold 4 (RedeployInProgress)
    expect(result.fleets[0]?.decision).toMatchObject({ desired: 2, reason: 'ScaleDown', numbers: { rollMarkerProblem: problem } });
    expect(telemetry.lines.find((l) => l.message.startsWith('redeploy marker not taken at its word'))?.fields).toMatchObject({ problem, detail: expect.stringMatching(says), tag });
  });

  it('decides but changes nothing in dry-run', async () => {
    autoscaling.on(DescribeAutoScalingGroupsCommand).resolves({ AutoScalingGroups: [group('dg-engine-a', 2, 2)] });
    cloudwatch.on(GetMetricDataCommand).resolves({ MetricDataResults: metricAnswer(0, 300, 2) });

    const result = await runScaleTick(deps(config()), { forceDryRun: true });

    expect(result.fleets[0]).toMatchObject({ dryRun: true, applied: false, decision: { desired: 6 } });
    expect(autoscaling).toHaveReceivedCommandTimes(SetDesiredCapacityCommand, 0);
  });

  it('changes nothing on an invalid config and publishes ConfigInvalid', async () => {
    const telemetry = new MemoryTelemetry();
    const broken = { ...deps(config(), telemetry), loadConfig: async () => validateConfig({ version: 2, fleets: [] }, 'test') };

    const result = await runScaleTick(broken);

    expect(result.configValid).toBe(false);
    expect(telemetry.metricValues('ConfigInvalid')).toEqual([1]);
    expect(autoscaling.calls()).toHaveLength(0);
    expect(cloudwatch.calls()).toHaveLength(0);
  });

  it('an API fleet follows the Engine count at its ratio', async () => {
    autoscaling.on(DescribeAutoScalingGroupsCommand).resolves({ AutoScalingGroups: [group('dg-engine-a', 4, 4), group('dg-api-a', 1, 1)] });
    cloudwatch.on(GetMetricDataCommand).resolves({ MetricDataResults: metricAnswer(0, 450, 4) });

    const document = config();
    document.fleets[0]!.api = { target: { type: 'asg', autoScalingGroupName: 'dg-api-a' }, ratio: 4 };
    const result = await runScaleTick(deps(document));

    // ceil(450 / 50) = 9 wanted; the default step allows max(4, 100% of 4) = 4 more: 8.
    expect(result.fleets[0]?.decision).toMatchObject({ desired: 8, reason: 'ScaleUpLimited' });
    expect(result.fleets[0]?.api).toMatchObject({ current: 1, desired: 2, applied: true }); // ceil(8 / 4)
    expect(autoscaling).toHaveReceivedCommandWith(SetDesiredCapacityCommand, { AutoScalingGroupName: 'dg-api-a', DesiredCapacity: 2, HonorCooldown: false });
  });
});

it('ConfigError is what an invalid document raises', () => {
  expect(() => validateConfig({}, 'x')).toThrow(ConfigError);
});
