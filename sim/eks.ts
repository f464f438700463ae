import {
  DescribeNodegroupCommand,
  DescribeUpdateCommand,
  ListNodegroupsCommand,
  TagResourceCommand,
  UntagResourceCommand,
  UpdateNodegroupConfigCommand,
  UpdateNodegroupVersionCommand,
  type Nodegroup,
  type Update,
} from '@aws-sdk/client-eks';
import type { SimClock } from './clock.js';
import { awsError, metadata, SimulationError } from './errors.js';
import type { AutoScalingGroups, GroupOptions } from './groups.js';
import { ACCOUNT_ID, type SimGroupState } from './model.js';
import { operation, type SimOperation } from './port.js';
import type { IdFactory } from './random.js';
import type { InstanceRefreshes } from './instance-refresh.js';
import { CLUSTER_DIMENSION, NODEGROUP_DIMENSION } from '../lib/fleet/engine-metrics.js';

export interface NodegroupOptions extends Omit<GroupOptions, 'name' | 'fleetDimensions' | 'eks'> {
  clusterName: string;
  nodegroupName: string;
}

interface SimUpdate {
  id: string;
  type: 'ConfigUpdate' | 'VersionUpdate';
  createdMs: number;
  applyMinute: number;
  status: 'InProgress' | 'Successful' | 'Failed';
  scaling: { minSize: number; maxSize: number; desiredSize: number };
  params: Array<{ type: string; value: string }>;
  /** A version update rolls the nodes through an instance refresh of the backing group. */
  refreshId?: string;
  version?: string;
  releaseVersion?: string;
}

interface SimNodegroup {
  clusterName: string;
  nodegroupName: string;
  arn: string;
  createdMs: number;
  modifiedMs: number;
  group: SimGroupState;
  tags: Record<string, string>;
  updates: SimUpdate[];
  version: string;
  releaseVersion: string;
}

function notFound(name: string | undefined): Error {
  return awsError('eks', 'ResourceNotFoundException', `No node group found for name: ${String(name)}.`);
}

/**
 * EKS managed node groups, each backed by an Auto Scaling group (as in EKS) whose
 * instances run the same Engine physics; the Engine metrics name the fleet by
 * ClusterName and NodegroupName. A config update applies at the next minute.
 */
export class SimEks {
  readonly nodegroups = new Map<string, SimNodegroup>();

  constructor(
    private readonly groups: AutoScalingGroups,
    private readonly clock: SimClock,
    private readonly ids: IdFactory,
    private readonly region: string,
    private readonly refreshes: InstanceRefreshes,
  ) {}

  create(options: NodegroupOptions): SimGroupState {
    const { clusterName, nodegroupName, ...rest } = options;
    const key = `${clusterName}/${nodegroupName}`;
    if (this.nodegroups.has(key)) throw awsError('eks', 'ResourceInUseException', `NodeGroup already exists with name ${nodegroupName} and cluster name ${clusterName}`);
    const uuid = this.ids.uuid();
    const group = this.groups.create({
      ...rest,
      name: `eks-${nodegroupName}-${uuid}`,
      fleetDimensions: { [CLUSTER_DIMENSION]: clusterName, [NODEGROUP_DIMENSION]: nodegroupName },
      eks: { clusterName, nodegroupName },
      tags: { 'eks:cluster-name': clusterName, 'eks:nodegroup-name': nodegroupName, [`k8s.io/cluster-autoscaler/${clusterName}`]: 'owned', ...(rest.tags ?? {}) },
    });
    this.nodegroups.set(key, {
      clusterName,
      nodegroupName,
      arn: `arn:aws:eks:${this.region}:${ACCOUNT_ID}:nodegroup/${clusterName}/${nodegroupName}/${uuid}`,
      createdMs: this.clock.nowMs(),
      modifiedMs: this.clock.nowMs(),
      group,
      tags: {},
      updates: [],
      version: '1.31',
      releaseVersion: '1.31.0-20260101',
    });
    return group;
  }

  require(clusterName: string | undefined, nodegroupName: string | undefined): SimNodegroup {
    const ng = this.nodegroups.get(`${clusterName}/${nodegroupName}`);
    if (!ng) throw notFound(nodegroupName);
    return ng;
  }

  tick(): void {
    for (const ng of this.nodegroups.values()) {
      for (const update of ng.updates) {
        if (update.status !== 'InProgress' || this.clock.minute < update.applyMinute) continue;
        if (update.type === 'VersionUpdate') {
          this.progressVersion(ng, update);
          continue;
        }
        const group = ng.group;
        group.minSize = update.scaling.minSize;
        group.maxSize = update.scaling.maxSize;
        if (group.desired !== update.scaling.desiredSize) {
          this.groups.setDesired(group, update.scaling.desiredSize, `At ${new Date(this.clock.nowMs()).toISOString().replace(/\.\d{3}Z$/, 'Z')} a user request update of AutoScalingGroup constraints changing the desired capacity from ${group.desired} to ${update.scaling.desiredSize}.  `);
        }
        update.status = 'Successful';
        ng.modifiedMs = this.clock.nowMs();
      }
    }
  }

  updateConfig(ng: SimNodegroup, scaling: { minSize?: number; maxSize?: number; desiredSize?: number } | undefined, hasOtherChanges: boolean): SimUpdate {
    if (ng.updates.some((u) => u.status === 'InProgress')) {
      throw awsError('eks', 'ResourceInUseException', `Nodegroup ${ng.nodegroupName} is currently being updated; wait for update ${ng.updates.find((u) => u.status === 'InProgress')?.id} to finish`);
    }
    if (!scaling && !hasOtherChanges) throw awsError('eks', 'InvalidParameterException', 'No changes needed');
    const current = this.scalingConfig(ng);
    const next = { minSize: scaling?.minSize ?? current.minSize, maxSize: scaling?.maxSize ?? current.maxSize, desiredSize: scaling?.desiredSize ?? current.desiredSize };
    for (const [field, value] of Object.entries(next)) {
      if (!Number.isInteger(value) || value < 0) throw awsError('eks', 'InvalidParameterException', `scalingConfig.${field} must be a whole number >= 0, got ${value}`);
    }
    if (next.maxSize < 1) throw awsError('eks', 'InvalidParameterException', `Maximum capacity ${next.maxSize} must be at least 1`);
    if (next.minSize > next.maxSize) throw awsError('eks', 'InvalidParameterException', `Minimum capacity ${next.minSize} can't be greater than maximum capacity ${next.maxSize}`);
    if (next.desiredSize > next.maxSize) throw awsError('eks', 'InvalidParameterException', `Desired capacity ${next.desiredSize} can't be greater than max size ${next.maxSize}`);
    if (next.desiredSize < next.minSize) throw awsError('eks', 'InvalidParameterException', `Desired capacity ${next.desiredSize} can't be lower than min size ${next.minSize}`);
    const params = [
      ...(scaling?.minSize !== undefined ? [{ type: 'MinSize', value: String(next.minSize) }] : []),
      ...(scaling?.maxSize !== undefined ? [{ type: 'MaxSize', value: String(next.maxSize) }] : []),
      ...(scaling?.desiredSize !== undefined ? [{ type: 'DesiredSize', value: String(next.desiredSize) }] : []),
    ];
    const update: SimUpdate = { id: this.ids.uuid(), type: 'ConfigUpdate', createdMs: this.clock.nowMs(), applyMinute: this.clock.minute + 1, status: 'InProgress', scaling: next, params };
    ng.updates.push(update);
    return update;
  }

  /**
   * A version update as EKS runs it: new nodes come up before old ones go (surge), old
   * ones leave through the backing group's termination hooks. Modelled as an instance
   * refresh with MinHealthyPercentage 100, MaxHealthyPercentage 200 and the boot time as
   * warm-up; the update fails if that refresh is cancelled.
   */
  updateVersion(ng: SimNodegroup, version: string | undefined, releaseVersion: string | undefined): SimUpdate {
    if (ng.updates.some((u) => u.status === 'InProgress')) {
      throw awsError('eks', 'ResourceInUseException', `Nodegroup ${ng.nodegroupName} is currently being updated; wait for update ${ng.updates.find((u) => u.status === 'InProgress')?.id} to finish`);
    }
    const nextRelease = releaseVersion ?? `${version ?? ng.version}.0-${this.clock.now().toISOString().slice(0, 10).replace(/-/g, '')}`;
    const refresh = this.refreshes.start({
      AutoScalingGroupName: ng.group.name,
      Strategy: 'Rolling',
      DesiredConfiguration: { LaunchTemplate: { LaunchTemplateName: ng.group.launchTemplate.LaunchTemplateName, Version: nextRelease } },
      Preferences: { MinHealthyPercentage: 100, MaxHealthyPercentage: 200, InstanceWarmup: ng.group.bootMinutes * 60, SkipMatching: false },
    });
    const update: SimUpdate = {
      id: this.ids.uuid(),
      type: 'VersionUpdate',
      createdMs: this.clock.nowMs(),
      applyMinute: this.clock.minute,
      status: 'InProgress',
      scaling: this.scalingConfig(ng),
      params: [
        { type: 'Version', value: version ?? ng.version },
        { type: 'ReleaseVersion', value: nextRelease },
      ],
      refreshId: refresh.id,
      version: version ?? ng.version,
      releaseVersion: nextRelease,
    };
    ng.updates.push(update);
    return update;
  }

  private progressVersion(ng: SimNodegroup, update: SimUpdate): void {
    const refresh = this.refreshes.refreshes.find((r) => r.id === update.refreshId);
    if (!refresh || refresh.status === 'Cancelled' || refresh.status === 'Failed') {
      update.status = 'Failed';
    } else if (refresh.status === 'Successful') {
      update.status = 'Successful';
      ng.version = update.version ?? ng.version;
      ng.releaseVersion = update.releaseVersion ?? ng.releaseVersion;
    } else return;
    ng.modifiedMs = this.clock.nowMs();
  }

  scalingConfig(ng: SimNodegroup): { minSize: number; maxSize: number; desiredSize: number } {
    return { minSize: ng.group.minSize, maxSize: ng.group.maxSize, desiredSize: ng.group.desired };
  }

  describe(ng: SimNodegroup): Nodegroup {
    return {
      nodegroupName: ng.nodegroupName,
      nodegroupArn: ng.arn,
      clusterName: ng.clusterName,
      version: ng.version,
      releaseVersion: ng.releaseVersion,
      createdAt: new Date(ng.createdMs),
      modifiedAt: new Date(ng.modifiedMs),
      status: ng.updates.some((u) => u.status === 'InProgress') ? 'UPDATING' : 'ACTIVE',
      capacityType: 'ON_DEMAND',
      scalingConfig: this.scalingConfig(ng),
      instanceTypes: ['g5.xlarge'],
      subnets: ['subnet-0sim'],
      amiType: 'AL2023_x86_64_NVIDIA',
      nodeRole: `arn:aws:iam::${ACCOUNT_ID}:role/${ng.clusterName}-node`,
      labels: {},
      resources: { autoScalingGroups: [{ name: ng.group.name }] },
      diskSize: 100,
      health: { issues: [] },
      updateConfig: { maxUnavailable: 1 },
      tags: { ...ng.tags },
    };
  }
}

function describeUpdate(u: SimUpdate): Update {
  return { id: u.id, status: u.status, type: u.type, params: u.params.map((p) => ({ type: p.type as never, value: p.value })), createdAt: new Date(u.createdMs), errors: [] };
}

export function eksOperations(eks: SimEks): SimOperation[] {
  return [
    operation(DescribeNodegroupCommand, 'DescribeNodegroup', (input) => ({ $metadata: metadata(), nodegroup: eks.describe(eks.require(input.clusterName, input.nodegroupName)) })),
    operation(ListNodegroupsCommand, 'ListNodegroups', (input) => {
      const names = [...eks.nodegroups.values()].filter((n) => n.clusterName === input.clusterName).map((n) => n.nodegroupName);
      if (names.length === 0) throw awsError('eks', 'ResourceNotFoundException', `No cluster found for name: ${String(input.clusterName)}.`);
      return { $metadata: metadata(), nodegroups: names };
    }),
    operation(UpdateNodegroupConfigCommand, 'UpdateNodegroupConfig', (input) => {
      const ng = eks.require(input.clusterName, input.nodegroupName);
      const update = eks.updateConfig(ng, input.scalingConfig, input.labels !== undefined || input.taints !== undefined || input.updateConfig !== undefined);
      return { $metadata: metadata(), update: describeUpdate(update) };
    }),
    operation(UpdateNodegroupVersionCommand, 'UpdateNodegroupVersion', (input) => {
      const ng = eks.require(input.clusterName, input.nodegroupName);
      if (input.launchTemplate !== undefined) throw new SimulationError('the simulated EKS does not model launch templates in UpdateNodegroupVersion; give version or releaseVersion');
      return { $metadata: metadata(), update: describeUpdate(eks.updateVersion(ng, input.version, input.releaseVersion)) };
    }),
    operation(DescribeUpdateCommand, 'DescribeUpdate', (input) => {
      const ng = eks.require(input.name, input.nodegroupName);
      const update = ng.updates.find((u) => u.id === input.updateId);
      if (!update) throw awsError('eks', 'ResourceNotFoundException', `No update found for ID: ${String(input.updateId)}`);
      return { $metadata: metadata(), update: describeUpdate(update) };
    }),
    operation(TagResourceCommand, 'TagResource', (input) => {
      const ng = [...eks.nodegroups.values()].find((n) => n.arn === input.resourceArn);
      if (!ng) throw awsError('eks', 'NotFoundException', `Resource ${String(input.resourceArn)} not found`);
      const tags = input.tags ?? {};
      if (Object.keys({ ...ng.tags, ...tags }).length > 50) throw awsError('eks', 'BadRequestException', 'A resource can have at most 50 tags');
      Object.assign(ng.tags, tags);
      return { $metadata: metadata() };
    }),
    operation(UntagResourceCommand, 'UntagResource', (input) => {
      const ng = [...eks.nodegroups.values()].find((n) => n.arn === input.resourceArn);
      if (!ng) throw awsError('eks', 'NotFoundException', `Resource ${String(input.resourceArn)} not found`);
      for (const key of input.tagKeys ?? []) delete ng.tags[key];
      return { $metadata: metadata() };
    }),
  ];
}
