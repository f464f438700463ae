import {
  CompleteLifecycleActionCommand,
  CreateOrUpdateTagsCommand,
  DescribeAutoScalingGroupsCommand,
  DescribeAutoScalingInstancesCommand,
  DescribeLifecycleHooksCommand,
  DescribeScalingActivitiesCommand,
  DescribeTagsCommand,
  PutLifecycleHookCommand,
  RecordLifecycleActionHeartbeatCommand,
  SetDesiredCapacityCommand,
  SetInstanceHealthCommand,
  SetInstanceProtectionCommand,
  TerminateInstanceInAutoScalingGroupCommand,
  UpdateAutoScalingGroupCommand,
  type Activity,
  type AutoScalingGroup,
  type Instance,
  type TagDescription,
} from '@aws-sdk/client-auto-scaling';
import { awsError, metadata } from './errors.js';
import { checkSizes, isoSeconds, type AutoScalingGroups } from './groups.js';
import type { SimActivity, SimGroupState, SimInstance } from './model.js';
import { operation, type SimOperation } from './port.js';
import type { SimClock } from './clock.js';

function invalid(message: string): Error {
  return awsError('autoscaling', 'ValidationError', message);
}

function page<T>(items: T[], token: string | undefined, maxRecords: number | undefined, limit: number, defaultSize: number): { items: T[]; next?: string } {
  return pageOf(items.length, (from, to) => items.slice(from, to), token, maxRecords, limit, defaultSize);
}

/** One page of a list of `length` items that `slice` reads from [from, to), without the list itself. */
function pageOf<T>(length: number, slice: (from: number, to: number) => T[], token: string | undefined, maxRecords: number | undefined, limit: number, defaultSize: number): { items: T[]; next?: string } {
  const size = maxRecords ?? defaultSize;
  if (!Number.isInteger(size) || size < 1 || size > limit) throw invalid(`MaxRecords must be between 1 and ${limit}, got ${size}`);
  const offset = token === undefined ? 0 : Number(token.replace(/^sim:/, ''));
  if (!Number.isInteger(offset) || offset < 0 || (token !== undefined && !token.startsWith('sim:'))) throw awsError('autoscaling', 'InvalidNextToken', `The token '${token}' is invalid.`);
  const items = slice(offset, Math.min(offset + size, length));
  return offset + size < length ? { items, next: `sim:${offset + size}` } : { items };
}

/** Items [from, to) of `list` newest first (last pushed first). */
export function newestFirst<T>(list: readonly T[], from: number, to: number): T[] {
  const out: T[] = [];
  for (let i = from; i < to; i++) out.push(list[list.length - 1 - i] as T);
  return out;
}

export function describeInstance(instance: SimInstance): Instance {
  return {
    InstanceId: instance.id,
    InstanceType: 'g5.xlarge',
    AvailabilityZone: instance.availabilityZone,
    LifecycleState: instance.lifecycleState,
    HealthStatus: instance.healthStatus,
    LaunchTemplate: { LaunchTemplateId: instance.group.launchTemplate.LaunchTemplateId, LaunchTemplateName: instance.group.launchTemplate.LaunchTemplateName, Version: instance.launchTemplateVersion },
    ProtectedFromScaleIn: instance.protectedFromScaleIn,
  };
}

function tagsOf(group: SimGroupState): TagDescription[] {
  return [...group.tags.entries()]
    .sort(([a], [b]) => (a < b ? -1 : 1))
    .map(([Key, t]) => ({ ResourceId: group.name, ResourceType: 'auto-scaling-group', Key, Value: t.Value, PropagateAtLaunch: t.PropagateAtLaunch }));
}

export function describeGroup(group: SimGroupState): AutoScalingGroup {
  return {
    AutoScalingGroupName: group.name,
    AutoScalingGroupARN: group.arn,
    LaunchTemplate: { ...group.launchTemplate },
    MinSize: group.minSize,
    MaxSize: group.maxSize,
    DesiredCapacity: group.desired,
    DefaultCooldown: group.defaultCooldown,
    AvailabilityZones: [...group.availabilityZones],
    LoadBalancerNames: [],
    TargetGroupARNs: [],
    HealthCheckType: 'EC2',
    HealthCheckGracePeriod: group.healthCheckGracePeriod,
    Instances: group.instances.map(describeInstance),
    CreatedTime: new Date(group.createdTime.getTime()),
    SuspendedProcesses: [],
    EnabledMetrics: [],
    Tags: tagsOf(group),
    TerminationPolicies: [...group.terminationPolicies],
    NewInstancesProtectedFromScaleIn: group.newInstancesProtectedFromScaleIn,
    ServiceLinkedRoleARN: `arn:aws:iam::123456789012:role/aws-service-role/autoscaling.amazonaws.com/AWSServiceRoleForAutoScaling`,
    CapacityRebalance: false,
    TrafficSources: [],
    ...(group.defaultInstanceWarmup !== undefined ? { DefaultInstanceWarmup: group.defaultInstanceWarmup } : {}),
  };
}

export function describeActivity(a: SimActivity): Activity {
  return { ...a, StartTime: new Date(a.StartTime.getTime()), ...(a.EndTime ? { EndTime: new Date(a.EndTime.getTime()) } : {}) };
}

function groupFilter(filters: Array<{ Name?: string; Values?: string[] }> | undefined): (g: SimGroupState) => boolean {
  if (!filters || filters.length === 0) return () => true;
  return (g) =>
    filters.every((f) => {
      const values = f.Values ?? [];
      if (f.Name === 'tag-key') return values.some((v) => g.tags.has(v));
      if (f.Name === 'tag-value') return values.some((v) => [...g.tags.values()].some((t) => t.Value === v));
      if (f.Name?.startsWith('tag:')) {
        const tag = g.tags.get(f.Name.slice(4));
        return tag !== undefined && values.includes(tag.Value);
      }
      throw invalid(`Filter name ${String(f.Name)} is not valid; use tag-key, tag-value or tag:<key>`);
    });
}

export function autoScalingOperations(groups: AutoScalingGroups, clock: SimClock): SimOperation[] {
  const now = () => isoSeconds(clock.now());
  return [
    operation(DescribeAutoScalingGroupsCommand, 'DescribeAutoScalingGroups', (input) => {
      const names = input.AutoScalingGroupNames;
      if (names && names.length > 1600) throw invalid(`AutoScalingGroupNames must have at most 1600 members, got ${names.length}`);
      const matching = (names ? names.map((n) => groups.get(n)).filter((g): g is SimGroupState => g !== undefined) : [...groups.groups.values()]).filter(groupFilter(input.Filters));
      const { items, next } = page(matching, input.NextToken, input.MaxRecords, 100, 50);
      return { $metadata: metadata(), AutoScalingGroups: items.map(describeGroup), ...(next ? { NextToken: next } : {}) };
    }),
    operation(DescribeAutoScalingInstancesCommand, 'DescribeAutoScalingInstances', (input) => {
      const all = input.InstanceIds ? input.InstanceIds.map((id) => groups.instance(id)).filter((i): i is SimInstance => i !== undefined) : [...groups.allInstances()];
      const { items, next } = page(all, input.NextToken, input.MaxRecords, 50, 50);
      return {
        $metadata: metadata(),
        AutoScalingInstances: items.map((i) => ({ ...describeInstance(i), AutoScalingGroupName: i.group.name, LifecycleState: i.lifecycleState, HealthStatus: i.healthStatus.toUpperCase() })),
        ...(next ? { NextToken: next } : {}),
      };
    }),
    operation(SetDesiredCapacityCommand, 'SetDesiredCapacity', (input) => {
      const group = groups.require(input.AutoScalingGroupName);
      const desired = input.DesiredCapacity;
      if (desired === undefined || !Number.isInteger(desired) || desired < 0) throw invalid(`DesiredCapacity must be a whole number >= 0, got ${String(desired)}`);
      if (desired > group.maxSize) throw invalid(`New SetDesiredCapacity value ${desired} is above max value ${group.maxSize} for the AutoScalingGroup.`);
      if (desired < group.minSize) throw invalid(`New SetDesiredCapacity value ${desired} is below min value ${group.minSize} for the AutoScalingGroup.`);
      if (input.HonorCooldown) {
        const last = group.activities[group.activities.length - 1];
        const lastEnd = last?.EndTime?.getTime() ?? (last ? Number.POSITIVE_INFINITY : Number.NEGATIVE_INFINITY);
        if (clock.nowMs() < lastEnd + group.defaultCooldown * 1000) {
          throw awsError('autoscaling', 'ScalingActivityInProgress', 'You cannot set desired capacity while a scaling activity is in progress or in cooldown.');
        }
      }
      if (desired !== group.desired) {
        const from = group.desired;
        groups.setDesired(group, desired, `At ${now()} a user request explicitly set group desired capacity changing the desired capacity from ${from} to ${desired}.  `);
      }
      return { $metadata: metadata() };
    }),
    operation(UpdateAutoScalingGroupCommand, 'UpdateAutoScalingGroup', (input) => {
      const group = groups.require(input.AutoScalingGroupName);
      const min = input.MinSize ?? group.minSize;
      const max = input.MaxSize ?? group.maxSize;
      let desired = input.DesiredCapacity ?? group.desired;
      // As AWS: a new MinSize above the current size raises desired, a new MaxSize below it lowers it.
      if (input.DesiredCapacity === undefined) desired = Math.min(Math.max(desired, min), max);
      checkSizes(min, max, desired);
      if (input.DefaultCooldown !== undefined) group.defaultCooldown = input.DefaultCooldown;
      if (input.HealthCheckGracePeriod !== undefined) group.healthCheckGracePeriod = input.HealthCheckGracePeriod;
      if (input.DefaultInstanceWarmup !== undefined) group.defaultInstanceWarmup = input.DefaultInstanceWarmup;
      if (input.TerminationPolicies) group.terminationPolicies = [...input.TerminationPolicies];
      if (input.NewInstancesProtectedFromScaleIn !== undefined) group.newInstancesProtectedFromScaleIn = input.NewInstancesProtectedFromScaleIn;
      if (input.LaunchTemplate) {
        const lt = input.LaunchTemplate;
        if (lt.LaunchTemplateName !== undefined && lt.LaunchTemplateName !== group.launchTemplate.LaunchTemplateName) {
          group.launchTemplate = { ...group.launchTemplate, LaunchTemplateName: lt.LaunchTemplateName };
        }
        group.launchTemplate = { ...group.launchTemplate, Version: lt.Version ?? '$Default' };
      }
      group.minSize = min;
      group.maxSize = max;
      if (desired !== group.desired) {
        const from = group.desired;
        groups.setDesired(group, desired, `At ${now()} a user request update of AutoScalingGroup constraints to min: ${min}, max: ${max}, desired: ${desired} changing the desired capacity from ${from} to ${desired}.  `);
      }
      return { $metadata: metadata() };
    }),
    operation(CreateOrUpdateTagsCommand, 'CreateOrUpdateTags', (input) => {
      const tags = input.Tags ?? [];
      const resolved = tags.map((t, i) => {
        if (t.ResourceType !== 'auto-scaling-group') throw invalid(`Tags.member.${i + 1}.ResourceType must be auto-scaling-group, got ${String(t.ResourceType)}`);
        if (!t.Key) throw invalid(`Tags.member.${i + 1}.Key is required`);
        return { group: groups.require(t.ResourceId), tag: t };
      });
      for (const { group, tag } of resolved) {
        if (!group.tags.has(tag.Key!) && group.tags.size >= 50) throw awsError('autoscaling', 'LimitExceeded', `The number of tags on ${group.name} would exceed 50`);
      }
      for (const { group, tag } of resolved) group.tags.set(tag.Key!, { Value: tag.Value ?? '', PropagateAtLaunch: tag.PropagateAtLaunch ?? false });
      return { $metadata: metadata() };
    }),
    operation(DescribeTagsCommand, 'DescribeTags', (input) => {
      const all = [...groups.groups.values()].flatMap(tagsOf).filter((t) =>
        (input.Filters ?? []).every((f) => {
          const values = f.Values ?? [];
          if (f.Name === 'auto-scaling-group') return values.includes(t.ResourceId ?? '');
          if (f.Name === 'key') return values.includes(t.Key ?? '');
          if (f.Name === 'value') return values.includes(t.Value ?? '');
          if (f.Name === 'propagate-at-launch') return values.includes(String(t.PropagateAtLaunch));
          throw invalid(`Filter name ${String(f.Name)} is not valid`);
        }),
      );
      const { items, next } = page(all, input.NextToken, input.MaxRecords, 100, 50);
      return { $metadata: metadata(), Tags: items, ...(next ? { NextToken: next } : {}) };
    }),
    operation(TerminateInstanceInAutoScalingGroupCommand, 'TerminateInstanceInAutoScalingGroup', (input) => {
      if (input.ShouldDecrementDesiredCapacity === undefined) throw invalid("1 validation error detected: Value null at 'shouldDecrementDesiredCapacity' failed to satisfy constraint: Member must not be null");
      const instance = input.InstanceId ? groups.instance(input.InstanceId) : undefined;
      if (!instance) throw invalid(`Instance Id not found - No managed instance found for instance ID: ${input.InstanceId ?? 'null'}`);
      const group = instance.group;
      const alreadyLeaving = instance.lifecycleState.startsWith('Terminating');
      if (input.ShouldDecrementDesiredCapacity && !alreadyLeaving) {
        if (group.desired - 1 < group.minSize) {
          throw invalid(
            `Currently, desiredSize equals minSize (${group.minSize}). Terminating instance without replacement will violate group's min size constraint. Either set shouldDecrementDesiredCapacity flag to false or lower group's min size.`,
          );
        }
        const from = group.desired;
        // Decrement first so the reconcile below does not pick another victim.
        group.desired = from - 1;
        figuresChange(groups, group, from);
      }
      const from = groups.live(group).length;
      const activity = groups.beginTermination(
        instance,
        'user-request',
        `At ${now()} instance ${instance.id} was taken out of service in response to a user request${input.ShouldDecrementDesiredCapacity ? `, shrinking the capacity from ${from} to ${from - 1}` : ''}.`,
      );
      groups.reconcile(group);
      return { $metadata: metadata(), ...(activity ? { Activity: describeActivity(activity) } : {}) };
    }),
    operation(SetInstanceProtectionCommand, 'SetInstanceProtection', (input) => {
      const group = groups.require(input.AutoScalingGroupName);
      if (input.ProtectedFromScaleIn === undefined) throw invalid("1 validation error detected: Value null at 'protectedFromScaleIn' failed to satisfy constraint: Member must not be null");
      const ids = input.InstanceIds ?? [];
      if (ids.length > 50) throw invalid(`InstanceIds must have at most 50 members, got ${ids.length}`);
      const instances = ids.map((id) => {
        const instance = groups.instance(id);
        if (!instance || instance.group !== group) throw invalid(`The instance ${id} is not part of Auto Scaling group ${group.name}.`);
        return instance;
      });
      for (const i of instances) i.protectedFromScaleIn = input.ProtectedFromScaleIn;
      return { $metadata: metadata() };
    }),
    operation(SetInstanceHealthCommand, 'SetInstanceHealth', (input) => {
      const instance = input.InstanceId ? groups.instance(input.InstanceId) : undefined;
      if (!instance) throw invalid(`Instance Id not found - No managed instance found for instance ID: ${input.InstanceId ?? 'null'}`);
      if (input.HealthStatus !== 'Healthy' && input.HealthStatus !== 'Unhealthy') throw invalid(`HealthStatus must be Healthy or Unhealthy, got ${String(input.HealthStatus)}`);
      instance.healthStatus = input.HealthStatus;
      // An unhealthy InService instance is replaced: terminated (through the hooks) and a new one launched.
      if (input.HealthStatus === 'Unhealthy' && instance.lifecycleState === 'InService') {
        groups.beginTermination(instance, 'health', `At ${now()} an instance was taken out of service in response to an EC2 health check indicating it has been terminated or stopped.`);
        groups.reconcile(instance.group);
      }
      return { $metadata: metadata() };
    }),
    operation(PutLifecycleHookCommand, 'PutLifecycleHook', (input) => {
      const group = groups.require(input.AutoScalingGroupName);
      groups.putHook(group, input as never);
      return { $metadata: metadata() };
    }),
    operation(DescribeLifecycleHooksCommand, 'DescribeLifecycleHooks', (input) => {
      const group = groups.require(input.AutoScalingGroupName);
      const names = input.LifecycleHookNames;
      const hooks = [...group.hooks.values()].filter((h) => !names || names.includes(h.LifecycleHookName));
      return { $metadata: metadata(), LifecycleHooks: hooks.map((h) => ({ ...h })) };
    }),
    operation(CompleteLifecycleActionCommand, 'CompleteLifecycleAction', (input) => {
      const group = groups.require(input.AutoScalingGroupName);
      const result = input.LifecycleActionResult;
      if (result !== 'CONTINUE' && result !== 'ABANDON') throw invalid(`LifecycleActionResult must be CONTINUE or ABANDON, got ${String(result)}`);
      groups.complete(group, input.LifecycleHookName, input.InstanceId, input.LifecycleActionToken, result);
      return { $metadata: metadata() };
    }),
    operation(RecordLifecycleActionHeartbeatCommand, 'RecordLifecycleActionHeartbeat', (input) => {
      const group = groups.require(input.AutoScalingGroupName);
      groups.heartbeat(group, input.LifecycleHookName, input.InstanceId, input.LifecycleActionToken);
      return { $metadata: metadata() };
    }),
    operation(DescribeScalingActivitiesCommand, 'DescribeScalingActivities', (input) => {
      const selected = input.AutoScalingGroupName ? [groups.require(input.AutoScalingGroupName)] : [...groups.groups.values()];
      if (selected.length === 1 && !input.ActivityIds) {
        // One group's history, newest first: paged in place, since the drain Lambda asks every tick and the history only grows.
        const history = (selected[0] as SimGroupState).activities;
        const { items, next } = pageOf(history.length, (from, to) => newestFirst(history, from, to), input.NextToken, input.MaxRecords, 100, 100);
        return { $metadata: metadata(), Activities: items.map(describeActivity), ...(next ? { NextToken: next } : {}) };
      }
      let activities = selected.flatMap((g) => g.activities);
      if (input.ActivityIds) activities = activities.filter((a) => input.ActivityIds!.includes(a.ActivityId));
      activities = [...activities].reverse();
      if (selected.length > 1) activities.sort((a, b) => b.StartTime.getTime() - a.StartTime.getTime());
      const { items, next } = page(activities, input.NextToken, input.MaxRecords, 100, 100);
      return { $metadata: metadata(), Activities: items.map(describeActivity), ...(next ? { NextToken: next } : {}) };
    }),
  ];
}

function figuresChange(groups: AutoScalingGroups, group: SimGroupState, from: number): void {
  groups.noteDesiredChange(group, from);
}
