import { PutMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import { beforeAll, describe, expect, it } from 'vitest';
import { syntheticTraffic, type TrafficSource } from '../../sim/index.js';
import { evaluateAlarm } from '../template/alarm-eval.js';
import { loadTemplate, type Template } from '../template/template.js';
import { world } from './world.js';

// Capacity 150 streams per instance at the default target utilisation 0.7 plans for
// 105 streams per instance; streams last 4.5 minutes on average, so r arrivals a minute
// keep about 4.5 r streams active.

/** Streams at `rate` a minute, and from `batchFrom` on one 3-minute batch request a minute. */
function streamsThenBatch(rate: number, batchFrom: number, seed: number): TrafficSource {
  const streams = syntheticTraffic({ rate: () => rate, seed });
  return { arrivals: (minute) => ({ ...streams.arrivals(minute), batch: minute >= batchFrom ? [3] : [] }) };
}

describe('signals on the simulated cloud, with the real scale and drain handlers', () => {
  let template: Template;
  beforeAll(() => {
    template = loadTemplate();
  }, 240_000);
  const alarmAt = async (w: ReturnType<typeof world>, alarm: string) => {
    const resource = template.Resources[alarm];
    if (!resource) throw new Error(`no ${alarm} in the packaged template`);
    return evaluateAlarm(w.cloud.ports.cloudwatch, resource, w.cloud.clock.now());
  };

  it('a kind never requested is zero load: the fleet scales on its streams, and the first batch request hours in changes nothing but the batch load', async () => {
    // ~450 streams: ceil(450 / 105) = 5 instances; batch declared, first asked for at minute 180.
    const w = world([{ name: 'mixed', desired: 2, rate: () => 0, traffic: streamsThenBatch(100, 180, 11), fleet: { kinds: { stream: { capacity: 150 }, batch: { capacity: 20 } } } }]);
    await w.run(240);
    const reasons = w.reasons('mixed');
    // Never held for want of batch data: after the first minutes of data, no MissingData.
    expect(reasons.slice(20).filter((r) => r === 'MissingData')).toEqual([]);
    expect(w.desired.get('mixed')!.at(170)).toBeGreaterThanOrEqual(5);
    const before = w.ticks[170]!.fleets[0]!.decision!.numbers;
    expect(before.kindsNeverRequested).toEqual(['batch']);
    expect(before.load.batch).toBe(0);
    const after = w.ticks.at(-1)!.fleets[0]!.decision!.numbers;
    expect(after.kindsNeverRequested).toBeUndefined();
    // One 3-minute batch request a minute: about 3 active.
    expect(after.load.batch).toBeGreaterThan(0);
    expect(w.cloud.totals().streamsCut).toBe(0);
  });

  it('a fleet at its maximum under a surge: at max, requests turned away, and both alarms fire', async () => {
    // Max 3 instances (315 planned streams) under 200/min (~900 streams); Engines refuse above 160.
    const w = world([{ name: 'capped', desired: 3, rate: (m) => (m < 10 ? 40 : 200), fleet: { maxInstances: 3 } }], { maxActiveRequests: 160 });
    await w.run(45);
    expect(w.reasons('capped').slice(-20).every((r) => r === 'AtMax')).toBe(true);
    const atMax = await alarmAt(w, 'FleetAtMaxUnderLoadAlarm');
    expect(atMax).toEqual([expect.objectContaining({ contributor: 'capped', alarm: true })]);
    const rejecting = await alarmAt(w, 'FleetRejectingRequestsAlarm');
    expect(rejecting).toEqual([expect.objectContaining({ contributor: 'capped', alarm: true })]);
  });

  it('a fleet frozen by missing data holds and pages after 30 minutes; a healthy fleet beside it does not', async () => {
    // 10 instances for ~45 streams: the fleet wants to shrink; one serving instance goes silent at minute 5.
    const w = world([
      { name: 'frozen', desired: 10, rate: () => 10 },
      { name: 'fine', desired: 2, rate: () => 10 },
    ]);
    const silent = w.cloud.group('asg-frozen').instances[0]!.id;
    w.cloud.faults.dropMetrics({ group: 'asg-frozen', instanceId: silent, fromMinute: 5, untilMinute: 10_000 });
    await w.run(60);
    expect(Math.min(...w.desired.get('frozen')!)).toBe(10);
    expect(w.reasons('frozen').slice(-30).every((r) => r === 'PartialData')).toBe(true);
    const frozen = await alarmAt(w, 'FleetFrozenByDataAlarm');
    expect(frozen.find((v) => v.contributor === 'frozen')?.alarm).toBe(true);
    expect(frozen.find((v) => v.contributor === 'fine')?.alarm).toBe(false);
  });
});

describe('a backlog signal (KEDA-style) beside the concurrency rule', () => {
  /** A queue the test keeps in the simulated CloudWatch (AWS/SQS is AWS's own to publish): arrivals in, each serving instance clears `perMinute`. */
  function queue(w: ReturnType<typeof world>, group: string, arrivals: (minute: number) => number, perMinute: number) {
    let depth = 0;
    const depths: number[] = [];
    return {
      depths,
      async tick(minute: number) {
        const serving = w.cloud.group(group).instances.filter((i) => i.lifecycleState === 'InService' && minute >= i.serveFrom).length;
        depth = Math.max(0, depth + arrivals(minute) - serving * perMinute);
        depths.push(depth);
        await w.cloud.ports.cloudwatch.send(
          new PutMetricDataCommand({ Namespace: 'Transcription', MetricData: [{ MetricName: 'QueueDepth', Dimensions: [{ Name: 'QueueName', Value: 'transcripts' }], Value: depth, Timestamp: w.cloud.clock.now() }] }),
        );
      },
    };
  }
  const backlog = (clearWithinSeconds: number) => ({
    metric: { namespace: 'Transcription', metricName: 'QueueDepth', dimensions: { QueueName: 'transcripts' } },
    requestsPerInstancePerMinute: 30,
    clearWithinSeconds,
  });

  it('wakes a fleet at zero when work queues, and the backlog clears within its target plus a boot', async () => {
    // 3000 requests land at minute 10; 30 per instance per minute, to clear within 600 s:
    // 3000 / (30 x 10) = 10 instances, 4 at a time (scale-up step).
    const w = world([{ name: 'batch', desired: 0, rate: () => 0, fleet: { minInstances: 0, kinds: { batch: { capacity: 8 } }, backlog: backlog(600) } }]);
    const q = queue(w, 'asg-batch', (m) => (m === 10 ? 3000 : 0), 30);
    await w.run(70, [q.tick]);
    const reasons = w.reasons('batch');
    expect(reasons.slice(0, 10).every((r) => r !== 'ScaleUpBacklog' && r !== 'ScaleUp')).toBe(true);
    expect(reasons).toContain('ScaleUpBacklog');
    expect(Math.max(...w.desired.get('batch')!)).toBeGreaterThanOrEqual(10);
    // Cleared within 600 s of target, plus 8 minutes of boot and a few ticks of reaction.
    const cleared = q.depths.findIndex((d, m) => m > 10 && d === 0);
    expect(cleared).toBeGreaterThan(10);
    expect(cleared - 10).toBeLessThanOrEqual(10 + 8 + 4);
  });
});
