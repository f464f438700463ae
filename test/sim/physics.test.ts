import { SetDesiredCapacityCommand, PutLifecycleHookCommand } from '@aws-sdk/client-auto-scaling';
import { describe, expect, it } from 'vitest';
import { scriptedTraffic } from '../../sim/traffic.js';
import { cloudWithGroup, stepTo } from './helpers.js';

describe('instances', () => {
  it('a launched instance is billed at once and serves only after the boot delay', async () => {
    const cloud = cloudWithGroup({ desiredCapacity: 0, bootMinutes: 8, pendingMinutes: 1 });
    cloud.step(); // minute 1; the scaler launches during minute 1
    await cloud.ports.autoscaling.send(new SetDesiredCapacityCommand({ AutoScalingGroupName: 'gpu', DesiredCapacity: 1 }));
    const rows = [];
    for (let m = 2; m <= 10; m++) {
      const r = cloud.step();
      rows.push([r.minute, r.billed, r.booting, r.inService, r.servingCapacity]);
    }
    // launched at 1 -> serves from 1 + 8 = 9
    expect(rows).toEqual([
      [2, 1, 1, 0, 0],
      [3, 1, 1, 0, 0],
      [4, 1, 1, 0, 0],
      [5, 1, 1, 0, 0],
      [6, 1, 1, 0, 0],
      [7, 1, 1, 0, 0],
      [8, 1, 1, 0, 0],
      [9, 1, 0, 1, 150],
      [10, 1, 0, 1, 150],
    ]);
    expect(cloud.group('gpu').instances[0]?.lifecycleState).toBe('InService');
  });

  it('new streams go to the least-loaded serving instance, never to a booting one', async () => {
    const cloud = cloudWithGroup({ desiredCapacity: 2, traffic: scriptedTraffic((m) => (m === 1 || m === 2 ? [10, 10, 10] : [])) });
    cloud.step();
    expect(cloud.group('gpu').instances.map((i) => i.engine.streams)).toEqual([2, 1]); // 3 streams over 2 idle: oldest wins ties
    await cloud.ports.autoscaling.send(new SetDesiredCapacityCommand({ AutoScalingGroupName: 'gpu', DesiredCapacity: 3 }));
    cloud.step();
    // the new instance is booting: 3 more go 2->? : loads 2,1 -> 2,2 -> 3,2 -> 3,3
    expect(cloud.group('gpu').instances.map((i) => i.engine.streams)).toEqual([3, 3, 0]);
  });

  it('a stream runs for its length in whole minutes, then ends', () => {
    const cloud = cloudWithGroup({ traffic: scriptedTraffic((m) => (m === 1 ? [3] : [])) });
    const demand = [1, 2, 3, 4, 5].map(() => cloud.step().demand);
    // arrives at 1 with length 3: active at 1, 2, 3; gone at 4
    expect(demand).toEqual([1, 1, 1, 0, 0]);
  });

  it('streams above an instance capacity are over-capacity stream-minutes', () => {
    const cloud = cloudWithGroup({ capacity: 2, traffic: scriptedTraffic((m) => (m === 1 ? [2, 2, 2, 2, 2] : [])) });
    const over = [cloud.step().overCapacityStreams, cloud.step().overCapacityStreams, cloud.step().overCapacityStreams];
    // 5 streams on one instance of capacity 2: 3 over, for 2 minutes
    expect(over).toEqual([3, 3, 0]);
    expect(cloud.totals().overCapacityStreamMinutes).toBe(6);
  });

  it('with no serving instance a stream is rejected, yet still counts as demand', () => {
    const cloud = cloudWithGroup({ desiredCapacity: 0, traffic: scriptedTraffic((m) => (m === 1 ? [2] : [])) });
    const r = cloud.step();
    expect([r.demand, r.activeStreams, r.rejected]).toEqual([1, 0, 1]);
  });

  it('an Engine with engine_max_active_requests answers 429 above it', () => {
    const cloud = cloudWithGroup({ maxActiveRequests: 2, traffic: scriptedTraffic((m) => (m === 1 ? [5, 5, 5] : [])) });
    const r = cloud.step();
    expect([r.activeStreams, r.rejected]).toEqual([2, 1]);
  });

  it('a draining instance keeps its streams and stays billed until its lifecycle action ends', async () => {
    const cloud = cloudWithGroup({ desiredCapacity: 2, traffic: scriptedTraffic((m) => (m === 1 ? [30, 30] : m === 3 ? [5] : [])) });
    await cloud.ports.autoscaling.send(new PutLifecycleHookCommand({ AutoScalingGroupName: 'gpu', LifecycleHookName: 'drain', LifecycleTransition: 'autoscaling:EC2_INSTANCE_TERMINATING', HeartbeatTimeout: 600 }));
    cloud.step(); // each instance holds one stream
    await cloud.ports.autoscaling.send(new SetDesiredCapacityCommand({ AutoScalingGroupName: 'gpu', DesiredCapacity: 1 }));
    const r2 = cloud.step();
    expect([r2.billed, r2.inService, r2.draining, r2.activeStreams]).toEqual([2, 1, 1, 2]);
    const r3 = cloud.step(); // the new stream avoids the draining instance
    const [victim, kept] = cloud.group('gpu').instances;
    expect(victim?.lifecycleState).toBe('Terminating:Wait');
    expect([victim?.engine.streams, kept?.engine.streams]).toEqual([1, 2]);
    expect([r3.billed, r3.draining]).toEqual([2, 1]);
    stepTo(cloud, 20);
    // Terminating:Wait from minute 1 (handler time); HeartbeatTimeout 600 s ends it at minute 11,
    // so it is recorded draining at minutes 2..10: 9 instance-minutes. Billed: the victim in
    // records 1..10, its peer in 1..20: 10 + 20 = 30 instance-minutes.
    expect(cloud.totals().drainingInstanceMinutes).toBe(9);
    expect(cloud.totals().gpuHours * 60).toBe(20 + 10);
    // the victim's stream (30 min) was cut when the hook timed out
    expect(cloud.totals().streamsCutByCause['hook-timeout']).toBe(1);
  });
});
