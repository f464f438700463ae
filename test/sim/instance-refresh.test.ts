import {
  CancelInstanceRefreshCommand,
  DescribeInstanceRefreshesCommand,
  PutLifecycleHookCommand,
  StartInstanceRefreshCommand,
  type RefreshPreferences,
} from '@aws-sdk/client-auto-scaling';
import { describe, expect, it } from 'vitest';
import type { SimCloud } from '../../sim/cloud.js';
import { cloudWithGroup } from './helpers.js';

async function start(cloud: SimCloud, preferences: RefreshPreferences, version?: string): Promise<string> {
  const out = await cloud.ports.autoscaling.send(
    new StartInstanceRefreshCommand({
      AutoScalingGroupName: 'gpu',
      Preferences: preferences,
      ...(version ? { DesiredConfiguration: { LaunchTemplate: { LaunchTemplateName: 'gpu-template', Version: version } } } : {}),
    }),
  );
  return out.InstanceRefreshId!;
}

async function status(cloud: SimCloud) {
  const out = await cloud.ports.autoscaling.send(new DescribeInstanceRefreshesCommand({ AutoScalingGroupName: 'gpu' }));
  return out.InstanceRefreshes?.[0];
}

/** [launch minute, lifecycle state] of every instance. */
function fleet(cloud: SimCloud): Array<[number, string]> {
  return cloud.group('gpu').instances.map((i) => [i.launchMinute, i.lifecycleState]);
}

describe('instance refresh', () => {
  it('MaxHealthyPercentage 200 launches the replacements first and terminates the old ones once the new are warm', async () => {
    // the initial instances have run for a day (launched at minute -1440); InstanceWarmup 600 s = 10 minutes after InService
    const cloud = cloudWithGroup({ desiredCapacity: 2, maxSize: 4 });
    await start(cloud, { MinHealthyPercentage: 100, MaxHealthyPercentage: 200, InstanceWarmup: 600 }, '2');
    expect(fleet(cloud)).toEqual([[-1440, 'InService'], [-1440, 'InService'], [0, 'Pending'], [0, 'Pending']]);
    // new ones: InService at minute 1, healthy at 1 + 10 = 11; until then the old stay
    for (let m = 1; m <= 10; m++) cloud.step();
    expect(fleet(cloud).map(([, s]) => s)).toEqual(['InService', 'InService', 'InService', 'InService']);
    expect((await status(cloud))?.Status).toBe('InProgress');
    cloud.step(); // 11
    expect(fleet(cloud)).toEqual([[0, 'InService'], [0, 'InService']]);
    expect(cloud.group('gpu').instances.map((i) => i.launchTemplateVersion)).toEqual(['2', '2']);
    cloud.step();
    const done = await status(cloud);
    expect([done?.Status, done?.PercentageComplete, done?.InstancesToUpdate]).toEqual(['Successful', 100, 0]);
    expect(cloud.group('gpu').desired).toBe(2);
  });

  it('MaxHealthyPercentage 100 terminates down to the minimum healthy, one at a time, and the group launches replacements', async () => {
    const cloud = cloudWithGroup({ desiredCapacity: 2 });
    // min healthy = ceil(2 x 50 %) = 1; default warmup = HealthCheckGracePeriod 300 s
    await start(cloud, { MinHealthyPercentage: 50, MaxHealthyPercentage: 100 });
    // one old one terminated, its replacement launched at once
    expect(fleet(cloud)).toEqual([[-1440, 'InService'], [0, 'Pending']]);
    // replacement InService at 1, healthy at 1 + 5 = 6: then the second old one goes
    for (let m = 1; m <= 5; m++) cloud.step();
    expect(fleet(cloud)).toEqual([[-1440, 'InService'], [0, 'InService']]);
    cloud.step(); // 6
    expect(fleet(cloud)).toEqual([[0, 'InService'], [6, 'Pending']]);
  });

  it('terminates through the termination lifecycle hook', async () => {
    const cloud = cloudWithGroup({ desiredCapacity: 1 });
    await cloud.ports.autoscaling.send(new PutLifecycleHookCommand({ AutoScalingGroupName: 'gpu', LifecycleHookName: 'drain', LifecycleTransition: 'autoscaling:EC2_INSTANCE_TERMINATING' }));
    const old = cloud.group('gpu').instances[0]!.id;
    await start(cloud, { MinHealthyPercentage: 100, MaxHealthyPercentage: 200, InstanceWarmup: 60 });
    cloud.step(); // new InService at 1, healthy at 2
    cloud.step();
    expect(cloud.instance(old)?.lifecycleState).toBe('Terminating:Wait');
    const events = cloud.takeDueEvents();
    expect(events.map((e) => e.detail.EC2InstanceId)).toEqual([old]);
  });

  it('allows one refresh at a time; cancel ends it, and cancelling nothing is an error', async () => {
    const cloud = cloudWithGroup({ desiredCapacity: 2 });
    await start(cloud, { MinHealthyPercentage: 100, MaxHealthyPercentage: 150, InstanceWarmup: 3600 });
    await expect(start(cloud, {})).rejects.toMatchObject({ name: 'InstanceRefreshInProgress' });
    await cloud.ports.autoscaling.send(new CancelInstanceRefreshCommand({ AutoScalingGroupName: 'gpu' }));
    expect((await status(cloud))?.Status).toBe('Cancelling');
    cloud.step();
    expect((await status(cloud))?.Status).toBe('Cancelled');
    // the extra instance the refresh held is no longer allowed above desired
    cloud.step();
    expect(cloud.group('gpu').instances.filter((i) => !i.lifecycleState.startsWith('Terminating'))).toHaveLength(2);
    await expect(cloud.ports.autoscaling.send(new CancelInstanceRefreshCommand({ AutoScalingGroupName: 'gpu' }))).rejects.toMatchObject({ name: 'ActiveInstanceRefreshNotFound' });
  });

  it.each([
    ['Min above 100', { MinHealthyPercentage: 101 }],
    ['Max above 200', { MaxHealthyPercentage: 201 }],
    ['both 100', { MinHealthyPercentage: 100, MaxHealthyPercentage: 100 }],
    ['spread over 100', { MinHealthyPercentage: 0, MaxHealthyPercentage: 150 }],
  ])('refuses preferences with %s', async (_name, preferences) => {
    const cloud = cloudWithGroup();
    await expect(start(cloud, preferences)).rejects.toMatchObject({ name: 'ValidationError' });
  });
});
