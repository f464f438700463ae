/**
 * Measures the simulator on the standard scenario with a deliberately simple controller
 * driven through the same AWS ports the real handlers use (target tracking at 70 % on
 * the fleet's active streams, a drain that SIGINTs through SSM and completes the
 * lifecycle action once the instance reports no streams or after 60 minutes).
 *   npx tsx sim/measure.ts [days]
 * It is a yardstick for the simulator's speed, not the project's controller.
 */
import { DescribeAutoScalingGroupsCommand, SetDesiredCapacityCommand, CompleteLifecycleActionCommand, PutLifecycleHookCommand } from '@aws-sdk/client-auto-scaling';
import { GetMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import { SendCommandCommand } from '@aws-sdk/client-ssm';
import { SimCloud } from './cloud.js';
import { loadTraceTraffic } from './traffic.js';
import { runSimulation } from './run.js';

const days = Number(process.argv[2] ?? '28');
const traffic = loadTraceTraffic({ days, scale: 20, seed: 1 });
const cloud = new SimCloud({ start: traffic.start, seed: 1 });
const group = 'gpu-fleet';
cloud.addAutoScalingGroup({ name: group, minSize: 1, maxSize: 1000, desiredCapacity: 1, traffic });
const ports = cloud.ports;
await ports.autoscaling.send(new PutLifecycleHookCommand({ AutoScalingGroupName: group, LifecycleHookName: 'drain', LifecycleTransition: 'autoscaling:EC2_INSTANCE_TERMINATING', HeartbeatTimeout: 7200, DefaultResult: 'CONTINUE' }));

const draining = new Map<string, number>();
let lastUp = -Infinity;
const scale = async (now: Date) => {
  const end = new Date(Math.floor(now.getTime() / 60_000) * 60_000);
  const start = new Date(end.getTime() - 5 * 60_000);
  const out = await ports.cloudwatch.send(
    new GetMetricDataCommand({
      StartTime: start,
      EndTime: end,
      MetricDataQueries: [
        { Id: 'active', MetricStat: { Metric: { Namespace: 'Deepgram/Engine', MetricName: 'engine_active_requests', Dimensions: [{ Name: 'AutoScalingGroupName', Value: group }, { Name: 'kind', Value: 'stream' }] }, Period: 60, Stat: 'Sum' } },
      ],
    }),
  );
  const latest = out.MetricDataResults?.[0]?.Values?.[0];
  if (latest === undefined) return;
  const groups = await ports.autoscaling.send(new DescribeAutoScalingGroupsCommand({ AutoScalingGroupNames: [group] }));
  const g = groups.AutoScalingGroups?.[0];
  if (!g) return;
  const want = Math.max(1, Math.ceil(latest / (150 * 0.7)));
  const minute = cloud.minute;
  if (want > (g.DesiredCapacity ?? 0)) {
    lastUp = minute;
    await ports.autoscaling.send(new SetDesiredCapacityCommand({ AutoScalingGroupName: group, DesiredCapacity: want }));
  } else if (want < (g.DesiredCapacity ?? 0) && minute - lastUp >= 15) {
    await ports.autoscaling.send(new SetDesiredCapacityCommand({ AutoScalingGroupName: group, DesiredCapacity: want }));
  }
};
const drain = async (now: Date) => {
  const end = new Date(Math.floor(now.getTime() / 60_000) * 60_000);
  for (const [id, since] of [...draining]) {
    const out = await ports.cloudwatch.send(
      new GetMetricDataCommand({
        StartTime: new Date(end.getTime() - 120_000),
        EndTime: end,
        MetricDataQueries: [{ Id: 'a', MetricStat: { Metric: { Namespace: 'Deepgram/Engine', MetricName: 'engine_active_requests', Dimensions: [{ Name: 'AutoScalingGroupName', Value: group }, { Name: 'InstanceId', Value: id }, { Name: 'kind', Value: 'stream' }] }, Period: 60, Stat: 'Maximum' } }],
      }),
    );
    const v = out.MetricDataResults?.[0]?.Values?.[0];
    if ((v === 0 && cloud.minute - since >= 2) || cloud.minute - since >= 60) {
      await ports.autoscaling.send(new CompleteLifecycleActionCommand({ AutoScalingGroupName: group, LifecycleHookName: 'drain', InstanceId: id, LifecycleActionResult: 'CONTINUE' }));
      draining.delete(id);
    }
  }
};

const memoryBefore = process.memoryUsage().rss;
const result = await runSimulation({
  cloud,
  minutes: Math.round(days * 1440),
  everyMinute: [scale, drain],
  onLifecycleEvent: async (event) => {
    if (draining.has(event.detail.EC2InstanceId)) return;
    draining.set(event.detail.EC2InstanceId, cloud.minute);
    await ports.ssm.send(new SendCommandCommand({ DocumentName: cloud.drainDocumentName, InstanceIds: [event.detail.EC2InstanceId] }));
  },
});
const t = result.totals;
console.log(
  JSON.stringify(
    {
      days,
      wallSeconds: +(result.wallMs / 1000).toFixed(2),
      peakRssMB: Math.round(Math.max(memoryBefore, process.memoryUsage().rss) / 1e6),
      ...t,
      gpuHoursOverOracle: +(t.gpuHours / t.oracleGpuHours).toFixed(3),
      overCapacityFraction: +(t.overCapacityStreamMinutes / t.streamMinutes).toFixed(5),
      apiCalls: Object.fromEntries(cloud.calls),
    },
    null,
    2,
  ),
);
