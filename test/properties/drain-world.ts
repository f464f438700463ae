import {
  CompleteLifecycleActionCommand,
  DescribeAutoScalingGroupsCommand,
  DescribeLifecycleHooksCommand,
  DescribeScalingActivitiesCommand,
  PutLifecycleHookCommand,
  RecordLifecycleActionHeartbeatCommand,
} from '@aws-sdk/client-auto-scaling';
import { GetMetricDataCommand, type MetricDataResult } from '@aws-sdk/client-cloudwatch';
import { ListCommandInvocationsCommand, SendCommandCommand, type CommandInvocation } from '@aws-sdk/client-ssm';
import type { AwsPorts } from '../../lib/aws/ports.js';
import type { RetryPolicy } from '../../lib/aws/retry.js';
import { CONTAINERS_EXITED_LINE } from '../../lib/drain/commands.js';
import { hookSpecFor } from '../../lib/drain/hook.js';
import { MANAGED_TAG } from '../../lib/fleet/group-state.js';
import { awsError } from '../../sim/index.js';

/**
 * A small, fully controlled stand-in for the four APIs one drain tick calls, for property
 * tests that generate what the real APIs would answer: per-minute Engine loads with gaps,
 * SSM agents that answer late or never, hooks that time out when not heartbeated. Time is
 * in milliseconds from T0; every write is logged with the world's time.
 */

export const T0 = new Date('2026-05-04T00:00:00Z');
export const GROUP = 'engines';
export const HOOK = 'gpu-fleet-scaler-drain';
export const DOCUMENT = 'gpu-fleet-scaler-drain';
const MINUTE = 60_000;

export type AgentBehaviour =
  /** Runs the script this many seconds after the request. */
  | { kind: 'prompt'; delaySeconds: number }
  /** Never picks the command up: SSM times it out after the delivery timeout. */
  | { kind: 'silent' }
  /** The first command fails before the SIGINT; later ones run promptly. */
  | { kind: 'fails-once' };

export interface InstanceScript {
  /** Seconds after T0 at which the group puts the instance in Terminating:Wait. */
  terminatingAt: number;
  /** Per-minute maximum of active requests before the SIGINT's minute (index = minute). */
  before: readonly number[];
  /** Requests that finish in each minute after the SIGINT's minute: the load never grows after a SIGINT. */
  finishing: readonly number[];
  /** Minutes whose datapoint never reaches CloudWatch. */
  dropped: readonly number[];
  agent: AgentBehaviour;
  /** The drain document reports the containers exited once the load is zero. */
  reportsExit: boolean;
}

interface Instance {
  id: string;
  script: InstanceScript;
  state: 'InService' | 'Terminating:Wait' | 'Gone';
  hookStart?: number;
  lastHeartbeat?: number;
}

interface Invocation {
  commandId: string;
  instanceId: string;
  requestedAt: number;
  /** When the script starts (undefined: never delivered). */
  startsAt?: number;
  failsBeforeSigint: boolean;
  deliveryTimeoutMs: number;
}

export interface Release {
  instanceId: string;
  at: number;
  /** Requests the instance still served when it was released. */
  cut: number;
  how: 'CompleteLifecycleAction' | 'HeartbeatTimeout' | 'GlobalTimeout';
}

export interface WriteCall {
  at: number;
  tick: number;
  operation: string;
  instanceId?: string;
}

export class DrainWorld {
  readonly instances: Instance[];
  readonly invocations: Invocation[] = [];
  readonly releases: Release[] = [];
  readonly writes: WriteCall[] = [];
  readonly heartbeatTimeoutMs: number;
  readonly globalTimeoutMs: number;
  nowMs = 0;
  tick = 0;
  /** Operations that fail with a 500 during the current tick. */
  failing = new Set<string>();

  constructor(
    scripts: InstanceScript[],
    readonly gracePeriodSeconds: number,
  ) {
    this.instances = scripts.map((script, i) => ({ id: `i-0000000000000${String(i).padStart(4, '0')}`, script, state: 'InService' }));
    const spec = hookSpecFor(gracePeriodSeconds, HOOK);
    this.heartbeatTimeoutMs = spec.heartbeatTimeoutSeconds * 1000;
    this.globalTimeoutMs = Math.min(100 * spec.heartbeatTimeoutSeconds, 172_800) * 1000;
  }

  /** Moves the clock: instances enter Terminating:Wait, and hooks nobody heartbeated time out. */
  advanceTo(ms: number): void {
    this.nowMs = ms;
    for (const instance of this.instances) {
      if (instance.state === 'InService' && instance.script.terminatingAt * 1000 <= ms) {
        instance.state = 'Terminating:Wait';
        instance.hookStart = instance.script.terminatingAt * 1000;
        instance.lastHeartbeat = instance.hookStart;
      }
      if (instance.state !== 'Terminating:Wait') continue;
      if (ms - (instance.lastHeartbeat as number) >= this.heartbeatTimeoutMs) this.release(instance, (instance.lastHeartbeat as number) + this.heartbeatTimeoutMs, 'HeartbeatTimeout');
      else if (ms - (instance.hookStart as number) >= this.globalTimeoutMs) this.release(instance, (instance.hookStart as number) + this.globalTimeoutMs, 'GlobalTimeout');
    }
  }

  /** When the Engine got its SIGINT: the first command the agent ran without failing, by now. */
  sigintOf(instance: Instance): number | undefined {
    let sigint: number | undefined;
    for (const i of this.invocations) {
      if (i.instanceId !== instance.id || i.failsBeforeSigint || i.startsAt === undefined || i.startsAt > this.nowMs) continue;
      sigint = sigint === undefined ? i.startsAt : Math.min(sigint, i.startsAt);
    }
    return sigint;
  }

  /** Requests the instance serves during the minute containing `ms`. */
  loadAt(instance: Instance, ms: number): number {
    const minute = Math.floor(ms / MINUTE);
    const { before, finishing } = instance.script;
    const at = (m: number) => before[m % before.length] ?? 0;
    const sigint = this.sigintOf(instance);
    if (sigint === undefined) return at(minute);
    const sigintMinute = Math.floor(sigint / MINUTE);
    if (minute <= sigintMinute) return at(minute);
    let load = at(sigintMinute);
    for (let m = sigintMinute + 1; m <= minute; m++) load = Math.max(0, load - (finishing[(m - sigintMinute - 1) % Math.max(1, finishing.length)] ?? 1));
    return load;
  }

  deadlineMs(instance: Instance): number | undefined {
    const first = this.invocations.find((i) => i.instanceId === instance.id);
    const start = first?.requestedAt ?? instance.hookStart;
    return start === undefined ? undefined : start + this.gracePeriodSeconds * 1000;
  }

  /** A datapoint measured wholly after the SIGINT, visible by `ms`, showing zero requests. */
  zeroSeenAfterSigint(instance: Instance, ms: number): boolean {
    const sigint = this.sigintOf(instance);
    if (sigint === undefined) return false;
    for (let m = Math.ceil(sigint / MINUTE); (m + 1) * MINUTE <= ms; m++) {
      if (!instance.script.dropped.includes(m) && this.loadAt(instance, m * MINUTE) === 0) return true;
    }
    return false;
  }

  byId(id: string | undefined): Instance | undefined {
    return this.instances.find((i) => i.id === id);
  }

  private release(instance: Instance, at: number, how: Release['how']): void {
    instance.state = 'Gone';
    this.releases.push({ instanceId: instance.id, at, cut: this.loadAt(instance, at), how });
  }

  private fail(service: 'autoscaling' | 'cloudwatch' | 'ssm', operation: string): void {
    if (this.failing.has(operation)) throw awsError(service, 'InternalFailure', `${operation}: injected`);
  }

  private write(operation: string, instanceId?: string): void {
    this.writes.push({ at: this.nowMs, tick: this.tick, operation, instanceId });
  }

  private statusOf(invocation: Invocation): { status: string; startedAt?: number; output: string; code?: number } {
    if (invocation.startsAt === undefined || invocation.startsAt > this.nowMs) {
      return { status: this.nowMs - invocation.requestedAt >= invocation.deliveryTimeoutMs ? 'TimedOut' : 'Pending', output: '' };
    }
    if (invocation.failsBeforeSigint) return { status: 'Failed', startedAt: invocation.startsAt, output: 'docker: not ready', code: 1 };
    const instance = this.byId(invocation.instanceId) as Instance;
    if (instance.script.reportsExit && this.loadAt(instance, this.nowMs) === 0) return { status: 'Success', startedAt: invocation.startsAt, output: `signalled\n${CONTAINERS_EXITED_LINE}\n`, code: 0 };
    return { status: 'InProgress', startedAt: invocation.startsAt, output: '' };
  }

  readonly ports: AwsPorts = {
    autoscaling: { send: (command: unknown) => this.autoscaling(command) } as AwsPorts['autoscaling'],
    cloudwatch: { send: (command: unknown) => this.cloudwatch(command) } as AwsPorts['cloudwatch'],
    ssm: { send: (command: unknown) => this.ssm(command) } as AwsPorts['ssm'],
    eks: { send: () => Promise.reject(new Error('eks is not part of this world')) } as AwsPorts['eks'],
    sns: { send: () => Promise.reject(new Error('sns is not part of this world')) } as AwsPorts['sns'],
  };

  private async autoscaling(command: unknown): Promise<unknown> {
    await Promise.resolve();
    if (command instanceof DescribeAutoScalingGroupsCommand) {
      this.fail('autoscaling', 'DescribeAutoScalingGroups');
      // Tagged managed, as a deployed group must be: the drain touches no other group.
      const instances = this.instances.filter((i) => i.state !== 'Gone').map((i) => ({ InstanceId: i.id, LifecycleState: i.state, HealthStatus: 'Healthy', ProtectedFromScaleIn: false }));
      return { AutoScalingGroups: [{ AutoScalingGroupName: GROUP, MinSize: 0, MaxSize: 10, DesiredCapacity: instances.length, Instances: instances, Tags: [{ Key: MANAGED_TAG, Value: 'true', ResourceId: GROUP, ResourceType: 'auto-scaling-group', PropagateAtLaunch: true }] }] };
    }
    if (command instanceof DescribeScalingActivitiesCommand) {
      this.fail('autoscaling', 'DescribeScalingActivities');
      return {
        Activities: this.instances
          .filter((i) => i.hookStart !== undefined)
          .map((i) => ({ Description: `Terminating EC2 instance: ${i.id}`, StartTime: new Date(T0.getTime() + (i.hookStart as number)) })),
      };
    }
    if (command instanceof DescribeLifecycleHooksCommand) {
      const spec = hookSpecFor(this.gracePeriodSeconds, HOOK);
      return { LifecycleHooks: [{ LifecycleHookName: HOOK, LifecycleTransition: 'autoscaling:EC2_INSTANCE_TERMINATING', HeartbeatTimeout: spec.heartbeatTimeoutSeconds, DefaultResult: 'CONTINUE' }] };
    }
    if (command instanceof PutLifecycleHookCommand) {
      this.write('PutLifecycleHook');
      return {};
    }
    if (command instanceof RecordLifecycleActionHeartbeatCommand) {
      this.fail('autoscaling', 'RecordLifecycleActionHeartbeat');
      const instance = this.byId(command.input.InstanceId);
      this.write('RecordLifecycleActionHeartbeat', command.input.InstanceId);
      if (instance?.state !== 'Terminating:Wait') throw awsError('autoscaling', 'ValidationError', `No active Lifecycle Action found with instance ID ${command.input.InstanceId}`);
      instance.lastHeartbeat = this.nowMs;
      return {};
    }
    if (command instanceof CompleteLifecycleActionCommand) {
      this.fail('autoscaling', 'CompleteLifecycleAction');
      const instance = this.byId(command.input.InstanceId);
      this.write('CompleteLifecycleAction', command.input.InstanceId);
      if (instance?.state !== 'Terminating:Wait') throw awsError('autoscaling', 'ValidationError', `No active Lifecycle Action found with instance ID ${command.input.InstanceId}`);
      this.release(instance, this.nowMs, 'CompleteLifecycleAction');
      return {};
    }
    throw new Error(`autoscaling: ${(command as object).constructor.name} is not part of this world`);
  }

  private async cloudwatch(command: unknown): Promise<unknown> {
    await Promise.resolve();
    if (!(command instanceof GetMetricDataCommand)) throw new Error(`cloudwatch: ${(command as object).constructor.name} is not part of this world`);
    this.fail('cloudwatch', 'GetMetricData');
    const start = (command.input.StartTime as Date).getTime() - T0.getTime();
    const end = (command.input.EndTime as Date).getTime() - T0.getTime();
    const results: MetricDataResult[] = (command.input.MetricDataQueries ?? []).map((query) => {
      const dimensions = query.MetricStat?.Metric?.Dimensions ?? [];
      const instance = this.byId(dimensions.find((d) => d.Name === 'InstanceId')?.Value);
      const kind = dimensions.find((d) => d.Name === 'kind')?.Value;
      const timestamps: Date[] = [];
      const values: number[] = [];
      if (instance && kind === 'stream') {
        for (let m = Math.floor((end - 1) / MINUTE); m * MINUTE >= start; m--) {
          if ((m + 1) * MINUTE > this.nowMs || m < 0 || instance.script.dropped.includes(m)) continue;
          timestamps.push(new Date(T0.getTime() + m * MINUTE));
          values.push(this.loadAt(instance, m * MINUTE));
        }
      }
      return { Id: query.Id, Label: query.Id, Timestamps: timestamps, Values: values, StatusCode: 'Complete' };
    });
    return { MetricDataResults: results };
  }

  private async ssm(command: unknown): Promise<unknown> {
    await Promise.resolve();
    if (command instanceof SendCommandCommand) {
      this.fail('ssm', 'SendCommand');
      const instanceId = command.input.InstanceIds?.[0] as string;
      this.write('SendCommand', instanceId);
      const instance = this.byId(instanceId);
      if (!instance || instance.state === 'Gone') throw awsError('ssm', 'InvalidInstanceId', 'Instances not in a valid state for account');
      const previous = this.invocations.filter((i) => i.instanceId === instanceId).length;
      const agent = instance.script.agent;
      const delayMs = agent.kind === 'prompt' ? agent.delaySeconds * 1000 : agent.kind === 'fails-once' ? 2000 : undefined;
      const commandId = `cmd-${this.invocations.length}`;
      this.invocations.push({
        commandId,
        instanceId,
        requestedAt: this.nowMs,
        ...(delayMs === undefined ? {} : { startsAt: this.nowMs + delayMs }),
        failsBeforeSigint: agent.kind === 'fails-once' && previous === 0,
        deliveryTimeoutMs: (command.input.TimeoutSeconds ?? 3600) * 1000,
      });
      return { Command: { CommandId: commandId } };
    }
    if (command instanceof ListCommandInvocationsCommand) {
      this.fail('ssm', 'ListCommandInvocations');
      const after = command.input.Filters?.find((f) => f.key === 'InvokedAfter')?.value;
      const afterMs = after ? new Date(after).getTime() - T0.getTime() : Number.NEGATIVE_INFINITY;
      const invocations: CommandInvocation[] = this.invocations
        .filter((i) => i.requestedAt >= afterMs)
        .map((i) => {
          const s = this.statusOf(i);
          return {
            CommandId: i.commandId,
            InstanceId: i.instanceId,
            Comment: `gpu-fleet-scaler drain ${i.instanceId}`,
            DocumentName: DOCUMENT,
            RequestedDateTime: new Date(T0.getTime() + i.requestedAt),
            Status: s.status as CommandInvocation['Status'],
            CommandPlugins: [
              {
                Name: 'drain',
                ...(s.startedAt === undefined ? {} : { ResponseStartDateTime: new Date(T0.getTime() + s.startedAt) }),
                ...(s.code === undefined ? {} : { ResponseCode: s.code }),
                Output: s.output,
              },
            ],
          };
        });
      return { CommandInvocations: invocations };
    }
    throw new Error(`ssm: ${(command as object).constructor.name} is not part of this world`);
  }
}

/** Retries once without sleeping: injected failures stay failures, and nothing waits. */
export const NO_WAIT_RETRY: RetryPolicy = { attempts: 1, baseDelayMs: 0, maxDelayMs: 0, sleep: async () => {}, random: () => 0 };
