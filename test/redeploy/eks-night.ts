import { createDrainHandler } from '../../functions/drain.js';
import { createRedeployHandler } from '../../functions/redeploy.js';
import { createScaleHandler } from '../../functions/scale.js';
import { validateConfig } from '../../lib/config/load.js';
import type { ConfigInput } from '../../lib/config/schema.js';
import { parseMarker, REDEPLOY_TAG, type RedeployMarker } from '../../lib/redeploy/marker.js';
import type { RedeployTickResult } from '../../lib/redeploy/reconcile.js';
import { MANAGED_TAG } from '../../lib/scaling/fleet-state.js';
import type { TickResult } from '../../lib/scaling/tick.js';
import { simEc2Port } from '../../lib/sim/ec2.js';
import { SimCloud, lambdaContext, runSimulation, scheduledEvent, simHandlerDeps, syntheticTraffic, type MinuteRecord } from '../../lib/sim/index.js';
import { MemoryTelemetry } from '../../lib/telemetry.js';
import { NIGHT_START, type NightOptions } from './night.js';

export { WINDOW_OPENS_AT_MINUTE } from './night.js';

export interface EksNightOptions extends NightOptions {
  /** The node group's maxSize (default 100). */
  nodegroupMax?: number;
  dryRun?: boolean;
}
export const CLUSTER = 'speech';
export const NODEGROUP = 'gpu';

/**
 * One Engine fleet on an EKS managed node group of the simulated cloud, run by the three
 * real handlers every minute (scale, drain, redeploy), as night.ts does for an Auto
 * Scaling group. The node group and its backing Auto Scaling group are both tagged
 * managed. Capacity 150 streams per node, 8 minutes to boot, warm-up 600 s.
 */
export function eksNight(options: EksNightOptions) {
  const seed = options.seed ?? 11;
  const cloud = new SimCloud({ start: NIGHT_START, seed });
  const group = cloud.addNodegroup({
    clusterName: CLUSTER,
    nodegroupName: NODEGROUP,
    minSize: 0,
    maxSize: options.nodegroupMax ?? 100,
    desiredCapacity: options.desired ?? 10,
    capacity: 150,
    bootMinutes: 8,
    traffic: syntheticTraffic({ rate: options.rate, seed }),
    tags: { [MANAGED_TAG]: 'true' },
  });
  const nodegroup = cloud.eks.require(CLUSTER, NODEGROUP);
  nodegroup.tags[MANAGED_TAG] = 'true';
  const document: ConfigInput = {
    version: 1,
    fleets: [
      {
        name: 'engine',
        target: { type: 'eks', clusterName: CLUSTER, nodegroupName: NODEGROUP },
        kinds: { stream: { capacity: 150 } },
        minInstances: options.minInstances ?? 10,
        maxInstances: options.maxInstances ?? 40,
        dryRun: false,
        redeploy: { enabled: true, schedule: 'cron(0 3 * * ? *)', timeZone: 'America/New_York', windowMinutes: 180, segmentSize: 2, busyUtilization: 0.5, ...options.redeploy },
      },
    ],
  };
  const config = validateConfig(document, 'eks-night');
  const deps = simHandlerDeps(cloud, config);
  const redeployTelemetry = new MemoryTelemetry();
  const scale = createScaleHandler(() => deps, () => ({}));
  const drain = createDrainHandler(() => ({ ...deps, drainDocumentName: cloud.drainDocumentName }));
  const redeploy = createRedeployHandler(() => ({ ...deps, telemetry: redeployTelemetry, forceDryRun: options.dryRun ?? false, ec2: simEc2Port(cloud) }));
  const initialIds = new Set(group.instances.map((i) => i.id));
  const scaleTicks: TickResult[] = [];
  const redeployTicks: RedeployTickResult[] = [];
  const records: MinuteRecord[] = [];
  const timeline: Array<{ minute: number; desired: number; rolling: boolean; live: number }> = [];

  const marker = (): RedeployMarker | undefined => parseMarker(nodegroup.tags[REDEPLOY_TAG]);

  async function run(minutes: number) {
    await runSimulation({
      cloud,
      minutes,
      everyMinute: [
        async (now) => void scaleTicks.push((await scale(scheduledEvent(now), lambdaContext('scale'))) as TickResult),
        async (now) => void (await drain(scheduledEvent(now), lambdaContext('drain'))),
        async () => void redeployTicks.push((await redeploy({ source: 'gpu-fleet-scaler.redeploy-schedule' }, lambdaContext('redeploy'))) as RedeployTickResult),
        async () => {
          timeline.push({ minute: cloud.minute, desired: group.desired, rolling: marker()?.phase === 'rolling', live: group.instances.filter((i) => !i.lifecycleState.startsWith('Terminating')).length });
        },
      ],
      onLifecycleEvent: async (event) => {
        if (event['detail-type'] === 'EC2 Instance-terminate Lifecycle Action') await drain(event, lambdaContext('drain'));
      },
      onMinute: (record) => records.push(record),
    });
  }

  const replacedInitial = () => [...initialIds].filter((id) => !group.instances.some((i) => i.id === id && !i.lifecycleState.startsWith('Terminating'))).length;
  const drainingInitial = () => group.instances.filter((i) => initialIds.has(i.id) && i.lifecycleState.startsWith('Terminating')).length;
  const lines = (message: string) => redeployTelemetry.lines.filter((l) => l.message === message);
  const redeployReasons = () => redeployTicks.map((t) => t.fleets[0]?.action?.reason);
  const stepReasons = () => redeployTicks.map((t) => t.fleets[0]?.step?.reason).filter((r) => r !== undefined);
  return { cloud, group, nodegroup, config, run, marker, replacedInitial, drainingInitial, records, timeline, scaleTicks, redeployTicks, redeployTelemetry, lines, redeployReasons, stepReasons };
}
