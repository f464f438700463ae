import { DescribeAutoScalingGroupsCommand } from '@aws-sdk/client-auto-scaling';
import { DescribeNodegroupCommand, TagResourceCommand } from '@aws-sdk/client-eks';
import { expect, it } from 'vitest';
import type { EksPort } from '../../lib/aws/ports.js';
import { loadConfigParameter } from '../../lib/config/load.js';
import type { AsgTarget, EksTarget } from '../../lib/config/schema.js';
import type { HandlerDeps } from '../../lib/runtime/deps.js';
import { applyApiDesired, applyDesired } from '../../lib/fleet/actuate.js';
import { LAST_SCALING_TAG, MANAGED_TAG, asgGroupState, describeGroups, describeNodegroup, eksGroupState, parseLastScaling } from '../../lib/fleet/group-state.js';
import { runScaleTick } from '../../lib/scaling/tick.js';
import { MemoryTelemetry } from '../../lib/telemetry.js';
import { describeMoto, noRetry, type MotoContext } from './harness.js';
import { ENGINE_NAMESPACE, createAsgFleet, createEksFleet, putConfigParameter, putEngineSamples, tagManaged, type EngineSample } from './fixtures.js';
import { countCalls } from '../../lib/aws/call-count.js';

const asg: AsgTarget = { type: 'asg', autoScalingGroupName: 'engine-a' };
const eks: EksTarget = { type: 'eks', clusterName: 'speech', nodegroupName: 'gpu-a' };
const NOW = new Date('2026-11-20T10:30:30.000Z');
const PERIOD_MS = 60_000;
const CONFIG_PARAMETER = '/gpu-fleet-scaler/config';

async function groupState(moto: MotoContext, target: AsgTarget) {
  const groups = await describeGroups(moto.ports.autoscaling, [target.autoScalingGroupName], noRetry);
  const group = groups.get(target.autoScalingGroupName);
  if (!group) throw new Error(`${target.autoScalingGroupName} not described`);
  return asgGroupState(target, group);
}

/** Every complete period of the `periods` before NOW, one sample per instance (scrape = period = 60 s). */
function steadyLoad(instanceIds: readonly string[], periods: number, stream: (instanceId: string) => number): EngineSample[] {
  const newest = Math.floor(NOW.getTime() / PERIOD_MS) * PERIOD_MS - PERIOD_MS;
  return Array.from({ length: periods }, (_, i) => new Date(newest - i * PERIOD_MS)).flatMap((at) =>
    instanceIds.map((instanceId) => ({ instanceId, at, active: { stream: stream(instanceId) } })),
  );
}

/** The EKS client with TagResource answered locally: moto 5.2.4 tags clusters only (README). */
function eksWithoutNodegroupTagging(eksPort: EksPort, tagged: TagResourceCommand['input'][]): EksPort {
  return {
    send: ((command: unknown) => {
      if (command instanceof TagResourceCommand) {
        tagged.push(command.input);
        return Promise.resolve({ $metadata: {} });
      }
      return eksPort.send(command as never);
    }) as EksPort['send'],
  };
}

describeMoto('scale adapters (lib/fleet/group-state.ts, actuate.ts) against moto', (moto) => {
  it('describeGroups batches names, skips unknown ones and reads instances and tags', async () => {
    const a = await createAsgFleet(moto.ports, { name: 'engine-a', desired: 2 });
    await createAsgFleet(moto.ports, { name: 'engine-b', desired: 1 });
    await tagManaged(moto.ports, 'engine-a');

    const aws = countCalls(moto.ports);
    const groups = await describeGroups(aws.ports.autoscaling, ['engine-a', 'engine-b', 'engine-a', 'engine-gone'], noRetry);

    expect(aws.calls()).toBe(1);
    expect([...groups.keys()].sort()).toEqual(['engine-a', 'engine-b']);
    const state = asgGroupState(asg, groups.get('engine-a')!);
    expect(state).toMatchObject({ desired: 2, min: 0, max: 10, busy: false, autoScalingGroupName: 'engine-a' });
    expect(state.tags[MANAGED_TAG]).toBe('true');
    expect(state.instances.map((i) => i.instanceId).sort()).toEqual([...a.instanceIds].sort());
    expect(state.instances.every((i) => i.lifecycleState === 'InService' && !i.protectedFromScaleIn)).toBe(true);
  });

  it('applyDesired up sets the desired capacity and records the scaling on the group, which the next describe parses back', async () => {
    await createAsgFleet(moto.ports, { name: 'engine-a', desired: 2 });

    const aws = countCalls(moto.ports);
    const result = await applyDesired(aws.ports, await groupState(moto, asg), 5, { engineNamespace: ENGINE_NAMESPACE, periodSeconds: 60, now: NOW, retry: noRetry });

    expect(result).toEqual({ desired: 5, victims: [] });
    expect(aws.calls()).toBe(2); // SetDesiredCapacity + CreateOrUpdateTags
    const after = await groupState(moto, asg);
    expect(after.desired).toBe(5);
    expect(after.instances).toHaveLength(5);
    expect(parseLastScaling(after.tags[LAST_SCALING_TAG])).toEqual({ at: NOW, direction: 'up' });
  });

  it('applyDesired down terminates the least busy instances, decrementing desired, and keeps the busy one', async () => {
    const fleet = await createAsgFleet(moto.ports, { name: 'engine-a', desired: 3 });
    const [busy, idle1, idle2] = fleet.instanceIds as [string, string, string];
    await putEngineSamples(moto.ports, asg, steadyLoad(fleet.instanceIds, 3, (id) => (id === busy ? 40 : id === idle1 ? 0 : 2)));

    const state = await groupState(moto, asg);
    const aws = countCalls(moto.ports);
    const result = await applyDesired(aws.ports, state, 1, { engineNamespace: ENGINE_NAMESPACE, periodSeconds: 60, now: NOW, retry: noRetry });

    expect([...result.victims].sort()).toEqual([idle1, idle2].sort());
    // ListMetrics (the victim read lists the Engine series itself) + GetMetricData + 2 x
    // TerminateInstanceInAutoScalingGroup + CreateOrUpdateTags; no SetDesiredCapacity (3 - 2 = 1 already)
    expect(aws.calls()).toBe(5);
    const after = await groupState(moto, asg);
    expect(after.desired).toBe(1);
    expect(after.instances.map((i) => i.instanceId)).toEqual([busy]);
    expect(parseLastScaling(after.tags[LAST_SCALING_TAG])?.direction).toBe('down');
  });

  it('applyApiDesired sets an API group\'s desired capacity with one call', async () => {
    await createAsgFleet(moto.ports, { name: 'api-a', desired: 1 });
    const target: AsgTarget = { type: 'asg', autoScalingGroupName: 'api-a' };

    const state = await groupState(moto, target);
    const aws = countCalls(moto.ports);
    await applyApiDesired(aws.ports, state, 2, noRetry);

    expect(aws.calls()).toBe(1);
    expect((await groupState(moto, target)).desired).toBe(2);
  });

  it('describeNodegroup reads an EKS fleet; applyDesired updates only desiredSize and tags the node group', async () => {
    await createEksFleet(moto.ports, { cluster: 'speech', nodegroup: 'gpu-a', desired: 2, min: 1, max: 8 });

    const nodegroup = await describeNodegroup(moto.ports.eks, eks, noRetry);
    expect(nodegroup).toMatchObject({ desired: 2, min: 1, max: 8, status: 'ACTIVE' });
    expect(nodegroup.nodegroupArn).toMatch(/^arn:aws:eks:.*:nodegroup\/speech\/gpu-a\//);
    const state = eksGroupState(eks, nodegroup, undefined);
    expect(state.busy).toBe(false);

    const tagged: TagResourceCommand['input'][] = [];
    const aws = countCalls({ ...moto.ports, eks: eksWithoutNodegroupTagging(moto.ports.eks, tagged) });
    await applyDesired(aws.ports, state, 4, { engineNamespace: ENGINE_NAMESPACE, periodSeconds: 60, now: NOW, retry: noRetry });

    expect(aws.calls()).toBe(2); // UpdateNodegroupConfig + TagResource
    const described = await moto.ports.eks.send(new DescribeNodegroupCommand(eks));
    expect(described.nodegroup?.scalingConfig).toEqual({ desiredSize: 4, minSize: 1, maxSize: 8 });
    expect(tagged).toEqual([{ resourceArn: nodegroup.nodegroupArn, tags: { [LAST_SCALING_TAG]: `${NOW.toISOString()} up` } }]);
  });

  it('applyApiDesired on an EKS API node group calls UpdateNodegroupConfig', async () => {
    await createEksFleet(moto.ports, { cluster: 'speech', nodegroup: 'api', desired: 1, max: 4 });
    const target: EksTarget = { type: 'eks', clusterName: 'speech', nodegroupName: 'api' };

    await applyApiDesired(moto.ports, eksGroupState(target, await describeNodegroup(moto.ports.eks, target, noRetry), undefined), 3, noRetry);

    expect((await describeNodegroup(moto.ports.eks, target, noRetry)).desired).toBe(3);
  });
});

describeMoto('runScaleTick: one scale tick, config from SSM, metrics from CloudWatch, actuation on Auto Scaling', (moto) => {
  function deps(telemetry = new MemoryTelemetry()): HandlerDeps {
    return {
      ports: moto.ports,
      telemetry,
      now: () => NOW,
      loadConfig: () => loadConfigParameter(moto.ports.ssm, CONFIG_PARAMETER, noRetry),
      retry: noRetry,
    };
  }

  const config = (dryRun: boolean) => `
version: 1
fleets:
  - name: nova-3
    target: { type: asg, autoScalingGroupName: engine-a }
    kinds: { stream: { capacity: 10 } }
    targetUtilization: 0.5
    minInstances: 1
    maxInstances: 8
    scaleUp: { stabilizationSeconds: 0, cooldownSeconds: 60, maxInstancesPerStep: 4, maxPercentPerStep: 100 }
    scaleDown: { stabilizationSeconds: 300, cooldownSeconds: 300, maxInstancesPerStep: 1, maxPercentPerStep: 10 }
    dryRun: ${dryRun}
`;

  it('scales a loaded fleet up from its CloudWatch metrics and records why', async () => {
    const fleet = await createAsgFleet(moto.ports, { name: 'engine-a', desired: 2 });
    await tagManaged(moto.ports, 'engine-a');
    await putConfigParameter(moto.ports, CONFIG_PARAMETER, config(false));
    // Lookback: ceil((300 + 180) / 60) + 1 = 9 periods; 2 instances x 12 streams = 24 streams.
    await putEngineSamples(moto.ports, asg, steadyLoad(fleet.instanceIds, 9, () => 12));

    const telemetry = new MemoryTelemetry();
    const result = await runScaleTick(deps(telemetry));

    // 24 streams / (10 x 0.5 per instance) = 4.8 -> 5 instances; step max(4, 100% of 2) allows +3.
    expect(result.fleets).toEqual([expect.objectContaining({ fleet: 'nova-3', applied: true, dryRun: false, decision: expect.objectContaining({ desired: 5 }) })]);
    const after = await moto.ports.autoscaling.send(new DescribeAutoScalingGroupsCommand({ AutoScalingGroupNames: ['engine-a'] }));
    expect(after.AutoScalingGroups?.[0]?.DesiredCapacity).toBe(5);
    expect(telemetry.lines.find((l) => l.message === 'fleet decision')?.fields).toMatchObject({ fleet: 'nova-3', desired: 5, applied: true });
  });

  it('in dry-run decides the same and changes nothing', async () => {
    const fleet = await createAsgFleet(moto.ports, { name: 'engine-a', desired: 2 });
    await tagManaged(moto.ports, 'engine-a');
    await putConfigParameter(moto.ports, CONFIG_PARAMETER, config(true));
    await putEngineSamples(moto.ports, asg, steadyLoad(fleet.instanceIds, 9, () => 12));

    const result = await runScaleTick(deps());

    expect(result.fleets[0]).toMatchObject({ applied: false, dryRun: true, decision: { desired: 5 } });
    const after = await moto.ports.autoscaling.send(new DescribeAutoScalingGroupsCommand({ AutoScalingGroupNames: ['engine-a'] }));
    expect(after.AutoScalingGroups?.[0]?.DesiredCapacity).toBe(2);
  });

  it('scales an idle fleet in by one step, terminating the idlest instance', async () => {
    const fleet = await createAsgFleet(moto.ports, { name: 'engine-a', desired: 3 });
    await tagManaged(moto.ports, 'engine-a');
    await putConfigParameter(moto.ports, CONFIG_PARAMETER, config(false));
    const [a, b, c] = fleet.instanceIds as [string, string, string];
    // 1 + 2 + 0 = 3 streams: 3 / 5 = 0.6 -> 1 instance wanted; the step allows -1.
    await putEngineSamples(moto.ports, asg, steadyLoad(fleet.instanceIds, 9, (id) => (id === a ? 1 : id === b ? 2 : 0)));

    const result = await runScaleTick(deps());

    expect(result.fleets[0]).toMatchObject({ applied: true, decision: { desired: 2 }, victims: [c] });
    const after = await moto.ports.autoscaling.send(new DescribeAutoScalingGroupsCommand({ AutoScalingGroupNames: ['engine-a'] }));
    expect(after.AutoScalingGroups?.[0]?.DesiredCapacity).toBe(2);
    expect(after.AutoScalingGroups?.[0]?.Instances?.map((i) => i.InstanceId).sort()).toEqual([a, b].sort());
  });

  it('scales an EKS node group up: DescribeNodegroup, UpdateNodegroupConfig', async () => {
    await createEksFleet(moto.ports, { cluster: 'speech', nodegroup: 'gpu-a', desired: 2, min: 1, max: 8, tags: { [MANAGED_TAG]: 'true' } });
    // moto names the node group's Auto Scaling group without creating it; EKS always does, and
    // the scaler holds a fleet whose instances it cannot read, so the test creates it.
    const backing = (await describeNodegroup(moto.ports.eks, eks, noRetry)).autoScalingGroupName as string;
    const nodes = await createAsgFleet(moto.ports, { name: backing, desired: 2 });
    await putConfigParameter(
      moto.ports,
      CONFIG_PARAMETER,
      config(false).replace('target: { type: asg, autoScalingGroupName: engine-a }', 'target: { type: eks, clusterName: speech, nodegroupName: gpu-a }').replace('minInstances: 1', 'minInstances: 5'),
    );
    await putEngineSamples(moto.ports, eks, steadyLoad(nodes.instanceIds, 9, () => 1));
    const tagged: TagResourceCommand['input'][] = [];

    const result = await runScaleTick({ ...deps(), ports: { ...moto.ports, eks: eksWithoutNodegroupTagging(moto.ports.eks, tagged) } });

    // 1 + 1 = 2 streams need ceil(2 / (5 x 0.7)) = 1 node; the fleet's minimum of 5 makes the move.
    expect(result.fleets[0]).toMatchObject({ fleet: 'nova-3', applied: true, decision: { desired: 5, reason: 'BelowMin' } });
    expect((await describeNodegroup(moto.ports.eks, eks, noRetry)).desired).toBe(5);
    expect(tagged.map((t) => t.tags)).toEqual([{ [LAST_SCALING_TAG]: `${NOW.toISOString()} up` }]);
  });

  it('leaves a group that is not tagged managed alone and reports why', async () => {
    const fleet = await createAsgFleet(moto.ports, { name: 'engine-a', desired: 2 });
    await putConfigParameter(moto.ports, CONFIG_PARAMETER, config(false));
    await putEngineSamples(moto.ports, asg, steadyLoad(fleet.instanceIds, 9, () => 12));

    const result = await runScaleTick(deps());

    expect(result.fleets[0]).toMatchObject({ applied: false, error: expect.stringContaining(`not tagged ${MANAGED_TAG}=true`) });
    const after = await moto.ports.autoscaling.send(new DescribeAutoScalingGroupsCommand({ AutoScalingGroupNames: ['engine-a'] }));
    expect(after.AutoScalingGroups?.[0]?.DesiredCapacity).toBe(2);
  });
});
