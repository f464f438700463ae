import { SetDesiredCapacityCommand } from '@aws-sdk/client-auto-scaling';
import { describe, expect, it } from 'vitest';
import { oracleInstances, SimFigures } from '../../sim/figures.js';
import { scriptedTraffic } from '../../sim/traffic.js';
import { cloudWithGroup } from './helpers.js';

describe('oracle', () => {
  it.each([
    ['no demand: the minimum', 0, 10, 1, 1],
    ['exactly full', 20, 10, 1, 2],
    ['one stream over', 21, 10, 1, 3],
    ['minimum dominates', 5, 10, 4, 4],
  ])('%s', (_name, demand, capacity, min, expected) => {
    expect(oracleInstances(demand, capacity, min)).toBe(expected);
  });

  it('sums ceil(demand / capacity) over minutes on a tiny hand-computed run', () => {
    // capacity 2, MinSize 1. Arrivals: minute 1: three 2-minute streams; minute 3: five 1-minute streams.
    // demand: m1 3, m2 3, m3 5, m4 0 -> instances ceil(3/2)=2, 2, ceil(5/2)=3, max(1, 0)=1 -> 8 instance-minutes
    const cloud = cloudWithGroup({ minSize: 1, desiredCapacity: 3, capacity: 2, traffic: scriptedTraffic((m) => (m === 1 ? [2, 2, 2] : m === 3 ? [1, 1, 1, 1, 1] : [])) });
    const demand = [1, 2, 3, 4].map(() => cloud.step().demand);
    expect(demand).toEqual([3, 3, 5, 0]);
    const t = cloud.totals();
    expect(t.oracleGpuHours * 60).toBe(8);
    expect(t.gpuHours * 60).toBe(12); // 3 instances x 4 minutes
    expect(t.streamMinutes).toBe(11); // 3 + 3 + 5 + 0
  });
});

describe('scale actions and reversals', () => {
  it('counts a move within 15 minutes of a move the other way as a reversal', () => {
    const f = new SimFigures();
    f.recordDesiredChange('g', 2, 4, 0); // up
    f.recordDesiredChange('g', 4, 3, 15); // down 15 min later: reversal
    f.recordDesiredChange('g', 3, 2, 20); // down again: not a reversal
    f.recordDesiredChange('g', 2, 3, 36); // up 16 min after the last down: not a reversal
    expect([f.scaleActions, f.reversals]).toEqual([4, 1]);
  });

  it('counts several moves in one direction within a minute as one action', async () => {
    const cloud = cloudWithGroup({ desiredCapacity: 1 });
    await cloud.ports.autoscaling.send(new SetDesiredCapacityCommand({ AutoScalingGroupName: 'gpu', DesiredCapacity: 2 }));
    await cloud.ports.autoscaling.send(new SetDesiredCapacityCommand({ AutoScalingGroupName: 'gpu', DesiredCapacity: 3 }));
    cloud.step();
    await cloud.ports.autoscaling.send(new SetDesiredCapacityCommand({ AutoScalingGroupName: 'gpu', DesiredCapacity: 2 }));
    expect([cloud.totals().scaleActions, cloud.totals().reversals]).toEqual([2, 1]);
  });
});

describe('where the GPU-hours go', () => {
  it('splits billed instance-minutes into booting, serving and draining, and over-capacity by day', async () => {
    // One serving instance from the start (capacity 2); a second, launched at minute 0,
    // serves from minute 3: booting in the records of minutes 1 and 2 = 2 instance-minutes.
    // Three 1-minute streams arrive in minute 1441 (the second day).
    const cloud = cloudWithGroup({ desiredCapacity: 1, capacity: 2, bootMinutes: 3, traffic: scriptedTraffic((m) => (m === 1441 ? [1, 1, 1] : [])) });
    await cloud.ports.autoscaling.send(new SetDesiredCapacityCommand({ AutoScalingGroupName: 'gpu', DesiredCapacity: 2 }));
    for (let m = 0; m < 1441; m++) cloud.step();
    const t = cloud.totals();
    expect(t.bootingInstanceMinutes).toBe(2);
    // 2 instances billed for 1441 minutes = 2882, of which 2 booting and none draining: 2880 serving.
    expect([t.gpuHours * 60, t.servingInstanceMinutes, t.drainingInstanceMinutes]).toEqual([2882, 2880, 0]);
    // Minute 1441 is the first of day 2: its 3 streams land on two instances of 2 (least loaded: 2 + 1), none over.
    expect(t.overCapacityStreamMinutesByDay).toEqual([0, 0]);
    expect(t.streamMinutesByDay).toEqual([0, 3]);
    // Day 1: 2 instances x 1440 minutes, no demand and MinSize 0; day 2: one minute of 2 instances, ceil(3 / 2) = 2 needed.
    expect(t.billedInstanceMinutesByDay).toEqual([2880, 2]);
    expect(t.oracleInstanceMinutesByDay).toEqual([0, 2]);
  });
});
