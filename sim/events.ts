import type { LifecycleTransition } from './model.js';

/** An Auto Scaling lifecycle action as EventBridge delivers it to a rule target. */
export interface LifecycleEvent {
  version: '0';
  id: string;
  'detail-type': 'EC2 Instance-terminate Lifecycle Action' | 'EC2 Instance-launch Lifecycle Action';
  source: 'aws.autoscaling';
  account: string;
  time: string;
  region: string;
  resources: string[];
  detail: {
    LifecycleActionToken: string;
    AutoScalingGroupName: string;
    LifecycleHookName: string;
    EC2InstanceId: string;
    LifecycleTransition: LifecycleTransition;
    NotificationMetadata?: string;
    Origin: 'AutoScalingGroup' | 'EC2';
    Destination: 'AutoScalingGroup' | 'EC2';
  };
}

/** EventBridge's time format: ISO 8601 without milliseconds. */
export function eventTime(date: Date): string {
  return date.toISOString().replace(/\.\d{3}Z$/, 'Z');
}
