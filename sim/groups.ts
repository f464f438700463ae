import { awsError, SimulationError } from './errors.js';
import type { SimClock } from './clock.js';
import { SimEngine } from './engine.js';
import { eventTime, type LifecycleEvent } from './events.js';
import type { CutCause, SimFigures } from './figures.js';
import type { SimHistory } from './history.js';
import type { IdFactory } from './random.js';
import {
  ACCOUNT_ID,
  type LifecycleResult,
  type SimActivity,
  type SimGroupState,
  type SimInstance,
  type SimLaunchTemplate,
  type SimLifecycleHook,
  type TerminationCause,
} from './model.js';
import type { TrafficSource } from './traffic.js';

export interface GroupOptions {
  name: string;
  minSize: number;
  maxSize: number;
  desiredCapacity: number;
  /** Streams one Engine serves at acceptable latency (its engine_estimated_stream_capacity). Default 150. */
  capacity?: number;
  /** Minutes from launch until the Engine serves. Default 8. */
  bootMinutes?: number;
  /** Minutes an instance stays Pending before InService (EC2 start, not model load). Default 1. */
  pendingMinutes?: number;
  /** > 0: the Engine answers 429 above this many active requests. Default 0 (unlimited). */
  maxActiveRequests?: number;
  tags?: Record<string, string>;
  launchTemplate?: { LaunchTemplateName: string; Version?: string };
  terminationPolicies?: string[];
  defaultCooldown?: number;
  healthCheckGracePeriod?: number;
  availabilityZones?: string[];
  traffic?: TrafficSource;
  /** Initial instances are already serving at minute 0 (default true), as in a running fleet. */
  initialInstancesServing?: boolean;
  /** Used by EKS node groups: the Engine metrics name the fleet by cluster and node group. */
  fleetDimensions?: Record<string, string>;
  eks?: { clusterName: string; nodegroupName: string };
}

export interface GroupsContext {
  clock: SimClock;
  ids: IdFactory;
  figures: SimFigures;
  region: string;
  history?: SimHistory;
  emit(event: LifecycleEvent): void;
}

const GLOBAL_TIMEOUT_CAP_SECONDS = 172_800;
const WARM_AGE_MINUTES = 1440;
const MAX_HEARTBEAT_TIMEOUT = 7_200;
const MIN_HEARTBEAT_TIMEOUT = 30;

/**
 * The Auto Scaling control plane: groups, their instances' lifecycle (Pending, InService,
 * Terminating:Wait, terminated), lifecycle hooks and actions, scaling activities, and the
 * reconciliation of actual to desired capacity.
 */
export class AutoScalingGroups {
  readonly groups = new Map<string, SimGroupState>();
  private readonly instances = new Map<string, SimInstance>();
  private readonly tokens = new Map<string, SimInstance>();

  constructor(private readonly ctx: GroupsContext) {}

  create(options: GroupOptions): SimGroupState {
    const { name } = options;
    if (this.groups.has(name)) throw awsError('autoscaling', 'AlreadyExists', `AutoScalingGroup by this name already exists - A group with the name ${name} already exists`);
    checkSizes(options.minSize, options.maxSize, options.desiredCapacity);
    const capacity = options.capacity ?? 150;
    if (!(capacity > 0)) throw new SimulationError(`group ${name}: capacity must be > 0, got ${capacity}`);
    const bootMinutes = options.bootMinutes ?? 8;
    const pendingMinutes = options.pendingMinutes ?? 1;
    for (const [field, value] of [['bootMinutes', bootMinutes], ['pendingMinutes', pendingMinutes]] as const) {
      if (!Number.isInteger(value) || value < 0) throw new SimulationError(`group ${name}: ${field} must be a whole number of minutes >= 0, got ${value}`);
    }
    const templateName = options.launchTemplate?.LaunchTemplateName ?? `${name}-template`;
    const group: SimGroupState = {
      name,
      arn: `arn:aws:autoscaling:${this.ctx.region}:${ACCOUNT_ID}:autoScalingGroup:${this.ctx.ids.uuid()}:autoScalingGroupName/${name}`,
      minSize: options.minSize,
      maxSize: options.maxSize,
      desired: options.desiredCapacity,
      defaultCooldown: options.defaultCooldown ?? 300,
      healthCheckGracePeriod: options.healthCheckGracePeriod ?? 300,
      defaultInstanceWarmup: undefined,
      createdTime: this.ctx.clock.now(),
      launchTemplate: { LaunchTemplateId: `lt-${this.ctx.ids.hex(17)}`, LaunchTemplateName: templateName, Version: options.launchTemplate?.Version ?? '1' },
      terminationPolicies: options.terminationPolicies ?? ['Default'],
      newInstancesProtectedFromScaleIn: false,
      availabilityZones: options.availabilityZones ?? [`${this.ctx.region}a`],
      tags: new Map(Object.entries(options.tags ?? {}).map(([k, v]) => [k, { Value: v, PropagateAtLaunch: true }])),
      hooks: new Map(),
      instances: [],
      activities: [],
      capacity,
      maxActiveRequests: options.maxActiveRequests ?? 0,
      bootMinutes,
      pendingMinutes,
      fleetDimensions: options.fleetDimensions ?? { AutoScalingGroupName: name },
      traffic: options.traffic,
      offeredActive: 0,
      offeredEndings: new Map(),
      fleetSeries: undefined,
      lastScaleUpMinute: Number.NEGATIVE_INFINITY,
      lastScaleDownMinute: Number.NEGATIVE_INFINITY,
      eks: options.eks,
      refreshAllowance: 0,
    };
    this.groups.set(name, group);
    const warm = options.initialInstancesServing ?? true;
    for (let i = 0; i < group.desired; i++) {
      const instance = this.launch(group, 'initial', warm);
      if (warm) {
        instance.lifecycleState = 'InService';
        instance.inServiceMinute = instance.launchMinute;
      }
    }
    return group;
  }

  get(name: string | undefined): SimGroupState | undefined {
    return name === undefined ? undefined : this.groups.get(name);
  }

  /** As Auto Scaling answers for a group that does not exist. */
  require(name: string | undefined): SimGroupState {
    if (!name) throw awsError('autoscaling', 'ValidationError', '1 validation error detected: Value null at \'autoScalingGroupName\' failed to satisfy constraint: Member must not be null');
    const group = this.groups.get(name);
    if (!group) throw awsError('autoscaling', 'ValidationError', `AutoScalingGroup name not found - AutoScalingGroup '${name}' not found`);
    return group;
  }

  instance(id: string): SimInstance | undefined {
    return this.instances.get(id);
  }

  allInstances(): IterableIterator<SimInstance> {
    return this.instances.values();
  }

  // ---- capacity ------------------------------------------------------------------------

  /** Instances that count toward desired capacity (not terminating). */
  live(group: SimGroupState): SimInstance[] {
    return group.instances.filter((i) => !i.lifecycleState.startsWith('Terminating'));
  }

  setDesired(group: SimGroupState, desired: number, cause: string): void {
    const from = group.desired;
    group.desired = desired;
    this.noteDesiredChange(group, from);
    this.reconcile(group, cause);
  }

  /** Every change of desired capacity is a scale action for the figures. */
  noteDesiredChange(group: SimGroupState, from: number): void {
    const minute = this.ctx.clock.minute;
    this.ctx.figures.recordDesiredChange(group.name, from, group.desired, minute);
    if (group.desired > from) group.lastScaleUpMinute = minute;
    if (group.desired < from) group.lastScaleDownMinute = minute;
  }

  /** Launch or terminate until the live instances match desired capacity, as the group does within seconds. */
  reconcile(group: SimGroupState, cause = ''): void {
    const live = this.live(group);
    if (live.length < group.desired) {
      const from = live.length;
      for (let n = from; n < group.desired; n++) {
        this.launch(group, `${cause}At ${isoSeconds(this.ctx.clock.now())} an instance was started in response to a difference between desired and actual capacity, increasing the capacity from ${from} to ${group.desired}.`);
      }
    } else if (live.length > group.desired + group.refreshAllowance) {
      const victims = this.selectVictims(group, live, live.length - group.desired - group.refreshAllowance);
      const from = live.length;
      for (const victim of victims) {
        this.beginTermination(
          victim,
          'scale-in',
          `${cause}At ${isoSeconds(this.ctx.clock.now())} an instance was taken out of service in response to a difference between desired and actual capacity, shrinking the capacity from ${from} to ${group.desired}.  At ${isoSeconds(this.ctx.clock.now())} instance ${victim.id} was selected for termination.`,
        );
      }
    }
  }

  /**
   * A simplified termination policy (one Availability Zone): instances not on the group's
   * launch template version first (the Default and OldestLaunchTemplate policies), then
   * oldest first (OldestInstance; the Default policy's billing-hour rule is moot with
   * per-second billing) or newest first (NewestInstance). Protected instances are skipped.
   */
  selectVictims(group: SimGroupState, live: SimInstance[], count: number): SimInstance[] {
    const newestFirst = group.terminationPolicies[0] === 'NewestInstance';
    const candidates = live.filter((i) => !i.protectedFromScaleIn);
    candidates.sort((a, b) => {
      const aOld = a.launchTemplateVersion !== group.launchTemplate.Version ? 0 : 1;
      const bOld = b.launchTemplateVersion !== group.launchTemplate.Version ? 0 : 1;
      if (aOld !== bOld && !newestFirst) return aOld - bOld;
      const byAge = newestFirst ? b.launchMs - a.launchMs : a.launchMs - b.launchMs;
      return byAge !== 0 ? byAge : a.id < b.id ? -1 : 1;
    });
    return candidates.slice(0, count);
  }

  launch(group: SimGroupState, cause: string, warm = false): SimInstance {
    const clock = this.ctx.clock;
    // A warm instance belongs to a fleet that was already running: launched a day ago.
    const launchMinute = warm ? clock.minute - WARM_AGE_MINUTES : clock.minute;
    const id = this.ctx.ids.instanceId();
    const instance: SimInstance = {
      id,
      group,
      launchMinute,
      launchMs: clock.dateOf(launchMinute).getTime(),
      serveFrom: launchMinute + group.bootMinutes,
      availabilityZone: group.availabilityZones[(this.instances.size + group.instances.length) % group.availabilityZones.length] ?? `${this.ctx.region}a`,
      launchTemplateVersion: group.launchTemplate.Version,
      lifecycleState: 'Pending',
      healthStatus: 'Healthy',
      protectedFromScaleIn: group.newInstancesProtectedFromScaleIn,
      inServiceMinute: undefined,
      engine: new SimEngine(group.capacity, group.maxActiveRequests),
      actions: [],
      terminationCause: undefined,
      terminationActivityId: undefined,
      launchActivityId: undefined,
      series: undefined,
      terminated: false,
    };
    group.instances.push(instance);
    this.instances.set(id, instance);
    if (cause !== 'initial') {
      const activity = this.activity(group, `Launching a new EC2 instance: ${id}`, cause, 'PreInService');
      instance.launchActivityId = activity.ActivityId;
    }
    return instance;
  }

  // ---- minute tick ---------------------------------------------------------------------

  /** Pending instances come into service; lifecycle actions past their deadline take their default result. */
  tick(): void {
    const minute = this.ctx.clock.minute;
    const nowMs = this.ctx.clock.nowMs();
    for (const group of this.groups.values()) {
      for (const instance of [...group.instances]) {
        if (instance.lifecycleState === 'Pending' && minute >= instance.launchMinute + group.pendingMinutes) {
          this.enterService(instance);
        }
        if (instance.actions.length > 0) {
          for (const action of instance.actions) {
            if (action.result === undefined && nowMs >= Math.min(action.deadlineMs, action.globalDeadlineMs)) {
              const hook = group.hooks.get(action.hookName);
              action.result = hook?.DefaultResult ?? 'ABANDON';
            }
          }
          this.settleActions(instance, 'hook-timeout');
        }
      }
    }
  }

  private enterService(instance: SimInstance): void {
    const hooks = [...instance.group.hooks.values()].filter((h) => h.LifecycleTransition === 'autoscaling:EC2_INSTANCE_LAUNCHING');
    if (hooks.length > 0) {
      instance.lifecycleState = 'Pending:Wait';
      this.startActions(instance, hooks);
      this.updateActivity(instance.group, instance.launchActivityId, 'MidLifecycleAction');
      return;
    }
    instance.lifecycleState = 'InService';
    instance.inServiceMinute = this.ctx.clock.minute;
    this.updateActivity(instance.group, instance.launchActivityId, 'Successful');
  }

  // ---- termination and lifecycle actions -----------------------------------------------

  beginTermination(instance: SimInstance, cause: TerminationCause, causeText: string): SimActivity | undefined {
    if (instance.terminated || instance.lifecycleState.startsWith('Terminating')) return this.findActivity(instance.group, instance.terminationActivityId);
    instance.terminationCause = cause;
    const group = instance.group;
    // A launch still held by its hook is abandoned rather than drained.
    instance.actions = [];
    const activity = this.activity(group, `Terminating EC2 instance: ${instance.id}`, causeText, 'InProgress');
    instance.terminationActivityId = activity.ActivityId;
    const hooks = [...group.hooks.values()].filter((h) => h.LifecycleTransition === 'autoscaling:EC2_INSTANCE_TERMINATING');
    if (hooks.length === 0 || instance.lifecycleState === 'Pending' || instance.lifecycleState === 'Pending:Wait') {
      instance.lifecycleState = 'Terminating';
      this.finishTermination(instance, 'no-hook');
      return activity;
    }
    instance.lifecycleState = 'Terminating:Wait';
    this.ctx.history?.recordWait({ minute: this.ctx.clock.minute, group: group.name, instanceId: instance.id });
    activity.StatusCode = 'MidLifecycleAction';
    this.startActions(instance, hooks);
    return activity;
  }

  private startActions(instance: SimInstance, hooks: SimLifecycleHook[]): void {
    const nowMs = this.ctx.clock.nowMs();
    const now = this.ctx.clock.now();
    const terminating = instance.lifecycleState === 'Terminating:Wait';
    instance.actions = hooks.map((hook) => {
      const token = this.ctx.ids.uuid();
      this.tokens.set(token, instance);
      this.ctx.emit({
        version: '0',
        id: this.ctx.ids.uuid(),
        'detail-type': terminating ? 'EC2 Instance-terminate Lifecycle Action' : 'EC2 Instance-launch Lifecycle Action',
        source: 'aws.autoscaling',
        account: ACCOUNT_ID,
        time: eventTime(now),
        region: this.ctx.region,
        resources: [instance.group.arn],
        detail: {
          LifecycleActionToken: token,
          AutoScalingGroupName: instance.group.name,
          LifecycleHookName: hook.LifecycleHookName,
          EC2InstanceId: instance.id,
          LifecycleTransition: hook.LifecycleTransition,
          ...(hook.NotificationMetadata !== undefined ? { NotificationMetadata: hook.NotificationMetadata } : {}),
          Origin: terminating ? 'AutoScalingGroup' : 'EC2',
          Destination: terminating ? 'EC2' : 'AutoScalingGroup',
        },
      });
      return {
        hookName: hook.LifecycleHookName,
        token,
        transition: hook.LifecycleTransition,
        startedMs: nowMs,
        deadlineMs: nowMs + hook.HeartbeatTimeout * 1000,
        globalDeadlineMs: nowMs + hook.GlobalTimeout * 1000,
      };
    });
  }

  /** The open action a CompleteLifecycleAction or heartbeat names, or the ValidationError AWS answers with. */
  findAction(group: SimGroupState, hookName: string | undefined, instanceId: string | undefined, token: string | undefined) {
    if (!hookName) throw awsError('autoscaling', 'ValidationError', "1 validation error detected: Value null at 'lifecycleHookName' failed to satisfy constraint: Member must not be null");
    if (!group.hooks.has(hookName)) throw awsError('autoscaling', 'ValidationError', `No Lifecycle Hook found with name ${hookName} for AutoScalingGroup ${group.name}`);
    if (!instanceId && !token) throw awsError('autoscaling', 'ValidationError', 'Either the instance ID or the lifecycle action token must be specified');
    const instance = token ? this.tokens.get(token) : this.instances.get(instanceId as string);
    const action = instance?.actions.find((a) => a.hookName === hookName && a.result === undefined && (token === undefined || a.token === token));
    if (!instance || !action || instance.group !== group || instance.terminated || (instanceId !== undefined && instance.id !== instanceId)) {
      throw awsError(
        'autoscaling',
        'ValidationError',
        token && !instanceId ? `No active Lifecycle Action found with token ${token}` : `No active Lifecycle Action found with instance ID ${instanceId ?? ''}`,
      );
    }
    return { instance, action };
  }

  heartbeat(group: SimGroupState, hookName: string | undefined, instanceId: string | undefined, token: string | undefined): void {
    const { action } = this.findAction(group, hookName, instanceId, token);
    const hook = group.hooks.get(action.hookName) as SimLifecycleHook;
    action.deadlineMs = Math.min(this.ctx.clock.nowMs() + hook.HeartbeatTimeout * 1000, action.globalDeadlineMs);
  }

  complete(group: SimGroupState, hookName: string | undefined, instanceId: string | undefined, token: string | undefined, result: LifecycleResult): void {
    const { instance, action } = this.findAction(group, hookName, instanceId, token);
    action.result = result;
    this.settleActions(instance, 'lifecycle-complete');
  }

  /** Once every hook on the instance has a result, the transition proceeds. */
  private settleActions(instance: SimInstance, cause: CutCause): void {
    if (instance.actions.some((a) => a.result === undefined)) return;
    const abandoned = instance.actions.some((a) => a.result === 'ABANDON');
    for (const a of instance.actions) this.tokens.delete(a.token);
    instance.actions = [];
    if (instance.lifecycleState === 'Terminating:Wait') {
      instance.lifecycleState = 'Terminating';
      this.finishTermination(instance, cause);
    } else if (instance.lifecycleState === 'Pending:Wait') {
      if (abandoned) {
        this.updateActivity(instance.group, instance.launchActivityId, 'Failed');
        this.beginTermination(instance, 'launch-abandoned', `At ${isoSeconds(this.ctx.clock.now())} instance ${instance.id} launch was abandoned by a lifecycle hook.`);
        this.reconcile(instance.group);
      } else {
        instance.lifecycleState = 'InService';
        instance.inServiceMinute = this.ctx.clock.minute;
        this.updateActivity(instance.group, instance.launchActivityId, 'Successful');
      }
    }
  }

  private finishTermination(instance: SimInstance, cause: CutCause): void {
    const cut = instance.engine.cutAll();
    this.ctx.figures.recordCut(cut.streams, cause);
    this.ctx.history?.recordRelease({ minute: this.ctx.clock.minute, group: instance.group.name, instanceId: instance.id, cause, requestsCut: cut.requests });
    instance.terminated = true;
    const group = instance.group;
    const index = group.instances.indexOf(instance);
    if (index >= 0) group.instances.splice(index, 1);
    this.instances.delete(instance.id);
    this.updateActivity(group, instance.terminationActivityId, 'Successful');
  }

  // ---- hooks ---------------------------------------------------------------------------

  putHook(group: SimGroupState, input: Partial<SimLifecycleHook> & { LifecycleHookName?: string }): void {
    const name = input.LifecycleHookName;
    if (!name || !/^[A-Za-z0-9\-_/]{1,255}$/.test(name)) {
      throw awsError('autoscaling', 'ValidationError', `1 validation error detected: Value '${name ?? 'null'}' at 'lifecycleHookName' failed to satisfy constraint: Member must satisfy regular expression pattern: [A-Za-z0-9\\-_\\/]+`);
    }
    const existing = group.hooks.get(name);
    const transition = input.LifecycleTransition ?? existing?.LifecycleTransition;
    if (transition !== 'autoscaling:EC2_INSTANCE_LAUNCHING' && transition !== 'autoscaling:EC2_INSTANCE_TERMINATING') {
      throw awsError('autoscaling', 'ValidationError', `Invalid Lifecycle Transition: ${String(transition)}. Valid values: autoscaling:EC2_INSTANCE_LAUNCHING, autoscaling:EC2_INSTANCE_TERMINATING`);
    }
    const heartbeat = input.HeartbeatTimeout ?? existing?.HeartbeatTimeout ?? 3600;
    if (!Number.isInteger(heartbeat) || heartbeat < MIN_HEARTBEAT_TIMEOUT || heartbeat > MAX_HEARTBEAT_TIMEOUT) {
      throw awsError('autoscaling', 'ValidationError', `Heartbeat timeout must be between ${MIN_HEARTBEAT_TIMEOUT} and ${MAX_HEARTBEAT_TIMEOUT} seconds, got ${heartbeat}`);
    }
    const defaultResult = input.DefaultResult ?? existing?.DefaultResult ?? 'ABANDON';
    if (defaultResult !== 'CONTINUE' && defaultResult !== 'ABANDON') {
      throw awsError('autoscaling', 'ValidationError', `Invalid DefaultResult: ${String(defaultResult)}. Valid values: CONTINUE, ABANDON`);
    }
    if (!existing && group.hooks.size >= 50) throw awsError('autoscaling', 'LimitExceeded', `Lifecycle hook limit of 50 reached for AutoScalingGroup ${group.name}`);
    group.hooks.set(name, {
      LifecycleHookName: name,
      AutoScalingGroupName: group.name,
      LifecycleTransition: transition,
      ...(input.NotificationTargetARN ?? existing?.NotificationTargetARN ? { NotificationTargetARN: input.NotificationTargetARN ?? existing?.NotificationTargetARN } : {}),
      ...(input.RoleARN ?? existing?.RoleARN ? { RoleARN: input.RoleARN ?? existing?.RoleARN } : {}),
      ...(input.NotificationMetadata ?? existing?.NotificationMetadata ? { NotificationMetadata: input.NotificationMetadata ?? existing?.NotificationMetadata } : {}),
      HeartbeatTimeout: heartbeat,
      GlobalTimeout: Math.min(100 * heartbeat, GLOBAL_TIMEOUT_CAP_SECONDS),
      DefaultResult: defaultResult,
    });
  }

  // ---- activities ----------------------------------------------------------------------

  activity(group: SimGroupState, description: string, cause: string, status: SimActivity['StatusCode']): SimActivity {
    const activity: SimActivity = {
      ActivityId: this.ctx.ids.uuid(),
      AutoScalingGroupName: group.name,
      AutoScalingGroupARN: group.arn,
      Description: description,
      Cause: cause,
      StartTime: this.ctx.clock.now(),
      StatusCode: status,
      Progress: 0,
      Details: JSON.stringify({ 'Availability Zone': group.availabilityZones[0] }),
    };
    group.activities.push(activity);
    return activity;
  }

  private findActivity(group: SimGroupState, id: string | undefined): SimActivity | undefined {
    if (id === undefined) return undefined;
    for (let i = group.activities.length - 1; i >= 0; i--) if (group.activities[i]?.ActivityId === id) return group.activities[i];
    return undefined;
  }

  private updateActivity(group: SimGroupState, id: string | undefined, status: SimActivity['StatusCode']): void {
    const activity = this.findActivity(group, id);
    if (!activity) return;
    activity.StatusCode = status;
    if (status === 'Successful' || status === 'Failed' || status === 'Cancelled') {
      activity.EndTime = this.ctx.clock.now();
      activity.Progress = 100;
    }
  }
}

export function checkSizes(min: number, max: number, desired: number): void {
  for (const [field, value] of [['MinSize', min], ['MaxSize', max], ['DesiredCapacity', desired]] as const) {
    if (!Number.isInteger(value) || value < 0) throw awsError('autoscaling', 'ValidationError', `${field} must be a whole number >= 0, got ${value}`);
  }
  if (min > max) throw awsError('autoscaling', 'ValidationError', `The parameter MaxSize (${max}) must be greater than or equal to MinSize (${min}).`);
  if (desired < min) throw awsError('autoscaling', 'ValidationError', `Desired capacity:${desired} must be between the specified min size:${min} and max size:${max}`);
  if (desired > max) throw awsError('autoscaling', 'ValidationError', `Desired capacity:${desired} must be between the specified min size:${min} and max size:${max}`);
}

export function isoSeconds(date: Date): string {
  return date.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

export type { SimLaunchTemplate };
