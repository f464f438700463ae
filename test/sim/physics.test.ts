import { SetDesiredCapacityCommand } from '@aws-sdk/client-auto-scaling';
import { describe, expect, it } from 'vitest';
import { scriptedTraffic } from '../../lib/sim/traffic.js';
import { cloudWithGroup, points, query, stepTo } from './helpers.js';

describe('instances', () => {
  it('a launched instance is billed at once and serves only after the boot delay', async () => {
    const cloud = cloudWithGroup({ desiredCapacity: 0, bootMinutes: 8, pendingMinutes: 1 });
    cloud.step(); // minute 1
    await cloud.ports.autoscaling.send(new SetDesiredCapacityCommand({ AutoScalingGroupName: 'gpu', DesiredCapacity: 1 }));
    const records = [2, 3, 8, 9, 10].map((m) => {
      stepTo(cloud, m);
      return cloud.step();
    });
    // launched at minute 1 -> serves from minute 1 + 8 = 9
    expect(records.map((r) => [r.minute, r.billed, r.booting, r.inService])).toEqual([
      [3, 1, 1, 0],
      [4, 1, 1, 0],
      [9, 1, 0, 1],
      [10, 1, 0, 1],
      [11, 1, 0, 1],
    ]);
  });

  it('new streams go to the least-loaded serving instance', () => {
    const cloud = cloudWithGroup({ desiredCapacity: 2, traffic: scriptedTraffic((m) => (m === 1 ? [10, 10, 10] : [])) });
    cloud.step();
    const loads = cloud.group('gpu').instances.map((i) => i.engine.streams).sort();
    // 3 streams over 2 idle instances: 2 and 1
    expect(loads).toEqual([1, 2]);
  });
});

describe('Engine metrics in CloudWatch', () => {
  it('a sample for minute m becomes visible from minute m + 1', async () => {
    const cloud = cloudWithGroup({ desiredCapacity: 1, traffic: scriptedTraffic((m) => (m === 1 ? [5, 5] : [])) });
    cloud.step(); // minute 1: 2 streams, sample stamped 1
    const atOne = await query(cloud, 'engine_active_requests', { AutoScalingGroupName: 'gpu', kind: 'stream' }, 'Sum', 0, 5);
    expect(points(atOne, cloud)).toEqual([]);
    cloud.step(); // minute 2
    const atTwo = await query(cloud, 'engine_active_requests', { AutoScalingGroupName: 'gpu', kind: 'stream' }, 'Sum', 0, 5);
    expect(points(atTwo, cloud)).toEqual([[1, 2]]);
  });
});
