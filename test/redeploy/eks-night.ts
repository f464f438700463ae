import { validateConfig } from '../../lib/config/load.js';
import { REDEPLOY_TAG } from '../../lib/fleet/roll-marker.js';
import { MANAGED_TAG } from '../../lib/fleet/group-state.js';
import { SimCloud, syntheticTraffic } from '../../sim/index.js';
import { eksFleet, fleetDocument } from '../fleet-document.js';
import { NIGHT_START, nightFleet, runNight, type NightOptions } from './night.js';

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
  const fleet = eksFleet('engine', CLUSTER, NODEGROUP, {
    ...nightFleet({ ...options, scaleDown: undefined }),
    // New nodes get their Engine pods: the drain sets the Engine Deployment's replicas.
    kubernetes: { namespace: 'deepgram', engineDeployment: 'deepgram-engine' },
  });
  const config = validateConfig(fleetDocument([fleet]), 'eks-night');
  return { ...runNight(cloud, group, config, { markerTag: () => nodegroup.tags[REDEPLOY_TAG], forceDryRun: options.dryRun }), nodegroup };
}
