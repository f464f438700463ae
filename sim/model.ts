import type { Series } from './metric-store.js';
import type { SimEngine } from './engine.js';
import type { TrafficSource } from './traffic.js';

export const ACCOUNT_ID = '123456789012';

export type SimLifecycleState =
  | 'Pending'
  | 'Pending:Wait'
  | 'InService'
  | 'Terminating'
  | 'Terminating:Wait';

export type LifecycleTransition = 'autoscaling:EC2_INSTANCE_LAUNCHING' | 'autoscaling:EC2_INSTANCE_TERMINATING';
export type LifecycleResult = 'CONTINUE' | 'ABANDON';

export interface SimLifecycleHook {
  LifecycleHookName: string;
  AutoScalingGroupName: string;
  LifecycleTransition: LifecycleTransition;
  NotificationTargetARN?: string;
  RoleARN?: string;
  NotificationMetadata?: string;
  HeartbeatTimeout: number;
  GlobalTimeout: number;
  DefaultResult: LifecycleResult;
}

/** One hook's hold on one instance, from the transition until completed or timed out. */
export interface LifecycleAction {
  hookName: string;
  token: string;
  transition: LifecycleTransition;
  startedMs: number;
  /** Heartbeat deadline; a heartbeat moves it to now + HeartbeatTimeout. */
  deadlineMs: number;
  /** Never later than start + min(100 x HeartbeatTimeout, 48 h). */
  globalDeadlineMs: number;
  result?: LifecycleResult;
}

export type TerminationCause = 'scale-in' | 'user-request' | 'instance-refresh' | 'launch-abandoned' | 'health';

export interface SimInstance {
  readonly id: string;
  readonly group: SimGroupState;
  readonly launchMinute: number;
  readonly launchMs: number;
  /** First minute the Engine serves (launch + boot). */
  readonly serveFrom: number;
  readonly availabilityZone: string;
  readonly launchTemplateVersion: string;
  lifecycleState: SimLifecycleState;
  healthStatus: 'Healthy' | 'Unhealthy';
  protectedFromScaleIn: boolean;
  /** Minute the instance became InService (undefined while Pending). */
  inServiceMinute: number | undefined;
  readonly engine: SimEngine;
  actions: LifecycleAction[];
  terminationCause: TerminationCause | undefined;
  terminationActivityId: string | undefined;
  launchActivityId: string | undefined;
  /** Metric series handles, resolved on first publish. */
  series: Series[] | undefined;
  terminated: boolean;
}

export interface SimActivity {
  ActivityId: string;
  AutoScalingGroupName: string;
  AutoScalingGroupARN: string;
  Description: string;
  Cause: string;
  StartTime: Date;
  EndTime?: Date;
  StatusCode: 'InProgress' | 'MidLifecycleAction' | 'Successful' | 'Failed' | 'Cancelled' | 'PreInService' | 'WaitingForInstanceWarmup';
  StatusMessage?: string;
  Progress: number;
  Details: string;
}

export interface SimLaunchTemplate {
  LaunchTemplateId: string;
  LaunchTemplateName: string;
  Version: string;
}

/** The mutable state of one Auto Scaling group (EKS node groups are backed by one too). */
export interface SimGroupState {
  readonly name: string;
  readonly arn: string;
  minSize: number;
  maxSize: number;
  desired: number;
  defaultCooldown: number;
  healthCheckGracePeriod: number;
  defaultInstanceWarmup: number | undefined;
  readonly createdTime: Date;
  launchTemplate: SimLaunchTemplate;
  terminationPolicies: string[];
  newInstancesProtectedFromScaleIn: boolean;
  availabilityZones: string[];
  tags: Map<string, { Value: string; PropagateAtLaunch: boolean }>;
  hooks: Map<string, SimLifecycleHook>;
  instances: SimInstance[];
  activities: SimActivity[];
  /** Engine physics for instances of this group. */
  capacity: number;
  maxActiveRequests: number;
  bootMinutes: number;
  pendingMinutes: number;
  /** The dimensions that name this fleet in the Engine metrics. */
  fleetDimensions: Record<string, string>;
  traffic: TrafficSource | undefined;
  /** Offered demand: every request that arrived, served or not, until it would have ended. */
  offeredActive: number;
  offeredEndings: Map<number, number>;
  /** Series handles for the fleet-level dimension set. */
  fleetSeries: Series[] | undefined;
  lastScaleUpMinute: number;
  lastScaleDownMinute: number;
  eks: { clusterName: string; nodegroupName: string } | undefined;
  /** Instances an instance refresh may hold above desired capacity (launch before terminate). */
  refreshAllowance: number;
}
