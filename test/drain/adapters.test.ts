import {
  AutoScalingClient,
  CompleteLifecycleActionCommand,
  DescribeLifecycleHooksCommand,
  DescribeScalingActivitiesCommand,
  PutLifecycleHookCommand,
  RecordLifecycleActionHeartbeatCommand,
} from '@aws-sdk/client-auto-scaling';
import { DescribeNodegroupCommand, EKSClient } from '@aws-sdk/client-eks';
import { ListCommandInvocationsCommand, SendCommandCommand, SSMClient } from '@aws-sdk/client-ssm';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { fleetSchema } from '../../lib/config/schema.js';
import { CONTAINERS_EXITED_LINE, DrainCommandError, listDrainCommands, sendDrainCommand } from '../../lib/drain/commands.js';
import { resolveDrainGroups, terminationStarts } from '../../lib/drain/groups.js';
import { completeAction, ensureTerminationHook, hookSpecFor, LifecycleHookError, recordHeartbeat } from '../../lib/drain/hook.js';

const asg = mockClient(AutoScalingClient);
const ssm = mockClient(SSMClient);
const eks = mockClient(EKSClient);
const noRetry = { attempts: 1, baseDelayMs: 0, maxDelayMs: 0, sleep: async () => {}, random: () => 0 };
const awsError = (name: string, message = name) => Object.assign(new Error(message), { name });
const t = (hhmmss: string) => new Date(`2026-11-20T${hhmmss}Z`);

beforeEach(() => {
  asg.reset();
  ssm.reset();
  eks.reset();
});

describe('hookSpecFor', () => {
  it.each([
    // the grace itself: a controller outage never cuts streams before it
    { grace: 3600, heartbeat: 3600 },
    { grace: 7200, heartbeat: 7200 },
    // a short grace keeps the 300 s floor: three lost ticks survive
    { grace: 120, heartbeat: 300 },
    // past Auto Scaling's 7200 s ceiling: 100 x 7200 s still covers (86400 + 900) s
    { grace: 86_400, heartbeat: 7200 },
    { grace: 171_900, heartbeat: 7200 },
  ])('grace $grace s: heartbeat timeout $heartbeat s, default result CONTINUE', ({ grace, heartbeat }) => {
    expect(hookSpecFor(grace)).toEqual({ name: 'gpu-fleet-scaler-drain', heartbeatTimeoutSeconds: heartbeat, defaultResult: 'CONTINUE' });
  });
});

describe('ensureTerminationHook', () => {
  const spec = hookSpecFor(3600);
  const current = { LifecycleHookName: spec.name, AutoScalingGroupName: 'engines', LifecycleTransition: 'autoscaling:EC2_INSTANCE_TERMINATING', HeartbeatTimeout: 3600, DefaultResult: 'CONTINUE' };

  it('creates the hook when the group has none', async () => {
    asg.on(DescribeLifecycleHooksCommand).resolves({ LifecycleHooks: [] });
    asg.on(PutLifecycleHookCommand).resolves({});
    await expect(ensureTerminationHook(asg, 'engines', spec, noRetry)).resolves.toBe('Created');
    expect(asg).toHaveReceivedCommandWith(DescribeLifecycleHooksCommand, { AutoScalingGroupName: 'engines', LifecycleHookNames: [spec.name] });
    expect(asg).toHaveReceivedCommandWith(PutLifecycleHookCommand, {
      AutoScalingGroupName: 'engines',
      LifecycleHookName: 'gpu-fleet-scaler-drain',
      LifecycleTransition: 'autoscaling:EC2_INSTANCE_TERMINATING',
      HeartbeatTimeout: 3600,
      DefaultResult: 'CONTINUE',
    });
  });

  it('writes nothing when the hook is already as wanted', async () => {
    asg.on(DescribeLifecycleHooksCommand).resolves({ LifecycleHooks: [current] });
    await expect(ensureTerminationHook(asg, 'engines', spec, noRetry)).resolves.toBe('Unchanged');
    expect(asg).toHaveReceivedCommandTimes(PutLifecycleHookCommand, 0);
  });

  it('rewrites a hook someone changed', async () => {
    asg.on(DescribeLifecycleHooksCommand).resolves({ LifecycleHooks: [{ ...current, DefaultResult: 'ABANDON', HeartbeatTimeout: 300 }] });
    asg.on(PutLifecycleHookCommand).resolves({});
    await expect(ensureTerminationHook(asg, 'engines', spec, noRetry)).resolves.toBe('Updated');
    expect(asg).toHaveReceivedCommandTimes(PutLifecycleHookCommand, 1);
  });

  it('fails with a LifecycleHookError carrying the cause', async () => {
    asg.on(DescribeLifecycleHooksCommand).rejects(awsError('AccessDenied'));
    const failure = ensureTerminationHook(asg, 'engines', spec, noRetry);
    await expect(failure).rejects.toBeInstanceOf(LifecycleHookError);
    await expect(failure).rejects.toHaveProperty('cause');
  });
});

describe('lifecycle actions', () => {
  const target = { groupName: 'engines', hookName: 'gpu-fleet-scaler-drain', instanceId: 'i-0abc1234' };

  it('completes with CONTINUE by instance id (no token needed: the schedule has none)', async () => {
    asg.on(CompleteLifecycleActionCommand).resolves({});
    await expect(completeAction(asg, target, noRetry)).resolves.toEqual({ outcome: 'Done' });
    expect(asg).toHaveReceivedCommandWith(CompleteLifecycleActionCommand, {
      AutoScalingGroupName: 'engines',
      LifecycleHookName: 'gpu-fleet-scaler-drain',
      InstanceId: 'i-0abc1234',
      LifecycleActionResult: 'CONTINUE',
    });
  });

  it('treats ValidationError (action already completed, instance gone) as done by someone else', async () => {
    asg.on(CompleteLifecycleActionCommand).rejects(awsError('ValidationError', 'No active Lifecycle Action found with instance ID i-0abc1234'));
    await expect(completeAction(asg, target, noRetry)).resolves.toEqual({
      outcome: 'NoActiveAction',
      message: expect.stringContaining('No active Lifecycle Action'),
    });
  });

  it('heartbeats by instance id', async () => {
    asg.on(RecordLifecycleActionHeartbeatCommand).resolves({});
    await expect(recordHeartbeat(asg, target, noRetry)).resolves.toEqual({ outcome: 'Done' });
    expect(asg).toHaveReceivedCommandWith(RecordLifecycleActionHeartbeatCommand, { AutoScalingGroupName: 'engines', LifecycleHookName: 'gpu-fleet-scaler-drain', InstanceId: 'i-0abc1234' });
  });

  it('retries throttling, and other errors fail loudly', async () => {
    asg.on(RecordLifecycleActionHeartbeatCommand).rejectsOnce(awsError('Throttling')).resolves({});
    await expect(recordHeartbeat(asg, target, { ...noRetry, attempts: 2 })).resolves.toEqual({ outcome: 'Done' });
    asg.on(RecordLifecycleActionHeartbeatCommand).rejects(awsError('AccessDenied'));
    await expect(recordHeartbeat(asg, target, noRetry)).rejects.toBeInstanceOf(LifecycleHookError);
  });
});

describe('drain commands', () => {
  it('sends the project document to one instance with validated parameters and the marking comment', async () => {
    ssm.on(SendCommandCommand).resolves({ Command: { CommandId: 'cmd-1' } });
    const id = await sendDrainCommand(ssm, { documentName: 'gfs-drain', instanceId: 'i-0abc1234', containerNamePattern: 'deepgram', runtime: 'docker', waitSeconds: 3600, deliveryTimeoutSeconds: 300, retry: noRetry });
    expect(id).toBe('cmd-1');
    expect(ssm).toHaveReceivedCommandWith(SendCommandCommand, {
      DocumentName: 'gfs-drain',
      InstanceIds: ['i-0abc1234'],
      Comment: 'gpu-fleet-scaler drain i-0abc1234',
      TimeoutSeconds: 300,
      // executionTimeout = wait 3600 + 300 s margin
      Parameters: { containerNamePattern: ['deepgram'], runtime: ['docker'], waitSeconds: ['3600'], executionTimeout: ['3900'] },
    });
  });

  it('caps the step timeout at SSM maximum of 172800 s', async () => {
    ssm.on(SendCommandCommand).resolves({ Command: { CommandId: 'cmd-1' } });
    await sendDrainCommand(ssm, { documentName: 'd', instanceId: 'i-0abc1234', containerNamePattern: 'deepgram', runtime: 'containerd', waitSeconds: 172_800, deliveryTimeoutSeconds: 300, retry: noRetry });
    expect(ssm.commandCalls(SendCommandCommand)[0]?.args[0].input.Parameters?.executionTimeout).toEqual(['172800']);
  });

  it('names the AWS error code when the instance is gone', async () => {
    ssm.on(SendCommandCommand).rejects(awsError('InvalidInstanceId'));
    const failure = sendDrainCommand(ssm, { documentName: 'd', instanceId: 'i-0abc1234', containerNamePattern: 'deepgram', runtime: 'docker', waitSeconds: 60, deliveryTimeoutSeconds: 300, retry: noRetry });
    await expect(failure).rejects.toBeInstanceOf(DrainCommandError);
    await expect(failure).rejects.toHaveProperty('code', 'InvalidInstanceId');
  });

  it('lists the invocations of the document since a date, keeps only its own drains, by instance, across pages', async () => {
    ssm
      .on(ListCommandInvocationsCommand)
      .resolvesOnce({
        CommandInvocations: [
          {
            CommandId: 'c2',
            InstanceId: 'i-1',
            Comment: 'gpu-fleet-scaler drain i-1',
            RequestedDateTime: t('10:05:00'),
            Status: 'Success',
            CommandPlugins: [{ ResponseStartDateTime: t('10:05:02'), ResponseCode: 0, Output: `sent SIGINT to abc\n${CONTAINERS_EXITED_LINE}\n` }],
          },
          { CommandId: 'c-hand', InstanceId: 'i-1', Comment: 'operator test', RequestedDateTime: t('10:06:00'), Status: 'Success' },
        ],
        NextToken: 'p2',
      })
      .resolvesOnce({
        CommandInvocations: [{ CommandId: 'c1', InstanceId: 'i-1', Comment: 'gpu-fleet-scaler drain i-1', RequestedDateTime: t('10:00:00'), Status: 'TimedOut', CommandPlugins: [{ ResponseCode: -1 }] }],
      });
    const commands = await listDrainCommands(ssm, { documentName: 'gfs-drain', invokedAfter: t('08:00:00'), retry: noRetry });
    expect(ssm).toHaveReceivedCommandWith(ListCommandInvocationsCommand, {
      Filters: [
        { key: 'DocumentName', value: 'gfs-drain' },
        { key: 'InvokedAfter', value: '2026-11-20T08:00:00.000Z' },
      ],
      Details: true,
      MaxResults: 50,
    });
    expect(ssm.commandCalls(ListCommandInvocationsCommand)[1]?.args[0].input.NextToken).toBe('p2');
    expect(commands.byInstance.get('i-1')).toEqual([
      { commandId: 'c2', requestedAt: t('10:05:00'), startedAt: t('10:05:02'), status: 'Success', responseCode: 0, containersExited: true },
      { commandId: 'c1', requestedAt: t('10:00:00'), startedAt: undefined, status: 'TimedOut', responseCode: undefined, containersExited: false },
    ]);
    expect(commands.incomplete).toEqual([]);
  });

  // Issue 13: an invocation without RequestedDateTime, Status or CommandId was dropped, and
  // the drain believed no SIGINT had gone out.
  it('keeps a drain command SSM described without a field, naming what is unknown, and reports it', async () => {
    ssm.on(ListCommandInvocationsCommand).resolves({
      CommandInvocations: [
        { InstanceId: 'i-1', Comment: 'gpu-fleet-scaler drain i-1', Status: 'InProgress', CommandPlugins: [{ ResponseStartDateTime: t('10:00:02') }] },
        { CommandId: 'c2', Comment: 'gpu-fleet-scaler drain i-0abc1234', RequestedDateTime: t('10:01:00') },
        { CommandId: 'c3', InstanceId: 'i-3', RequestedDateTime: t('10:02:00'), Status: 'Success' },
      ],
    });
    const commands = await listDrainCommands(ssm, { documentName: 'gfs-drain', invokedAfter: t('08:00:00'), retry: noRetry });
    expect(commands.byInstance.get('i-1')).toEqual([{ startedAt: t('10:00:02'), status: 'InProgress', responseCode: undefined, containersExited: false, missing: ['CommandId', 'RequestedDateTime'] }]);
    // no InstanceId: the Comment names the instance the controller sent it to
    expect(commands.byInstance.get('i-0abc1234')).toEqual([{ commandId: 'c2', requestedAt: t('10:01:00'), startedAt: undefined, responseCode: undefined, containersExited: false, missing: ['InstanceId', 'Status'] }]);
    // no Comment: it may be a person running the document by hand
    expect(commands.byInstance.has('i-3')).toBe(false);
    expect(commands.incomplete).toEqual([
      'ssm:ListCommandInvocations answered drain command (no CommandId) (Comment "gpu-fleet-scaler drain i-1") without CommandId, RequestedDateTime: counted as sent to i-1, what is missing as unknown: never sent again for it, the drain clock from the earliest time still known',
      'ssm:ListCommandInvocations answered drain command c2 (Comment "gpu-fleet-scaler drain i-0abc1234") without InstanceId, Status: counted as sent to i-0abc1234 (named by its Comment), what is missing as unknown: never sent again for it, the drain clock from the earliest time still known',
      'ssm:ListCommandInvocations answered command c3 on i-3 without Comment: whether the controller sent it is unknown, so it is not taken as a drain',
    ]);
  });
});

describe('drain groups', () => {
  const fleet = (input: object) => fleetSchema.parse({ name: 'f', kinds: { stream: { capacity: 150 } }, minInstances: 1, maxInstances: 10, ...input });

  it('an ASG fleet with an API fleet drains both groups', async () => {
    const groups = await resolveDrainGroups(eks, fleet({ target: { type: 'asg', autoScalingGroupName: 'engines' }, api: { target: { type: 'asg', autoScalingGroupName: 'apis' } } }), noRetry);
    expect(groups.map((g) => [g.groupName, g.role])).toEqual([
      ['engines', 'engine'],
      ['apis', 'api'],
    ]);
    expect(eks).toHaveReceivedCommandTimes(DescribeNodegroupCommand, 0);
  });

  it('an EKS node group drains the Auto Scaling groups EKS made for it', async () => {
    eks.on(DescribeNodegroupCommand).resolves({ nodegroup: { resources: { autoScalingGroups: [{ name: 'eks-gpu-1a' }, { name: 'eks-gpu-1b' }] } } });
    const groups = await resolveDrainGroups(eks, fleet({ target: { type: 'eks', clusterName: 'speech', nodegroupName: 'gpu' } }), noRetry);
    expect(eks).toHaveReceivedCommandWith(DescribeNodegroupCommand, { clusterName: 'speech', nodegroupName: 'gpu' });
    expect(groups.map((g) => g.groupName)).toEqual(['eks-gpu-1a', 'eks-gpu-1b']);
  });

  it('finds when each instance began terminating from the scaling activities', async () => {
    asg.on(DescribeScalingActivitiesCommand).resolves({
      Activities: [
        { ActivityId: 'a2', AutoScalingGroupName: 'engines', Description: 'Terminating EC2 instance: i-0aaa1111', StartTime: t('10:00:00'), Cause: 'x', StatusCode: 'MidLifecycleAction' },
        { ActivityId: 'a1', AutoScalingGroupName: 'engines', Description: 'Launching a new EC2 instance: i-0bbb2222', StartTime: t('09:00:00'), Cause: 'x', StatusCode: 'Successful' },
      ],
    });
    const { starts, undated } = await terminationStarts(asg, 'engines', ['i-0aaa1111', 'i-0bbb2222'], noRetry);
    expect([...starts]).toEqual([['i-0aaa1111', t('10:00:00')]]);
    expect(undated).toEqual([]);
  });

  // Issue 13: an activity without StartTime was skipped without a word.
  it('skips a termination activity without StartTime (unknown) and names it', async () => {
    asg.on(DescribeScalingActivitiesCommand).resolves({
      Activities: [{ ActivityId: 'a3', AutoScalingGroupName: 'engines', Description: 'Terminating EC2 instance: i-0aaa1111', Cause: 'x', StatusCode: 'MidLifecycleAction' } as never],
    });
    const { starts, undated } = await terminationStarts(asg, 'engines', ['i-0aaa1111'], noRetry);
    expect(starts).toEqual(new Map());
    expect(undated).toEqual(['engines activity a3 for i-0aaa1111: StartTime must be present, got undefined']);
  });
});
