import { CreateOrUpdateTagsCommand, DescribeLifecycleHooksCommand, TerminateInstanceInAutoScalingGroupCommand } from '@aws-sdk/client-auto-scaling';
import { ListCommandsCommand } from '@aws-sdk/client-ssm';
import { expect, it } from 'vitest';
import { validateConfig } from '../../lib/config/load.js';
import type { ConfigInput } from '../../lib/config/schema.js';
import { drainCommandComment, sendDrainCommand } from '../../lib/drain/commands.js';
import { resolveDrainGroups, terminationStarts } from '../../lib/drain/groups.js';
import { holdManagedDrains } from '../../lib/drain/hold.js';
import { DEFAULT_HOOK_NAME } from '../../lib/fleet/drain-hook.js';
import { ensureTerminationHook, hookSpecFor } from '../../lib/drain/hook.js';
import { runDrainTick } from '../../lib/drain/reconcile.js';
import type { HandlerDeps } from '../../lib/runtime/deps.js';
import { MANAGED_TAG } from '../../lib/fleet/group-state.js';
import { MemoryTelemetry } from '../../lib/telemetry.js';
import { describeMoto, noRetry, type MotoContext } from './harness.js';
import { DRAIN_DOCUMENT, createAsgFleet, createDrainDocument, createEksFleet, drainDocumentContent, tagManaged } from './fixtures.js';

const NOW = new Date('2026-11-20T10:30:30.000Z');

async function hooksOf(moto: MotoContext, groupName: string) {
  return (await moto.ports.autoscaling.send(new DescribeLifecycleHooksCommand({ AutoScalingGroupName: groupName }))).LifecycleHooks ?? [];
}

interface DocumentParameter {
  allowedPattern?: string;
  allowedValues?: string[];
}

/**
 * What real SSM checks on SendCommand and moto does not: every parameter is declared by the
 * document and each value satisfies its allowedValues and allowedPattern (else InvalidParameters).
 */
async function parameterProblems(parameters: Record<string, string[]>): Promise<string[]> {
  const declared = ((await drainDocumentContent()) as { parameters: Record<string, DocumentParameter> }).parameters;
  const problems: string[] = [];
  for (const [name, values] of Object.entries(parameters)) {
    const spec = declared[name];
    if (!spec) {
      problems.push(`${name}: not a parameter of the document`);
      continue;
    }
    for (const value of values) {
      if (spec.allowedValues && !spec.allowedValues.includes(value)) problems.push(`${name}: ${value} not in ${spec.allowedValues.join('|')}`);
      if (spec.allowedPattern && !new RegExp(spec.allowedPattern).test(value)) problems.push(`${name}: ${value} does not match ${spec.allowedPattern}`);
    }
  }
  return problems;
}

describeMoto('drain adapters (lib/drain) against moto', (moto) => {
  it('ensureTerminationHook creates the hook, then finds it unchanged, then updates it for a longer grace period', async () => {
    await createAsgFleet(moto.ports, { name: 'engine-a', desired: 1 });
    const oneHour = hookSpecFor(3600);
    const twoDays = hookSpecFor(172_800);

    const outcomes = [
      await ensureTerminationHook(moto.ports.autoscaling, 'engine-a', oneHour, noRetry),
      await ensureTerminationHook(moto.ports.autoscaling, 'engine-a', oneHour, noRetry),
      await ensureTerminationHook(moto.ports.autoscaling, 'engine-a', twoDays, noRetry),
    ];

    expect(outcomes).toEqual(['Created', 'Unchanged', 'Updated']);
    expect(await hooksOf(moto, 'engine-a')).toEqual([
      expect.objectContaining({
        LifecycleHookName: DEFAULT_HOOK_NAME,
        LifecycleTransition: 'autoscaling:EC2_INSTANCE_TERMINATING',
        // the grace, capped at Auto Scaling's 7200 s; 100 x 7200 s covers the grace period
        HeartbeatTimeout: 7200,
        DefaultResult: 'CONTINUE',
      }),
    ]);
  });

  it('sendDrainCommand sends the deployed drain document with parameters the document declares and allows', async () => {
    const fleet = await createAsgFleet(moto.ports, { name: 'engine-a', desired: 1 });
    await createDrainDocument(moto.ports);
    const instanceId = fleet.instanceIds[0] as string;

    const commandId = await sendDrainCommand(moto.ports.ssm, {
      documentName: DRAIN_DOCUMENT,
      instanceId,
      containerNamePattern: 'deepgram',
      runtime: 'auto',
      waitSeconds: 3600,
      deliveryTimeoutSeconds: 300,
      retry: noRetry,
    });

    const listed = await moto.ports.ssm.send(new ListCommandsCommand({ CommandId: commandId }));
    const command = listed.Commands?.[0];
    expect(command).toMatchObject({ DocumentName: DRAIN_DOCUMENT, InstanceIds: [instanceId], Comment: drainCommandComment(instanceId), TimeoutSeconds: 300 });
    // executionTimeout: 3600 s wait + 300 s margin
    expect(command?.Parameters).toEqual({ containerNamePattern: ['deepgram'], runtime: ['auto'], waitSeconds: ['3600'], executionTimeout: ['3900'] });
    expect(await parameterProblems(command?.Parameters ?? {})).toEqual([]);
  });

  it('the document check above refuses what real SSM would: an undeclared parameter and a value outside allowedValues', async () => {
    expect(await parameterProblems({ containerNamePatern: ['deepgram'], runtime: ['podman'] })).toEqual([
      'containerNamePatern: not a parameter of the document',
      'runtime: podman not in auto|docker|containerd',
      'runtime: podman does not match ^(auto|docker|containerd)$',
    ]);
  });

  it('resolveDrainGroups names the Engine and API groups of an EC2 fleet, and the Auto Scaling group behind an EKS node group', async () => {
    await createEksFleet(moto.ports, { cluster: 'speech', nodegroup: 'gpu-a', desired: 1 });
    const config = validateConfig(
      {
        version: 1,
        fleets: [
          {
            name: 'ec2',
            target: { type: 'asg', autoScalingGroupName: 'engine-a' },
            api: { target: { type: 'asg', autoScalingGroupName: 'api-a' } },
            kinds: { stream: { capacity: 50 } },
            minInstances: 1,
            maxInstances: 4,
          },
          { name: 'k8s', target: { type: 'eks', clusterName: 'speech', nodegroupName: 'gpu-a' }, kinds: { batch: { capacity: 8 } }, minInstances: 1, maxInstances: 4 },
        ],
      } satisfies ConfigInput,
      'test',
    );

    const ec2 = await resolveDrainGroups(moto.ports.eks, config.fleets[0]!, noRetry);
    const k8s = await resolveDrainGroups(moto.ports.eks, config.fleets[1]!, noRetry);

    expect(ec2.map((g) => [g.groupName, g.role])).toEqual([
      ['engine-a', 'engine'],
      ['api-a', 'api'],
    ]);
    expect(k8s).toHaveLength(1);
    expect(k8s[0]).toMatchObject({ role: 'engine', groupName: expect.stringMatching(/\S/) });
  });

  it('terminationStarts sends a DescribeScalingActivities moto accepts (moto records no activities: README)', async () => {
    const fleet = await createAsgFleet(moto.ports, { name: 'engine-a', desired: 2 });
    await moto.ports.autoscaling.send(new TerminateInstanceInAutoScalingGroupCommand({ InstanceId: fleet.instanceIds[0], ShouldDecrementDesiredCapacity: true }));

    const { starts } = await terminationStarts(moto.ports.autoscaling, 'engine-a', fleet.instanceIds, noRetry);

    // The request shape is what this checks: moto answers no activities at all, so the
    // start real Auto Scaling would report ("Terminating EC2 instance: i-...") is absent.
    expect(starts).toEqual(new Map());
  });

  it('holdManagedDrains finds the managed groups by tag and, with nothing in Terminating:Wait on moto, heartbeats nothing', async () => {
    await createAsgFleet(moto.ports, { name: 'engine-a', desired: 2, terminateHook: true });
    await moto.ports.autoscaling.send(
      new CreateOrUpdateTagsCommand({ Tags: [{ ResourceId: 'engine-a', ResourceType: 'auto-scaling-group', Key: MANAGED_TAG, Value: 'true', PropagateAtLaunch: false }] }),
    );

    const held = await holdManagedDrains(moto.ports.autoscaling, DEFAULT_HOOK_NAME, noRetry);

    expect(held).toEqual({ held: 0, notOurs: 0, errors: [] });
  });

  it('runDrainTick puts the termination hook on the Engine and API groups once, and finds nothing to drain', async () => {
    await createAsgFleet(moto.ports, { name: 'engine-a', desired: 2 });
    await createAsgFleet(moto.ports, { name: 'api-a', desired: 1 });
    await tagManaged(moto.ports, 'engine-a');
    await tagManaged(moto.ports, 'api-a');
    const config = validateConfig(
      {
        version: 1,
        fleets: [
          {
            name: 'ec2',
            target: { type: 'asg', autoScalingGroupName: 'engine-a' },
            api: { target: { type: 'asg', autoScalingGroupName: 'api-a' } },
            kinds: { stream: { capacity: 50 } },
            minInstances: 1,
            maxInstances: 4,
            drain: { gracePeriodSeconds: 3600 },
            dryRun: false,
          },
        ],
      } satisfies ConfigInput,
      'test',
    );
    const deps: HandlerDeps = { ports: moto.ports, telemetry: new MemoryTelemetry(), now: () => NOW, loadConfig: () => Promise.resolve(config), retry: noRetry };

    const first = await runDrainTick(deps, config, { documentName: DRAIN_DOCUMENT, ensureHooks: true });
    const second = await runDrainTick(deps, config, { documentName: DRAIN_DOCUMENT, ensureHooks: true });

    expect(first.fleets[0]).toMatchObject({ fleet: 'ec2', draining: 0, errors: [], hooks: { 'engine-a': 'Created', 'api-a': 'Created' } });
    expect(second.fleets[0]).toMatchObject({ draining: 0, errors: [], hooks: { 'engine-a': 'Unchanged', 'api-a': 'Unchanged' } });
    for (const group of ['engine-a', 'api-a']) {
      expect((await hooksOf(moto, group)).map((h) => [h.LifecycleHookName, h.HeartbeatTimeout, h.DefaultResult])).toEqual([[DEFAULT_HOOK_NAME, 3600, 'CONTINUE']]); // the fleet's grace
    }
  });
});
