import { TerminateInstanceInAutoScalingGroupCommand } from '@aws-sdk/client-auto-scaling';
import { describe, expect, it } from 'vitest';
import { simStack } from '../../bench/stack.js';
import { validateConfig } from '../../lib/config/load.js';
import { MANAGED_TAG } from '../../lib/fleet/group-state.js';
import type { TickResult } from '../../lib/scaling/tick.js';
import { SimCloud, scriptedTraffic, syntheticTraffic, type MinuteRecord } from '../../sim/index.js';
import type { TrafficSource } from '../../sim/traffic.js';
import { eksFleet, fleetDocument } from '../fleet-document.js';

// An Engine fleet on an EKS managed node group of the simulated cloud, with its cluster's
// Engine Deployment (one Engine per node) and an API Deployment, run by the real scale and
// drain handlers every minute. In the simulated cluster traffic follows pod readiness (a
// Service), the kubelet restarts an exited container, evictions honour PDBs and EKS runs
// its own 5-minute drain beside ours (sim/kubernetes.ts).

const START = new Date('2026-03-02T00:00:00Z');
const CLUSTER = 'speech';
const NODEGROUP = 'gpu';

interface EksWorldOptions {
  traffic: TrafficSource;
  desired: number;
  graceSeconds: number;
  /** PDB over the Engine pods (undefined: none). */
  maxUnavailable?: number;
  scale?: boolean;
}

function eksWorld(options: EksWorldOptions) {
  const cloud = new SimCloud({ start: START, seed: 5 });
  const group = cloud.addNodegroup({
    clusterName: CLUSTER,
    nodegroupName: NODEGROUP,
    minSize: 0,
    maxSize: 20,
    desiredCapacity: options.desired,
    capacity: 150,
    bootMinutes: 8,
    traffic: options.traffic,
    tags: { [MANAGED_TAG]: 'true' },
    engineDeployment: { ...(options.maxUnavailable !== undefined ? { maxUnavailable: options.maxUnavailable } : {}), graceSeconds: options.graceSeconds + 60 },
  });
  cloud.eks.require(CLUSTER, NODEGROUP).tags[MANAGED_TAG] = 'true';
  const api = cloud.kubernetes.addApiDeployment(CLUSTER, 1);
  const fleet = eksFleet('speech', CLUSTER, NODEGROUP, {
    maxInstances: 20,
    dryRun: false,
    drain: { gracePeriodSeconds: options.graceSeconds },
    kubernetes: { namespace: 'deepgram', engineDeployment: 'deepgram-engine', apiDeployment: 'deepgram-api', apiRatio: 2 },
  });
  const stack = simStack(cloud, cloud.handlerDeps(validateConfig(fleetDocument([fleet]), 'eks-scenario')));
  const records: MinuteRecord[] = [];
  const ticks: TickResult[] = [];
  const engine = cloud.kubernetes.deployment(CLUSTER, 'deepgram', 'deepgram-engine')!;
  /** Per minute: nodes not leaving, Engine replicas, API replicas (after the minute's ticks). */
  const follow: Array<{ staying: number; engine: number; api: number }> = [];
  async function run(minutes: number, extra: Array<(now: Date) => Promise<void>> = []) {
    await stack.run(
      minutes,
      [
        ...extra,
        ...(options.scale === false ? [] : [async (now: Date) => void ticks.push(await stack.scale(now))]),
        stack.drain,
        async () => void follow.push({ staying: group.instances.filter((i) => /^(Pending|InService)/.test(i.lifecycleState)).length, engine: engine.replicas, api: api.replicas }),
      ],
      { onMinute: (record) => records.push(record) },
    );
  }
  return { cloud, group, api, engine, run, records, ticks, follow };
}

describe('EKS node groups drained the Kubernetes way (simulated cluster, real handlers)', () => {
  it('scale-ins pick least-loaded nodes, cordon before evicting, cut nothing before the grace, and API pods follow the Engines', async () => {
    // ~40 arrivals a minute of 4.5-minute streams, each held for whole minutes: ~200 active,
    // about 2 nodes at 70 % of 150 (210), so the fleet also adds a third node when the load
    // passes 2 x 105 x 1.05 = 220.5. The fleet starts at 6, so the scaler scales in through
    // its victims.
    const w = eksWorld({ traffic: syntheticTraffic({ rate: () => 40, seed: 3 }), desired: 6, graceSeconds: 1800 });
    await w.run(120);
    const victims = w.ticks.flatMap((t) => t.fleets.flatMap((f) => f.victims ?? []));
    expect(victims.length).toBeGreaterThanOrEqual(3);
    // Every scale-in leaves through its victims (TerminateInstanceInAutoScalingGroup, desired
    // decremented on the backing group), one victim per instance given back; the node group's
    // own desired size (UpdateNodegroupConfig) is only ever set to grow it.
    const applied = w.ticks.flatMap((t) => t.fleets.filter((f) => f.applied && f.decision !== undefined));
    const scaleIns = applied.filter((f) => f.decision!.desired < f.decision!.numbers.current);
    const scaleOuts = applied.filter((f) => f.decision!.desired > f.decision!.numbers.current);
    expect(scaleIns.length).toBeGreaterThanOrEqual(1);
    for (const f of scaleIns) expect(f.victims?.length).toBe(f.decision!.numbers.current - f.decision!.desired);
    expect(w.cloud.calls.get('eks:UpdateNodegroupConfig') ?? 0).toBe(scaleOuts.length);
    // Every victim went through the hook, cordoned, its pods evicted, never a container signal.
    expect(w.cloud.history.releases.map((r) => r.instanceId).sort()).toEqual([...victims].sort());
    expect(w.cloud.ssm.commands).toEqual([]);
    const k8s = w.cloud.kubernetes.figures;
    expect(k8s.evictions).toBeGreaterThanOrEqual(victims.length);
    expect(k8s.evictionsOnSchedulableNode).toBe(0);
    expect(k8s.acceptedWhileLeaving).toBe(0);
    expect(k8s.containerRestarts).toBe(0);
    // Nothing is cut before the grace: a release that cut anything came at the deadline
    // (wait + 30 minutes), through the drain's own completion, never a timeout or a pod kill.
    const cuts = w.cloud.totals().streamsCutByCause;
    expect({ hookTimeout: cuts['hook-timeout'], noHook: cuts['no-hook'], podGrace: cuts['pod-grace'] }).toEqual({ hookTimeout: 0, noHook: 0, podGrace: 0 });
    for (const release of w.cloud.history.releases) {
      if (release.requestsCut > 0) expect(release.minute - (release.waitMinute as number)).toBeGreaterThanOrEqual(30);
    }
    // Pods follow nodes: from the first tick on, one Engine replica per staying node
    // (while no victim's Engine is held) and ceil(staying / 2) API replicas.
    const last = w.follow.at(-1)!;
    expect(last.engine).toBe(last.staying);
    expect(last.api).toBe(Math.max(1, Math.ceil(last.staying / 2)));
    for (const f of w.follow) expect(f.api).toBe(Math.max(1, Math.ceil(f.staying / 2)));
  });

  it('a PodDisruptionBudget that refuses every eviction holds the hook, heartbeating, until the grace; only then is anything cut', async () => {
    // One 90-minute stream on each of two nodes; the budget allows no Engine to leave.
    const w = eksWorld({ traffic: scriptedTraffic((m) => (m === 1 ? [90, 90] : [])), desired: 2, graceSeconds: 1800, maxUnavailable: 0, scale: false });
    let victim = '';
    let goneAt: number | undefined;
    await w.run(45, [
      async () => {
        if (w.cloud.minute === 3) {
          victim = w.group.instances[0]!.id;
          await w.cloud.ports.autoscaling.send(new TerminateInstanceInAutoScalingGroupCommand({ InstanceId: victim, ShouldDecrementDesiredCapacity: true }));
        }
        if (victim && goneAt === undefined && !w.cloud.instance(victim)) goneAt = w.cloud.minute;
      },
    ]);
    const waited = w.cloud.history.releases.find((r) => r.instanceId === victim);
    // Terminating:Wait from minute 3; the drain's clock starts at the termination activity
    // (minute 3); 1800 s = 30 minutes later the grace is over: released at 33, gone by 34.
    expect(waited?.waitMinute).toBe(3);
    expect(waited?.minute).toBe(33);
    expect(goneAt).toBe(34);
    expect(w.cloud.kubernetes.figures.evictions).toBe(0);
    expect(w.cloud.kubernetes.figures.evictionsRefused).toBeGreaterThanOrEqual(30);
    // One heartbeat a tick from the first drain tick to the one before the release.
    expect(w.cloud.calls.get('autoscaling:RecordLifecycleActionHeartbeat') ?? 0).toBeGreaterThanOrEqual(29);
    // The stream the budget kept on the node is cut at the grace, and only then.
    expect(w.cloud.totals().streamsCutByCause['lifecycle-complete']).toBe(1);
    expect(waited?.requestsCut).toBe(1);
    // The Engine kept its replica while the budget held it: no serving Engine elsewhere was taken.
    expect(w.follow.slice(5, 30).every((f) => f.engine === 2)).toBe(true);
    expect(w.follow.at(-1)?.engine).toBe(1);
  });

  it('the simulated kubelet restarts an Engine SIGINTed behind its back, which then takes new streams (why the drain never signals containers on EKS)', async () => {
    // Control for the checks above: what the old SSM path did to an EKS node. The Engine
    // stops taking streams, empties, exits; restart policy Always brings it back serving.
    const w = eksWorld({ traffic: syntheticTraffic({ rate: () => 20, seed: 9 }), desired: 2, graceSeconds: 1800, scale: false });
    let signalled: { engine: { total: number; sigintMinute: number | undefined } } | undefined;
    let servedAfterRestart = false;
    await w.run(30, [
      async () => {
        if (w.cloud.minute === 3) {
          signalled = w.group.instances[0]!;
          w.group.instances[0]!.engine.sigint(w.cloud.minute);
        }
        if (signalled && w.cloud.kubernetes.figures.containerRestarts > 0 && signalled.engine.total > 0) servedAfterRestart = true;
      },
    ]);
    expect(w.cloud.kubernetes.figures.containerRestarts).toBe(1);
    expect(servedAfterRestart).toBe(true);
  });
});
