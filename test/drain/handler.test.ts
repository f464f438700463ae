import { TerminateInstanceInAutoScalingGroupCommand } from '@aws-sdk/client-auto-scaling';
import { describe, expect, it } from 'vitest';
import { createDrainHandler, DrainHandlerError, drainDepsFromEnv, type DrainHandlerDeps } from '../../functions/drain.js';
import { ConfigError, validateConfig } from '../../lib/config/load.js';
import { DrainEventError } from '../../lib/drain/event.js';
import { MANAGED_TAG } from '../../lib/fleet/group-state.js';
import { lambdaContext, scheduledEvent, SimCloud, SimTelemetry } from '../../sim/index.js';

const config = validateConfig(
  {
    version: 1,
    fleets: [{ name: 'speech', target: { type: 'asg', autoScalingGroupName: 'engines' }, kinds: { stream: { capacity: 150 } }, minInstances: 1, maxInstances: 4, dryRun: false }],
  },
  'test',
);

function setup(loadConfig?: DrainHandlerDeps['loadConfig']) {
  const cloud = new SimCloud({ start: new Date('2026-11-16T00:00:00Z'), seed: 2 });
  cloud.addAutoScalingGroup({ name: 'engines', minSize: 0, maxSize: 4, desiredCapacity: 1, tags: { [MANAGED_TAG]: 'true' } });
  const telemetry = new SimTelemetry();
  const base = cloud.handlerDeps(config, { telemetry });
  const deps: DrainHandlerDeps = {
    ...base,
    drainDocumentName: cloud.drainDocumentName,
    ...(loadConfig ? { loadConfig } : {}),
  };
  return { cloud, telemetry, handler: createDrainHandler(() => deps) };
}

const lifecycleEvent = (hook: string, instanceId = 'i-0123456789abcdef0', top: { account?: string; region?: string; group?: string } = {}) => ({
  version: '0',
  id: 'e-1',
  'detail-type': 'EC2 Instance-terminate Lifecycle Action',
  source: 'aws.autoscaling',
  account: top.account ?? '123456789012',
  time: '2026-11-16T00:00:00Z',
  region: top.region ?? 'us-east-1',
  resources: [],
  detail: { AutoScalingGroupName: top.group ?? 'engines', LifecycleHookName: hook, EC2InstanceId: instanceId, LifecycleTransition: 'autoscaling:EC2_INSTANCE_TERMINATING', LifecycleActionToken: 'tok' },
});

describe('the drain handler', () => {
  it('refuses a malformed event, naming the field, and calls nothing', async () => {
    const w = setup();
    const bad = { ...lifecycleEvent('gpu-fleet-scaler-drain'), detail: { ...lifecycleEvent('x').detail, EC2InstanceId: 'not-an-instance' } };
    await expect(w.handler(bad, lambdaContext('drain'))).rejects.toThrow(/detail\.EC2InstanceId: must be an EC2 instance id/);
    await expect(w.handler({ hello: 'world' }, lambdaContext('drain'))).rejects.toBeInstanceOf(DrainEventError);
    expect(w.cloud.callCount()).toBe(0);
  });

  it('a rejected configuration is counted, and draining instances are only held: nothing sent, nothing released', async () => {
    let bad = false;
    const w = setup(() => (bad ? Promise.reject(new ConfigError('test', [{ field: 'fleets[0].maxInstances', rule: 'must be at least 1', value: 0 }])) : Promise.resolve(config)));
    await w.handler(scheduledEvent(w.cloud.now()), lambdaContext('drain'));
    const victim = w.cloud.group('engines').instances[0]?.id as string;
    await w.cloud.ports.autoscaling.send(new TerminateInstanceInAutoScalingGroupCommand({ InstanceId: victim, ShouldDecrementDesiredCapacity: true }));
    bad = true;
    w.cloud.resetCalls();
    await expect(w.handler(scheduledEvent(w.cloud.now()), lambdaContext('drain'))).rejects.toBeInstanceOf(ConfigError);
    expect(Object.fromEntries(w.cloud.calls)).toEqual({ 'autoscaling:DescribeAutoScalingGroups': 1, 'autoscaling:RecordLifecycleActionHeartbeat': 1 });
    expect(w.telemetry.metricValues('ConfigInvalid', { Function: 'drain' })).toEqual([1]);
    expect(w.telemetry.lines.at(-1)?.fields).toMatchObject({ held: 1, notOurs: 0, errors: [] });
    // an hour of bad config: the instance is still there, held
    for (let m = 0; m < 60; m++) {
      w.cloud.step();
      await expect(w.handler(scheduledEvent(w.cloud.now()), lambdaContext('drain'))).rejects.toBeInstanceOf(ConfigError);
    }
    expect(w.cloud.instance(victim)?.lifecycleState).toBe('Terminating:Wait');
  });

  it('ignores the event of another lifecycle hook', async () => {
    const w = setup();
    const result = await w.handler(lifecycleEvent('someone-elses-hook'), lambdaContext('drain'));
    expect(result).toEqual({ ignored: 'hook someone-elses-hook is not gpu-fleet-scaler-drain' });
    expect(w.cloud.callCount()).toBe(0);
  });

  it.each([
    ['another account', { account: '210987654321' }, "account 210987654321 is not this Lambda's (123456789012)"],
    ['another region', { region: 'eu-west-1' }, "region eu-west-1 is not this Lambda's (us-east-1)"],
    ['a group no fleet of the document names', { group: 'someone-elses-asg' }, 'group someone-elses-asg belongs to no fleet of the document'],
  ])('ignores the event of %s, logs it, and acts on no fleet', async (_name, top, why) => {
    const w = setup();
    const result = await w.handler(lifecycleEvent('gpu-fleet-scaler-drain', 'i-0123456789abcdef0', top), lambdaContext('drain'));
    expect(result).toEqual({ ignored: why });
    expect(w.cloud.callCount()).toBe(0);
    expect(w.telemetry.lines.some((l) => /ignored/.test(l.message))).toBe(true);
  });

  it('refuses, in code, a group without the managed tag: no hook put, nothing sent, held or released', async () => {
    const cloud = new SimCloud({ start: new Date('2026-11-16T00:00:00Z'), seed: 2 });
    cloud.addAutoScalingGroup({ name: 'engines', minSize: 0, maxSize: 4, desiredCapacity: 1 });
    const telemetry = new SimTelemetry();
    const handler = createDrainHandler(() => ({ ...cloud.handlerDeps(config, { telemetry }), drainDocumentName: cloud.drainDocumentName }));
    const result = await handler(scheduledEvent(cloud.now()), lambdaContext('drain'));
    expect(result).toMatchObject({ fleets: [{ fleet: 'speech', draining: 0, hooks: {}, errors: [expect.stringMatching(/engines is not tagged gpu-fleet-scaler:managed=true/)] }] });
    expect([...cloud.calls.keys()].filter((c) => !/Describe/.test(c))).toEqual([]);
  });

  it('while the SSM command history cannot be read, only holds: no command sent, nothing released', async () => {
    const w = setup();
    await w.handler(scheduledEvent(w.cloud.now()), lambdaContext('drain'));
    const victim = w.cloud.group('engines').instances[0]?.id as string;
    await w.cloud.ports.autoscaling.send(new TerminateInstanceInAutoScalingGroupCommand({ InstanceId: victim, ShouldDecrementDesiredCapacity: true }));
    w.cloud.faults.add({ operation: 'ssm:ListCommandInvocations', error: 'AccessDeniedException' });
    w.cloud.resetCalls();
    w.cloud.step();
    await w.handler(scheduledEvent(w.cloud.now()), lambdaContext('drain'));
    expect(w.cloud.calls.get('ssm:SendCommand')).toBeUndefined();
    expect(w.cloud.calls.get('autoscaling:CompleteLifecycleAction')).toBeUndefined();
    expect(w.cloud.calls.get('autoscaling:RecordLifecycleActionHeartbeat')).toBe(1);
    expect(w.telemetry.lines.find((l) => l.message === 'drain decision')?.fields).toMatchObject({ reason: 'HistoryUnreadable', outcome: 'Held' });
    expect(w.telemetry.metricValues('DrainErrors', { Fleet: 'speech' }).at(-1)).toBe(1);
  });
});

describe('drainDepsFromEnv', () => {
  it.each([
    { name: 'no document name', env: {}, message: /DRAIN_DOCUMENT_NAME must name the drain SSM document/ },
    { name: 'a document name with a shell character', env: { DRAIN_DOCUMENT_NAME: 'drain;rm' }, message: /got "drain;rm"/ },
    { name: 'a hook name with a space', env: { DRAIN_DOCUMENT_NAME: 'drain', DRAIN_HOOK_NAME: 'a b' }, message: /DRAIN_HOOK_NAME must be a lifecycle hook name/ },
  ])('refuses $name', ({ env, message }) => {
    let thrown: unknown;
    try {
      drainDepsFromEnv(env);
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(DrainHandlerError);
    expect((thrown as Error).message).toMatch(message);
  });
});
