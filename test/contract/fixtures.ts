import {
  CreateAutoScalingGroupCommand,
  CreateOrUpdateTagsCommand,
  DescribeAutoScalingGroupsCommand,
  PutLifecycleHookCommand,
  type AutoScalingGroup,
} from '@aws-sdk/client-auto-scaling';
import { PutMetricDataCommand, type MetricDatum } from '@aws-sdk/client-cloudwatch';
import { CreateClusterCommand, CreateNodegroupCommand } from '@aws-sdk/client-eks';
import { CreateTopicCommand } from '@aws-sdk/client-sns';
import { CreateDocumentCommand, PutParameterCommand } from '@aws-sdk/client-ssm';
import { readFile } from 'node:fs/promises';
import { parse as parseYaml } from 'yaml';
import type { AwsPorts } from '../../lib/aws/ports.js';
import type { Target } from '../../lib/config/schema.js';
import { MANAGED_TAG } from '../../lib/fleet/group-state.js';
import {
  ENGINE_DIMENSION_SETS,
  ENGINE_METRICS,
  INSTANCE_DIMENSION,
  KIND_DIMENSION,
  STATUS_DIMENSION,
  fleetDimensions,
  type RequestKind,
} from '../../lib/fleet/engine-metrics.js';
import { ACCOUNT_ID, REGION, ec2Query } from './harness.js';

export const ENGINE_NAMESPACE = 'Deepgram/Engine';
export const TERMINATE_HOOK = 'gpu-fleet-scaler-drain';

export interface AsgFleetFixture {
  name: string;
  instanceIds: string[];
  group: AutoScalingGroup;
}

/**
 * A GPU fleet as the controller finds it on EC2: a launch template, an Auto Scaling group
 * running `desired` instances and, optionally, the terminate lifecycle hook drain relies on.
 */
export async function createAsgFleet(
  ports: AwsPorts,
  options: { name: string; desired: number; min?: number; max?: number; terminateHook?: boolean },
): Promise<AsgFleetFixture> {
  const template = `${options.name}-lt`;
  await ec2Query('CreateLaunchTemplate', {
    LaunchTemplateName: template,
    'LaunchTemplateData.ImageId': 'ami-12c6146b',
    'LaunchTemplateData.InstanceType': 'g5.xlarge',
  });
  await ports.autoscaling.send(
    new CreateAutoScalingGroupCommand({
      AutoScalingGroupName: options.name,
      LaunchTemplate: { LaunchTemplateName: template, Version: '$Latest' },
      MinSize: options.min ?? 0,
      MaxSize: options.max ?? 10,
      DesiredCapacity: options.desired,
      AvailabilityZones: [`${REGION}a`, `${REGION}b`],
      Tags: [{ Key: 'deepgram:role', Value: 'engine', PropagateAtLaunch: true }],
    }),
  );
  if (options.terminateHook) {
    await ports.autoscaling.send(
      new PutLifecycleHookCommand({
        AutoScalingGroupName: options.name,
        LifecycleHookName: TERMINATE_HOOK,
        LifecycleTransition: 'autoscaling:EC2_INSTANCE_TERMINATING',
        HeartbeatTimeout: 900,
        DefaultResult: 'CONTINUE',
      }),
    );
  }
  const group = await describeGroup(ports, options.name);
  return { name: options.name, group, instanceIds: (group.Instances ?? []).map((i) => i.InstanceId ?? '') };
}

export async function describeGroup(ports: AwsPorts, name: string): Promise<AutoScalingGroup> {
  const answer = await ports.autoscaling.send(new DescribeAutoScalingGroupsCommand({ AutoScalingGroupNames: [name] }));
  const group = answer.AutoScalingGroups?.[0];
  if (!group) throw new Error(`fixture: Auto Scaling group ${name} not found`);
  return group;
}

/** An EKS cluster with one managed node group, as an EKS-backed fleet. */
/** Tags an Auto Scaling group as the project's to manage (the scaler, drain and redeploy refuse any other). */
export async function tagManaged(ports: AwsPorts, name: string): Promise<void> {
  await ports.autoscaling.send(
    new CreateOrUpdateTagsCommand({ Tags: [{ ResourceId: name, ResourceType: 'auto-scaling-group', Key: MANAGED_TAG, Value: 'true', PropagateAtLaunch: false }] }),
  );
}

export async function createEksFleet(
  ports: AwsPorts,
  options: { cluster: string; nodegroup: string; desired: number; min?: number; max?: number; tags?: Record<string, string> },
): Promise<void> {
  await ports.eks.send(
    new CreateClusterCommand({
      name: options.cluster,
      roleArn: `arn:aws:iam::${ACCOUNT_ID}:role/eks-cluster`,
      resourcesVpcConfig: { subnetIds: ['subnet-0a1b2c3d', 'subnet-4e5f6a7b'] },
    }),
  );
  await ports.eks.send(
    new CreateNodegroupCommand({
      clusterName: options.cluster,
      nodegroupName: options.nodegroup,
      nodeRole: `arn:aws:iam::${ACCOUNT_ID}:role/eks-node`,
      subnets: ['subnet-0a1b2c3d'],
      instanceTypes: ['g5.xlarge'],
      scalingConfig: { minSize: options.min ?? 0, maxSize: options.max ?? 10, desiredSize: options.desired },
      tags: options.tags,
    }),
  );
}

/**
 * The drain command document exactly as infra/ssm-drain-document.yml deploys it, so moto
 * parses the real content and SendCommand names its real parameters.
 */
export const DRAIN_DOCUMENT = 'GpuFleetScaler-Drain';
export async function drainDocumentContent(): Promise<unknown> {
  const template = parseYaml(await readFile(new URL('../../infra/ssm-drain-document.yml', import.meta.url), 'utf8')) as {
    Resources?: { GpuFleetScalerDrainDocument?: { Properties?: { Content?: unknown } } };
  };
  const content = template.Resources?.GpuFleetScalerDrainDocument?.Properties?.Content;
  if (!content) throw new Error('fixture: infra/ssm-drain-document.yml has no GpuFleetScalerDrainDocument Content');
  return content;
}

export async function createDrainDocument(ports: AwsPorts): Promise<void> {
  await ports.ssm.send(
    new CreateDocumentCommand({ Name: DRAIN_DOCUMENT, DocumentType: 'Command', DocumentFormat: 'JSON', Content: JSON.stringify(await drainDocumentContent()) }),
  );
}

export async function putConfigParameter(ports: AwsPorts, name: string, value: string): Promise<void> {
  await ports.ssm.send(new PutParameterCommand({ Name: name, Value: value, Type: 'String', Overwrite: true }));
}

export async function createTopic(ports: AwsPorts, name: string): Promise<string> {
  const answer = await ports.sns.send(new CreateTopicCommand({ Name: name }));
  if (!answer.TopicArn) throw new Error(`fixture: topic ${name} has no ARN`);
  return answer.TopicArn;
}

/**
 * Engine samples exactly as the CloudWatch agent publishes them: every metric under the
 * fleet-level and the instance-level dimension set of lib/fleet/engine-metrics.ts, each set
 * carrying the fleet's dimensions.
 */
export interface EngineSample {
  instanceId: string;
  at: Date;
  active?: Partial<Record<RequestKind, number>>;
  estimatedStreamCapacity?: number;
  maxActiveRequests?: number;
  /** engine_requests_total deltas by response status. */
  requests?: Record<string, number>;
}

export function engineMetricData(target: Target, sample: EngineSample): MetricDatum[] {
  const fleet = Object.entries(fleetDimensions(target)).map(([Name, Value]) => ({ Name, Value }));
  const sets = (metric: keyof typeof ENGINE_DIMENSION_SETS, labels: Record<string, string>) => {
    const { fleet: fleetLabels, instance: instanceLabels } = ENGINE_DIMENSION_SETS[metric];
    const all: Record<string, string> = { ...labels, [INSTANCE_DIMENSION]: sample.instanceId };
    const pick = (names: readonly string[]) =>
      names.map((Name) => {
        const Value = all[Name];
        if (Value === undefined) throw new Error(`fixture: no value for dimension ${Name} of ${metric}`);
        return { Name, Value };
      });
    return [
      [...fleet, ...pick(fleetLabels)],
      [...fleet, ...pick(instanceLabels)],
    ];
  };
  const data: MetricDatum[] = [];
  const push = (metric: keyof typeof ENGINE_DIMENSION_SETS, labels: Record<string, string>, value: number) => {
    for (const Dimensions of sets(metric, labels)) {
      data.push({ MetricName: metric, Dimensions, Timestamp: sample.at, Value: value, Unit: 'None' });
    }
  };
  for (const [kind, value] of Object.entries(sample.active ?? {})) push(ENGINE_METRICS.activeRequests, { [KIND_DIMENSION]: kind }, value);
  if (sample.estimatedStreamCapacity !== undefined) push(ENGINE_METRICS.estimatedStreamCapacity, {}, sample.estimatedStreamCapacity);
  if (sample.maxActiveRequests !== undefined) push(ENGINE_METRICS.maxActiveRequests, {}, sample.maxActiveRequests);
  for (const [status, value] of Object.entries(sample.requests ?? {})) push(ENGINE_METRICS.requestsTotal, { [STATUS_DIMENSION]: status }, value);
  return data;
}

/** PutMetricData accepts at most 1000 datums per call. */
export async function putEngineSamples(ports: AwsPorts, target: Target, samples: EngineSample[], namespace = ENGINE_NAMESPACE): Promise<void> {
  const data = samples.flatMap((sample) => engineMetricData(target, sample));
  for (let offset = 0; offset < data.length; offset += 1000) {
    await ports.cloudwatch.send(new PutMetricDataCommand({ Namespace: namespace, MetricData: data.slice(offset, offset + 1000) }));
  }
}
