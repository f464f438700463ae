import { TerminateInstanceInAutoScalingGroupCommand } from '@aws-sdk/client-auto-scaling';
import { describe, expect, it } from 'vitest';
import { simStack } from '../../bench/stack.js';
import { validateConfig } from '../../lib/config/load.js';
import { MANAGED_TAG } from '../../lib/fleet/group-state.js';
import { SimCloud, scriptedTraffic, SimTelemetry } from '../../sim/index.js';

const START = new Date('2026-03-02T00:00:00Z');

function world(kubernetes: 'reachable' | 'unreachable' | 'none') {
  const cloud = new SimCloud({ start: START, seed: 2 });
  // The node group's Auto Scaling group is tagged managed, as docs/deploy.md requires: the
  // drain touches no group an operator has not tagged.
  const group = cloud.addNodegroup({ clusterName: 'speech', nodegroupName: 'gpu', minSize: 0, maxSize: 4, desiredCapacity: 2, traffic: scriptedTraffic((m) => (m === 1 ? [40, 40] : [])), tags: { [MANAGED_TAG]: 'true' } });
  const config = validateConfig(
    { version: 1, fleets: [{ name: 'k8s', target: { type: 'eks', clusterName: 'speech', nodegroupName: 'gpu' }, kinds: { stream: { capacity: 150 } }, minInstances: 1, maxInstances: 4, dryRun: false, drain: { gracePeriodSeconds: 1200 } }] },
    'test',
  );
  const telemetry = new SimTelemetry();
  const base = cloud.handlerDeps(config, { telemetry });
  const deps = {
    ...base,
    kubernetes:
      kubernetes === 'reachable' ? base.kubernetes
      : kubernetes === 'unreachable' ? async () => Promise.reject(new Error('connect ETIMEDOUT 10.0.0.1:443'))
      : undefined,
  };
  return { cloud, group, telemetry, stack: simStack(cloud, deps) };
}

describe('EKS drain when the cluster cannot be reached', () => {
  it.each([
    ['the API server does not answer', 'unreachable' as const, /ETIMEDOUT/],
    ['no Kubernetes access is configured', 'none' as const, /no Kubernetes access for cluster speech/],
  ])('%s: the node is only held, heartbeating, never cordoned or evicted by the controller, never signalled, never released before the grace', async (_name, mode, error) => {
    const w = world(mode);
    const victim = w.group.instances[0]!.id;
    await w.stack.run(
      15,
      [
        async () => {
          if (w.cloud.minute === 3) await w.cloud.ports.autoscaling.send(new TerminateInstanceInAutoScalingGroupCommand({ InstanceId: victim, ShouldDecrementDesiredCapacity: true }));
        },
        w.stack.drain,
      ],
      { lifecycleEvents: false },
    );
    // Terminating:Wait from 3; 15 minutes is inside the 20-minute grace and past the 300 s
    // hook timeout: only the heartbeats keep the instance.
    expect(w.cloud.instance(victim)?.lifecycleState).toBe('Terminating:Wait');
    expect(w.cloud.calls.get('autoscaling:RecordLifecycleActionHeartbeat') ?? 0).toBeGreaterThanOrEqual(11);
    expect(w.cloud.calls.get('autoscaling:CompleteLifecycleAction') ?? 0).toBe(0);
    // No call of the controller reached the cluster (EKS's own drain still cordons and evicts there).
    expect([...w.cloud.kubernetes.calls.keys()]).toEqual([]);
    expect(w.cloud.ssm.commands).toEqual([]);
    const decisions = w.telemetry.lines.filter((l) => l.message === 'drain decision' && l.fields?.instanceId === victim);
    expect(decisions.length).toBeGreaterThan(0);
    expect(decisions.every((l) => l.fields?.reason === 'KubernetesUnreadable' && l.fields?.outcome === 'Held')).toBe(true);
    expect(w.telemetry.lines.some((l) => l.message === 'drain fleet error' && error.test(String(l.fields?.error)))).toBe(true);
  });
});
