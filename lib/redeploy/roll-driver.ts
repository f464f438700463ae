import { describeError, type RetryPolicy } from '../aws/retry.js';
import type { ControllerPorts } from '../aws/ports.js';
import { MANAGED_TAG, type GroupState } from '../fleet/group-state.js';
import type { RedeployMarker } from '../fleet/roll-marker.js';
import type { RedeployAction } from './decide.js';
import { applyEksStep, writeNodegroupMarker, type EksObservation } from './eks-fleet.js';
import type { EksStep } from './eks-roll.js';
import { cancelRefresh, startRefresh, writeMarker } from './refresh.js';

type Action<K extends RedeployAction['kind']> = Extract<RedeployAction, { kind: K }>;

export class RollDriverError extends Error {
  override readonly name = 'RollDriverError';
}

/**
 * How a roll acts on one kind of fleet, so that reconcile.ts has one `act` and one settle
 * for both. An Auto Scaling group rolls by instance refresh (Auto Scaling replaces the
 * instances; the marker is a tag on the group); an EKS node group rolls in the
 * controller's own segments (eks-fleet.ts; the marker is a tag on the node group, where
 * the scaler reads it). Each method returns what it did, for the tick's record.
 */
export interface RollDriver {
  /** "Auto Scaling group x" or "EKS node group cluster/name", for errors. */
  readonly label: string;
  /** Where the fleet's desired count and tags live (the node group for EKS). */
  readonly group: GroupState;
  writeMarker(marker: RedeployMarker): Promise<void>;
  /** Begins tonight's roll: the marker first, so the scaler stops scaling in before the first surge instance exists. */
  start(action: Action<'start'>): Promise<string[]>;
  /** One tick of a running roll. */
  advance(action: Action<'wait'>): Promise<string[]>;
  stop(action: Action<'stop'>): Promise<string[]>;
}

export interface DriverDeps {
  ports: ControllerPorts;
  retry: RetryPolicy;
  now: () => Date;
}

export function asgRollDriver(deps: DriverDeps, group: GroupState, groupName: string): RollDriver {
  const { ports, retry } = deps;
  const write = async (marker: RedeployMarker) => {
    await writeMarker(ports.autoscaling, groupName, marker, retry);
  };
  return {
    label: `Auto Scaling group ${groupName}`,
    group,
    writeMarker: write,
    async start(action) {
      await write(action.marker);
      let started;
      try {
        started = await startRefresh(ports.autoscaling, groupName, action.plan, retry);
      } catch (error) {
        await write({ ...action.marker, phase: 'done', outcome: 'Failed', reason: 'StartFailed' });
        throw new RollDriverError(`StartInstanceRefresh for ${groupName} failed; marked tonight as failed: ${describeError(error)}`, { cause: error });
      }
      return [started.started ? `RefreshStarted:${started.id}` : 'AlreadyRolling'];
    },
    async advance(action) {
      if (!action.marker) return [];
      await write(action.marker);
      return ['ProgressRecorded'];
    },
    async stop() {
      const result = await cancelRefresh(ports.autoscaling, groupName, retry);
      return [result === 'Cancelling' ? 'RefreshCancelling' : 'RefreshAlreadyEnded'];
    },
  };
}

/**
 * The EKS roll: a stop is written into the marker (there is no refresh to cancel) and
 * settled as cancelled next tick; `step` is this tick's segment step (eks-roll.ts).
 */
export function eksRollDriver(deps: DriverDeps, eks: EksObservation, name: string, step: EksStep | undefined, observedMarker: RedeployMarker | undefined): RollDriver {
  const { ports, retry } = deps;
  const group = eks.group;
  const write = async (marker: RedeployMarker) => {
    await writeNodegroupMarker(ports.eks, group, marker, retry);
  };
  /** Whether the step did something (a deferred raise did not). */
  const runStep = async (marker: RedeployMarker, applied: string[]): Promise<boolean> => {
    if (!step || step.kind === 'hold') return false;
    const result = await applyEksStep(ports, eks, marker, step, deps.now(), retry);
    applied.push(...result.applied);
    return result.applied.length > 0 && !result.applied.includes('RaiseDeferred');
  };
  return {
    label: `EKS node group ${name}`,
    group,
    writeMarker: write,
    async start(action) {
      if (!eks.backingManaged) throw new RollDriverError(`Auto Scaling group ${eks.backingGroupName} of EKS node group ${name} is not tagged ${MANAGED_TAG}=true: the roll retires old nodes there, so it does not start`);
      await write(action.marker);
      const applied = ['RollMarked'];
      await runStep(action.marker, applied);
      return applied;
    },
    async advance(action) {
      const applied: string[] = [];
      const marker = action.marker ?? observedMarker;
      // A step writes the marker itself (with the progress in it); otherwise record progress alone.
      const stepped = marker ? await runStep(marker, applied) : false;
      if (!stepped && action.marker) {
        await write(action.marker);
        applied.push('ProgressRecorded');
      }
      return applied;
    },
    async stop(action) {
      if (!observedMarker) throw new RollDriverError(`EKS node group ${name}: a stop without a rolling marker`);
      await write({ ...observedMarker, stop: action.reason });
      return ['RollStopped'];
    },
  };
}
