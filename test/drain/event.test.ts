import { describe, expect, it } from 'vitest';
import { DrainEventError, parseDrainEvent } from '../../lib/drain/event.js';

const lifecycle = (detail: Record<string, unknown> = {}) => ({
  version: '0',
  id: 'e-1',
  'detail-type': 'EC2 Instance-terminate Lifecycle Action',
  source: 'aws.autoscaling',
  account: '123456789012',
  time: '2026-11-20T10:00:00Z',
  region: 'us-east-1',
  resources: ['arn:aws:autoscaling:us-east-1:123456789012:autoScalingGroup:x:autoScalingGroupName/engines'],
  detail: {
    LifecycleActionToken: '87654321-4321-4321-4321-210987654321',
    AutoScalingGroupName: 'engines',
    LifecycleHookName: 'gpu-fleet-scaler-drain',
    EC2InstanceId: 'i-0123456789abcdef0',
    LifecycleTransition: 'autoscaling:EC2_INSTANCE_TERMINATING',
    Origin: 'AutoScalingGroup',
    Destination: 'EC2',
    ...detail,
  },
});

describe('parseDrainEvent', () => {
  it('reads the lifecycle event', () => {
    expect(parseDrainEvent(lifecycle())).toEqual({
      kind: 'lifecycle',
      groupName: 'engines',
      hookName: 'gpu-fleet-scaler-drain',
      instanceId: 'i-0123456789abcdef0',
      token: '87654321-4321-4321-4321-210987654321',
      time: new Date('2026-11-20T10:00:00Z'),
      account: '123456789012',
      region: 'us-east-1',
    });
  });

  it('reads the schedule event', () => {
    expect(parseDrainEvent({ 'detail-type': 'Scheduled Event', source: 'aws.events', time: '2026-11-20T10:01:00Z', detail: {} })).toEqual({ kind: 'schedule', time: new Date('2026-11-20T10:01:00Z') });
  });

  it.each([
    { name: 'a launch transition', event: lifecycle({ LifecycleTransition: 'autoscaling:EC2_INSTANCE_LAUNCHING' }), field: 'detail.LifecycleTransition', value: 'autoscaling:EC2_INSTANCE_LAUNCHING' },
    { name: 'an instance id that is not one', event: lifecycle({ EC2InstanceId: 'i-$(reboot)' }), field: 'detail.EC2InstanceId', value: 'i-$(reboot)' },
    { name: 'a missing group', event: lifecycle({ AutoScalingGroupName: undefined }), field: 'detail.AutoScalingGroupName', value: undefined },
    { name: 'another event type', event: { 'detail-type': 'EC2 Spot Instance Interruption Warning' }, field: 'detail-type', value: 'EC2 Spot Instance Interruption Warning' },
    { name: 'no event at all', event: null, field: 'detail-type', value: undefined },
  ])('refuses $name, naming the field, the rule and the value', ({ event, field, value }) => {
    let thrown: unknown;
    try {
      parseDrainEvent(event);
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(DrainEventError);
    const problems = (thrown as DrainEventError).problems;
    expect(problems).toContainEqual(expect.objectContaining({ field, value }));
    expect(problems.every((p) => p.rule.length > 0)).toBe(true);
  });
});
