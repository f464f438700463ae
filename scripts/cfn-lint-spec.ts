/**
 * The npm cfn-lint (1.9.7) carries CloudFormation resource specification 2.29.0, from
 * 2019: it rejects as unknown the newer resource types and properties this stack uses.
 * This adds exactly those, as CloudFormation's reference defines them, and nothing
 * else, so the rest of the template is still held to cfn-lint's full rules.
 */

type Spec = { PrimitiveType?: string; Type?: string; ItemType?: string; PrimitiveItemType?: string; Required: boolean; UpdateType: string };
const string = (required = false): Spec => ({ PrimitiveType: 'String', Required: required, UpdateType: 'Mutable' });
const integer = (): Spec => ({ PrimitiveType: 'Integer', Required: false, UpdateType: 'Mutable' });
const json = (): Spec => ({ PrimitiveType: 'Json', Required: false, UpdateType: 'Mutable' });
const type = (name: string, required = false): Spec => ({ Type: name, Required: required, UpdateType: 'Mutable' });
const list = (item: string): Spec => ({ Type: 'List', ItemType: item, Required: false, UpdateType: 'Mutable' });
const stringList = (): Spec => ({ Type: 'List', PrimitiveItemType: 'String', Required: false, UpdateType: 'Mutable' });

const doc = (path: string) => `http://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/${path}`;

/** New resource types (AWS::Scheduler::Schedule, 2022; AWS::EKS::AccessEntry, 2023). */
export const RESOURCE_TYPES: Record<string, { Documentation: string; Attributes?: Record<string, { PrimitiveType: string }>; Properties: Record<string, Spec> }> = {
  'AWS::EKS::AccessEntry': {
    Documentation: doc('aws-resource-eks-accessentry.html'),
    Attributes: { AccessEntryArn: { PrimitiveType: 'String' } },
    Properties: {
      ClusterName: string(true),
      PrincipalArn: string(true),
      Username: string(),
      KubernetesGroups: stringList(),
      AccessPolicies: list('AccessPolicy'),
      Type: string(),
      Tags: list('Tag'),
    },
  },
  'AWS::Scheduler::Schedule': {
    Documentation: doc('aws-resource-scheduler-schedule.html'),
    Attributes: { Arn: { PrimitiveType: 'String' } },
    Properties: {
      Description: string(),
      EndDate: string(),
      FlexibleTimeWindow: type('FlexibleTimeWindow', true),
      GroupName: string(),
      KmsKeyArn: string(),
      Name: string(),
      ScheduleExpression: string(true),
      ScheduleExpressionTimezone: string(),
      StartDate: string(),
      State: string(),
      Target: type('Target', true),
    },
  },
};

export const PROPERTY_TYPES: Record<string, { Documentation: string; Properties: Record<string, Spec> }> = {
  'AWS::EKS::AccessEntry.AccessPolicy': {
    Documentation: doc('aws-properties-eks-accessentry-accesspolicy.html'),
    Properties: { PolicyArn: string(true), AccessScope: type('AccessScope', true) },
  },
  'AWS::EKS::AccessEntry.AccessScope': {
    Documentation: doc('aws-properties-eks-accessentry-accessscope.html'),
    Properties: { Type: string(true), Namespaces: stringList() },
  },
  'AWS::Scheduler::Schedule.FlexibleTimeWindow': {
    Documentation: doc('aws-properties-scheduler-schedule-flexibletimewindow.html'),
    Properties: { Mode: string(true), MaximumWindowInMinutes: integer() },
  },
  'AWS::Scheduler::Schedule.Target': {
    Documentation: doc('aws-properties-scheduler-schedule-target.html'),
    Properties: {
      Arn: string(true),
      RoleArn: string(true),
      Input: string(),
      RetryPolicy: type('RetryPolicy'),
      DeadLetterConfig: type('DeadLetterConfig'),
      EcsParameters: json(),
      EventBridgeParameters: json(),
      KinesisParameters: json(),
      SageMakerPipelineParameters: json(),
      SqsParameters: json(),
    },
  },
  'AWS::Scheduler::Schedule.RetryPolicy': {
    Documentation: doc('aws-properties-scheduler-schedule-retrypolicy.html'),
    Properties: { MaximumEventAgeInSeconds: integer(), MaximumRetryAttempts: integer() },
  },
  'AWS::Scheduler::Schedule.DeadLetterConfig': {
    Documentation: doc('aws-properties-scheduler-schedule-deadletterconfig.html'),
    Properties: { Arn: string() },
  },
};

/** Properties added to resource types the old specification already knows. */
export const PROPERTIES: Record<string, Record<string, Spec>> = {
  'AWS::SSM::Document': { Name: string(), UpdateMethod: string(), TargetType: string(), VersionName: string(), DocumentFormat: string(), Requires: json(), Attachments: json() },
  'AWS::IAM::Role': { Description: string(), MaxSessionDuration: integer(), PermissionsBoundary: string(), Tags: list('Tag') },
  'AWS::Lambda::Function': { Architectures: stringList(), PackageType: string(), EphemeralStorage: json(), LoggingConfig: json(), SnapStart: json() },
};

/**
 * Properties added to property types the old specification already knows. A Metrics
 * Insights alarm (2022) gives its query's period on the MetricDataQuery itself.
 */
export const PROPERTY_TYPE_PROPERTIES: Record<string, Record<string, Spec>> = {
  'AWS::CloudWatch::Alarm.MetricDataQuery': { Period: integer(), AccountId: string() },
};

interface ResourceSpecification {
  ResourceTypes: Record<string, { Properties: Record<string, unknown> }>;
  PropertyTypes: Record<string, { Properties?: Record<string, unknown> }>;
}

export function extendSpecification(specification: ResourceSpecification): void {
  Object.assign(specification.ResourceTypes, RESOURCE_TYPES);
  Object.assign(specification.PropertyTypes, PROPERTY_TYPES);
  for (const [resourceType, properties] of Object.entries(PROPERTIES)) {
    const known = specification.ResourceTypes[resourceType];
    if (!known) throw new Error(`cfn-lint's specification has no ${resourceType} to extend`);
    known.Properties = { ...properties, ...known.Properties };
  }
  for (const [propertyType, properties] of Object.entries(PROPERTY_TYPE_PROPERTIES)) {
    const known = specification.PropertyTypes[propertyType];
    if (!known) throw new Error(`cfn-lint's specification has no ${propertyType} to extend`);
    known.Properties = { ...properties, ...known.Properties };
  }
}
