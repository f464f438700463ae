import { configSchema, type ControllerConfig } from '../lib/config/schema.js';
import { MANAGED_TAG } from '../lib/fleet/group-state.js';
import { SimCloud } from '../sim/cloud.js';
import { simHandlerDeps } from '../sim/deps.js';
import { loadTraceTraffic } from '../sim/traffic.js';
import { FLEET_NAME, scenarioConfig, STANDARD_SCENARIO } from './scenario.js';
import { simStack } from './stack.js';

/**
 * The standard scenario's traffic on an EKS managed node group instead of an Auto Scaling
 * group: the simulated cluster (sim/kubernetes.ts) with the Engine Deployment on the node
 * group and an API Deployment at 1:4, the real scale, drain and redeploy handlers every
 * minute, a redeploy window at 03:00 UTC. Prints what docs/eks.md promises: the scale-ins
 * and the night's retirements, streams cut before the grace, evictions of nodes not yet
 * cordoned, Engines that took streams while their node was leaving, restarted Engines, and
 * the minutes the API count differed from ceil(Engines / 4).
 *
 *   npx tsx bench/eks-day.ts [days=1] [seed=1]
 */

export interface EksDayFigures {
  days: number;
  seed: number;
  arrivals: number;
  scaleInVictims: number;
  redeployRetired: number;
  releases: number;
  streamsCutBeforeGrace: number;
  streamsCutAtGrace: number;
  evictions: number;
  evictionsRefused: number;
  evictionsOnSchedulableNode: number;
  acceptedWhileLeaving: number;
  containerRestarts: number;
  minutes: number;
  /** Minutes (after the drain tick) where API replicas != max(1, ceil(staying / 4)). */
  apiMismatchMinutes: number;
  /** Minutes where Engine replicas != staying nodes + leaving nodes whose Engine is still un-evicted. */
  engineMismatchMinutes: number;
  ssmCommands: number;
  gpuHours: number;
}

const CLUSTER = 'speech';
const NODEGROUP = 'gpu';
const API_RATIO = 4;

export async function runEksDay(days = 1, seed = 1): Promise<EksDayFigures> {
  const options = { ...STANDARD_SCENARIO, days, seed, policy: 'reactive' as const };
  const traffic = loadTraceTraffic({ scale: options.scale, days, seed, meanMinutes: options.meanStreamMinutes, sdMinutes: options.sdStreamMinutes });
  const base = scenarioConfig(options);
  const fleet = base.fleets[0]!;
  const config: ControllerConfig = configSchema.parse({
    ...base,
    fleets: [
      {
        ...fleet,
        target: { type: 'eks', clusterName: CLUSTER, nodegroupName: NODEGROUP },
        kubernetes: { namespace: 'deepgram', engineDeployment: 'deepgram-engine', apiDeployment: 'deepgram-api', apiRatio: API_RATIO },
        redeploy: { enabled: true, schedule: 'cron(0 3 * * ? *)', timeZone: 'UTC', windowMinutes: 180, segmentSize: 2, busyUtilization: 0.5 },
      },
    ],
  });
  const cloud = new SimCloud({ start: traffic.start, seed });
  const group = cloud.addNodegroup({
    clusterName: CLUSTER,
    nodegroupName: NODEGROUP,
    minSize: options.min,
    maxSize: options.max,
    desiredCapacity: 4,
    capacity: options.capacity,
    bootMinutes: options.bootMinutes,
    traffic,
    tags: { [MANAGED_TAG]: 'true' },
    engineDeployment: { graceSeconds: options.graceMinutes * 60 + 60 },
  });
  cloud.eks.require(CLUSTER, NODEGROUP).tags[MANAGED_TAG] = 'true';
  const api = cloud.kubernetes.addApiDeployment(CLUSTER, 1);
  const engine = cloud.kubernetes.deployment(CLUSTER, 'deepgram', 'deepgram-engine')!;
  const deps = simHandlerDeps(cloud, config, { seed });
  const stack = simStack(cloud, deps);
  let scaleInVictims = 0;
  let redeployRetired = 0;
  let apiMismatchMinutes = 0;
  let engineMismatchMinutes = 0;
  await stack.drain(cloud.now());
  const { totals } = await stack.run(traffic.minutes, [
    async (now) => {
      const tick = await stack.scale(now);
      scaleInVictims += tick.fleets.find((f) => f.fleet === FLEET_NAME)?.victims?.length ?? 0;
    },
    stack.drain,
    async () => {
      // The schedule's event without its time: the handler then decides on its host clock.
      const result = await stack.redeploy({ source: 'gpu-fleet-scaler.redeploy-schedule' });
      for (const f of result.fleets) if (f.step?.kind === 'retire') redeployRetired += f.step.instanceIds?.length ?? 0;
    },
    async () => {
      const staying = group.instances.filter((i) => /^(Pending|InService)/.test(i.lifecycleState)).length;
      if (api.replicas !== Math.max(1, Math.ceil(staying / API_RATIO))) apiMismatchMinutes++;
      const held = group.instances.filter((i) => i.lifecycleState.startsWith('Terminating') && cloud.kubernetes.podsOf(engine).some((p) => p.nodeName === `${i.id}.ec2.internal` && p.deletionMinute === undefined)).length;
      if (engine.replicas !== staying + held) engineMismatchMinutes++;
    },
  ]);
  const graceMinutes = options.graceMinutes;
  let before = 0;
  let atGrace = 0;
  for (const release of cloud.history.releases) {
    const waited = release.waitMinute === undefined ? 0 : release.minute - release.waitMinute;
    // requestsCut counts every kind; the standard scenario has streams only.
    if (waited < graceMinutes) before += release.requestsCut;
    else atGrace += release.requestsCut;
  }
  const k8s = cloud.kubernetes.figures;
  return {
    days,
    seed,
    arrivals: totals.arrivals,
    scaleInVictims,
    redeployRetired,
    releases: cloud.history.releases.length,
    streamsCutBeforeGrace: before + totals.streamsCutByCause['pod-grace'],
    streamsCutAtGrace: atGrace,
    evictions: k8s.evictions,
    evictionsRefused: k8s.evictionsRefused,
    evictionsOnSchedulableNode: k8s.evictionsOnSchedulableNode,
    acceptedWhileLeaving: k8s.acceptedWhileLeaving,
    containerRestarts: k8s.containerRestarts,
    minutes: traffic.minutes,
    apiMismatchMinutes,
    engineMismatchMinutes,
    ssmCommands: cloud.ssm.commands.length,
    gpuHours: totals.gpuHours,
  };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const days = Number(process.argv[2] ?? '1');
  const seed = Number(process.argv[3] ?? '1');
  const figures = await runEksDay(days, seed);
  console.log(JSON.stringify(figures, null, 2));
}
