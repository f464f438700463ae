import { CompleteLifecycleActionCommand } from '@aws-sdk/client-auto-scaling';
import type { GetMetricDataCommandInput, GetMetricDataCommandOutput } from '@aws-sdk/client-cloudwatch';
import type { ApiFault, KubeFault } from '../../sim/index.js';
import type { Scenario, World } from './harness.js';

/** Fault windows: one while the fleets grow, one while they shrink (scale-ins and drains). */
const RISE = { fromMinute: 150, untilMinute: 250 };
const FALL = { fromMinute: 420, untilMinute: 560 };
const WINDOWS = [RISE, FALL];

const everyWindow = (fault: Omit<ApiFault, 'fromMinute' | 'untilMinute'>) => (world: World) => {
  for (const w of WINDOWS) world.cloud.faults.add({ ...fault, ...w });
};
const kubeEveryWindow = (fault: Omit<KubeFault, 'fromMinute' | 'untilMinute'>) => (world: World) => {
  for (const w of WINDOWS) world.cloud.faults.kubernetes({ ...fault, ...w });
};
const inWindows = (minute: number) => WINDOWS.some((w) => minute >= w.fromMinute && minute < w.untilMinute);

/** The query ids a GetMetricData input asks about one Auto Scaling group. */
function idsOf(input: unknown, group: string): Set<string> {
  const queries = (input as GetMetricDataCommandInput).MetricDataQueries ?? [];
  return new Set(queries.filter((q) => q.MetricStat?.Metric?.Dimensions?.some((d) => d.Name === 'AutoScalingGroupName' && d.Value === group)).map((q) => q.Id!));
}

type Answer = GetMetricDataCommandOutput;
const rewriteGroup = (world: World, fleet: string, damage: (result: NonNullable<Answer['MetricDataResults']>[number], index: number) => NonNullable<Answer['MetricDataResults']>[number] | undefined) => (output: unknown, input: unknown) => {
  const ids = idsOf(input, world.groupOf(fleet));
  const answer = output as Answer;
  return {
    ...answer,
    MetricDataResults: (answer.MetricDataResults ?? []).flatMap((r, i) => (ids.has(r.Id!) ? (damage(r, i) ?? []) : [r])),
  };
};

/** An Auto Scaling call about one fleet's group: by name, by one of its instances, or tagging it. */
function writesTo(world: World, fleet: string, input: unknown): boolean {
  const i = input as { AutoScalingGroupName?: string; InstanceId?: string; Tags?: Array<{ ResourceId?: string }> };
  const group = world.groupOf(fleet);
  if (i.AutoScalingGroupName === group) return true;
  if (i.InstanceId !== undefined && world.cloud.instance(i.InstanceId)?.group.name === group) return true;
  return (i.Tags ?? []).some((t) => t.ResourceId === group);
}
const onGroupOf = (world: World, fleet: string) => (input: unknown) => writesTo(world, fleet, input);

const services = ['autoscaling', 'cloudwatch', 'eks', 'ssm'] as const;
/**
 * Which fleets a service's faults reach: EKS only the node group's fleet; SSM every
 * fleet's drains, and a drain that takes longer keeps an instance's streams (load the
 * scaler counts) in the group longer (seeds 108 and 113 decided differently for it).
 */
const touchedBy = { autoscaling: 'all', cloudwatch: 'all', eks: ['k8s'], ssm: 'all' } as const;

export const SCENARIOS: Scenario[] = [
  { name: 'fault-free', touches: [] },
  {
    // 40 % of attempts: with 4 attempts a call fails 1 time in 40, a drain tick (describes,
    // heartbeat) about 1 in 13; the hook (HeartbeatTimeout 300 s) survives three lost ticks.
    name: 'throttling storm on every API (40 % of calls)',
    touches: 'all',
    inject: everyWindow({ operation: '*', error: 'Throttling', probability: 0.4 }),
  },
  ...services.map(
    (service): Scenario => ({
      name: `5xx on ${service} (InternalFailure, ServiceUnavailable; half the calls)`,
      touches: touchedBy[service],
      inject: (world) => {
        everyWindow({ operation: `${service}:*`, error: 'InternalFailure', probability: 0.3 })(world);
        everyWindow({ operation: `${service}:*`, error: 'ServiceUnavailable', probability: 0.3 })(world);
      },
    }),
  ),
  ...services.map(
    (service): Scenario => ({
      name: `timeouts on ${service}, before and after the call took effect`,
      touches: touchedBy[service],
      inject: (world) => {
        everyWindow({ operation: `${service}:*`, error: 'timeout', phase: 'before', probability: 0.25 })(world);
        everyWindow({ operation: `${service}:*`, error: 'timeout', phase: 'after', probability: 0.25 })(world);
      },
    }),
  ),
  {
    name: 'writes to one group time out after taking effect',
    touches: ['speech'],
    inject: (world) => everyWindow({ operation: 'autoscaling:*', match: onGroupOf(world, 'speech'), error: 'timeout', phase: 'after', probability: 0.6 })(world),
  },
  {
    name: 'every call fails for 3 minutes, then recovers',
    touches: 'all',
    inject: (world) => world.cloud.faults.add({ operation: '*', error: 'InternalFailure', fromMinute: 450, untilMinute: 453 }),
  },
  {
    name: 'empty GetMetricData answers',
    touches: 'all',
    inject: (world) => {
      for (const w of WINDOWS) world.cloud.faults.answers({ operation: 'cloudwatch:GetMetricData', ...w, rewrite: (output) => ({ ...(output as Answer), MetricDataResults: [] }) });
    },
  },
  {
    name: "partial GetMetricData answers: one fleet's newest 3 minutes missing",
    touches: ['speech'],
    inject: (world) => {
      for (const w of WINDOWS) {
        world.cloud.faults.answers({
          operation: 'cloudwatch:GetMetricData',
          ...w,
          rewrite: rewriteGroup(world, 'speech', (r) => ({ ...r, Timestamps: r.Timestamps?.slice(3), Values: r.Values?.slice(3), StatusCode: 'PartialData' })),
        });
      }
    },
  },
  {
    name: "partial GetMetricData answers: every other result of one fleet missing",
    touches: ['speech'],
    // Seed 14 made the drain read a stream-less partial answer as an empty instance.
    seeds: [11, 14],
    inject: (world) => {
      for (const w of WINDOWS) world.cloud.faults.answers({ operation: 'cloudwatch:GetMetricData', ...w, rewrite: rewriteGroup(world, 'speech', (r, i) => (i % 2 === 0 ? undefined : r)) });
    },
  },
  {
    name: 'missing metrics: one fleet publishes nothing',
    touches: ['speech'],
    metricFaults: (world) => WINDOWS.map((w) => ({ group: world.groupOf('speech'), fromMinute: w.fromMinute, untilMinute: w.fromMinute + 30 })),
  },
  {
    name: 'partial metrics: one serving instance stops publishing',
    touches: ['speech'],
    // Issue 13, fault 1: seeds 20, 21, 23 and 37 scaled in while a serving instance was
    // silent and a draining one still published (reporters now count serving instances only).
    seeds: [11, 20, 21, 23, 37],
    actor: async (world) => {
      const { cloud } = world;
      if (cloud.minute !== RISE.fromMinute && cloud.minute !== FALL.fromMinute) return;
      const group = world.groupOf('speech');
      const serving = cloud.group(group).instances.filter((i) => i.lifecycleState === 'InService' && cloud.minute >= i.serveFrom);
      const instance = serving[serving.length - 1];
      if (instance) world.addMetricFault({ group, instanceId: instance.id, fromMinute: cloud.minute + 1, untilMinute: cloud.minute + 120 });
    },
  },
  {
    name: 'stale metrics: one fleet 5 minutes late',
    touches: ['speech'],
    metricFaults: (world) => WINDOWS.map((w) => ({ group: world.groupOf('speech'), ...w, delayMinutes: 5 })),
  },
  // Seeds 8, 17 and 103 released an instance with streams before its grace (the host
  // clock ahead); seed 1 scaled in inside the cooldown when a skew behind ended.
  { name: 'clock 3 minutes ahead of the cloud', touches: 'all', seeds: [11, 8, 17, 103], skewMinutes: (m) => (m >= 100 && m < 650 ? 3 : 0) },
  { name: 'clock 3 minutes behind the cloud', touches: 'all', seeds: [11, 1], skewMinutes: (m) => (m >= 100 && m < 650 ? -3 : 0) },
  {
    name: 'duplicated lifecycle events',
    touches: ['speech'],
    inject: (world) => world.cloud.faults.lifecycleEvents({ kind: 'duplicate', probability: 0.7, group: world.groupOf('speech') }),
  },
  {
    name: 'out-of-order lifecycle events (7 minutes late)',
    touches: ['speech'],
    inject: (world) => world.cloud.faults.lifecycleEvents({ kind: 'delay', minutes: 7, probability: 0.5, group: world.groupOf('speech') }),
  },
  {
    name: 'dropped lifecycle events',
    touches: ['speech'],
    inject: (world) => world.cloud.faults.lifecycleEvents({ kind: 'drop', probability: 0.7, group: world.groupOf('speech') }),
  },
  { name: 'two invocations of each handler at once', touches: 'all', concurrent: () => true },
  {
    name: 'Lambda killed mid-operation (after 1 to 9 AWS calls)',
    touches: 'all',
    killAfterCalls: (handler, minute) => (inWindows(minute) && minute % (handler === 'scale' ? 3 : 4) === 0 ? (minute % 9) + 1 : undefined),
  },
  {
    name: 'scale Lambda killed right after terminating a victim (before the cooldown tag)',
    touches: 'all',
    killAfterCommand: (handler, minute, command) => handler === 'scale' && minute < 700 && command === 'TerminateInstanceInAutoScalingGroup',
  },
  {
    name: 'drain Lambda killed right after each SendCommand and each release',
    touches: 'all',
    killAfterCommand: (handler, minute, command) => handler === 'drain' && inWindows(minute) && (command === 'SendCommand' || command === 'CompleteLifecycleAction'),
  },
  {
    name: "one fleet's Auto Scaling writes hang until the Lambda times out",
    touches: ['speech'],
    hangWhen: (world, handler, minute, command, input) =>
      handler === 'scale' && inWindows(minute) && ['SetDesiredCapacity', 'TerminateInstanceInAutoScalingGroup', 'CreateOrUpdateTags'].includes(command) && writesTo(world, 'speech', input),
  },
  ...(['no-answer', 'undeliverable', 'failed'] as const).map(
    (mode): Scenario => ({
      name: `SSM commands never arrive (${mode})`,
      touches: ['speech'],
      inject: (world) => {
        for (const w of WINDOWS) world.cloud.faults.ssmAgent({ group: world.groupOf('speech'), mode, ...w });
      },
    }),
  ),
  {
    name: 'lifecycle actions vanish (completed by someone else, or timed out)',
    touches: ['speech'],
    actor: async (world) => {
      const { cloud } = world;
      if (!inWindows(cloud.minute) || cloud.minute % 5 !== 0) return;
      const waiting = cloud.group(world.groupOf('speech')).instances.filter((i) => i.lifecycleState === 'Terminating:Wait' && !world.excused.has(i.id));
      const victim = waiting[0];
      if (!victim) return;
      world.excused.add(victim.id);
      if (cloud.minute % 10 === 0) {
        await cloud.ports.autoscaling.send(new CompleteLifecycleActionCommand({ AutoScalingGroupName: victim.group.name, LifecycleHookName: victim.actions[0]!.hookName, InstanceId: victim.id, LifecycleActionResult: 'CONTINUE' }));
      } else {
        // The action's timeout passes behind the controller's back: the next minute terminates it.
        for (const action of victim.actions) action.deadlineMs = 0;
      }
    },
  },
  // Issue 14: the Kubernetes API of the EKS fleet's cluster fails. Only that fleet's drain
  // talks to it; a node whose pods cannot be read or evicted is held, heartbeating, until
  // its grace, and the other fleets decide as in a fault-free run.
  {
    name: 'Kubernetes API throttled (429 on 40 % of calls)',
    touches: ['k8s'],
    inject: kubeEveryWindow({ status: 429, probability: 0.4 }),
  },
  {
    name: 'Kubernetes API 5xx (500, 503; half the calls)',
    touches: ['k8s'],
    inject: (world) => {
      kubeEveryWindow({ status: 500, probability: 0.3 })(world);
      kubeEveryWindow({ status: 503, probability: 0.3 })(world);
    },
  },
  {
    name: 'Kubernetes API timeouts, before and after the call took effect',
    touches: ['k8s'],
    inject: (world) => {
      kubeEveryWindow({ status: 'timeout', phase: 'before', probability: 0.25 })(world);
      kubeEveryWindow({ status: 'timeout', phase: 'after', probability: 0.25 })(world);
    },
  },
  {
    name: 'Kubernetes 409 conflicts on half the writes (cordons, evictions, scale patches)',
    touches: ['k8s'],
    inject: (world) => {
      for (const call of ['patch node', 'create eviction', 'patch scale']) kubeEveryWindow({ call, status: 409, probability: 0.5 })(world);
    },
  },
  {
    name: 'every eviction refused with 429 (a PodDisruptionBudget that allows none)',
    touches: ['k8s'],
    inject: kubeEveryWindow({ call: 'create eviction', status: 429 }),
  },
  {
    name: 'a PodDisruptionBudget over the Engine pods that allows no disruption all day',
    touches: ['k8s'],
    inject: (world) => {
      const eks = world.fleets.find((f) => f.eks)!.eks!;
      const deployment = [...world.cloud.kubernetes.deployments.values()].find((d) => d.cluster === eks.clusterName && d.role === 'engine');
      if (!deployment) throw new Error(`no Engine Deployment in cluster ${eks.clusterName}`);
      deployment.maxUnavailable = 0;
    },
  },
];

/**
 * Beyond what the hook tolerates, run by the figures script only. A heartbeat at minute t
 * holds the hook until t + 300 s; the tick at t + 5 comes at the same second of its minute
 * or later, so four lost ticks already let it time out with streams on the instance
 * (`HeartbeatTimeout` 300 s, lib/drain/hook.ts).
 */
export const BEYOND_TOLERANCE: Scenario[] = [
  ...[0.5, 0.7].map(
    (probability): Scenario => ({
      name: `throttling storm on every API (${probability * 100} % of calls)`,
      touches: 'all',
      inject: everyWindow({ operation: '*', error: 'Throttling', probability }),
    }),
  ),
  {
    name: 'every call fails for 20 minutes',
    touches: 'all',
    inject: (world) => world.cloud.faults.add({ operation: '*', error: 'InternalFailure', fromMinute: 450, untilMinute: 470 }),
  },
];
