import { expect, it } from 'vitest';
import { validateConfig } from '../../lib/config/load.js';
import { ensureTerminationHook, hookSpecFor } from '../../lib/drain/hook.js';
import { readObservations } from '../../lib/redeploy/fleet-load.js';
import { REDEPLOY_TAG, parseMarker, type RedeployMarker } from '../../lib/fleet/roll-marker.js';
import { hasDrainHook, writeMarker } from '../../lib/redeploy/refresh.js';
import { describeGroups } from '../../lib/fleet/group-state.js';
import { describeMoto, noRetry } from './harness.js';
import { createAsgFleet, putEngineSamples } from './fixtures.js';
import { countCalls } from '../../lib/aws/call-count.js';

const HOOK = 'gpu-fleet-scaler-drain';

describeMoto('redeploy adapters (lib/redeploy) against moto', (moto) => {
  it('writeMarker stores the roll marker as a group tag that parses back to the same marker', async () => {
    await createAsgFleet(moto.ports, { name: 'engine-a', desired: 2 });
    const marker: RedeployMarker = {
      phase: 'rolling',
      window: new Date('2026-11-20T08:00:00Z'),
      until: new Date('2026-11-20T11:00:00Z'),
      since: new Date('2026-11-20T08:01:00Z'),
      planned: 2,
      left: 1,
      progressAt: new Date('2026-11-20T08:20:00Z'),
    };

    await writeMarker(moto.ports.autoscaling, 'engine-a', marker, noRetry);

    const groups = await describeGroups(moto.ports.autoscaling, ['engine-a'], noRetry);
    const value = groups.get('engine-a')?.Tags?.find((t) => t.Key === REDEPLOY_TAG)?.Value;
    expect(parseMarker(value)).toEqual(marker);
  });

  it('hasDrainHook is false before the drain hook exists and true once drain has put it', async () => {
    await createAsgFleet(moto.ports, { name: 'engine-a', desired: 1 });

    const before = await hasDrainHook(moto.ports.autoscaling, 'engine-a', HOOK, noRetry);
    await ensureTerminationHook(moto.ports.autoscaling, 'engine-a', hookSpecFor(3600, HOOK), noRetry);
    const after = await hasDrainHook(moto.ports.autoscaling, 'engine-a', HOOK, noRetry);

    expect([before, after]).toEqual([false, true]);
  });

  it('readObservations reads the load of the fleets asked for with one GetMetricData', async () => {
    const config = validateConfig(
      {
        version: 1,
        fleets: [
          { name: 'a', target: { type: 'asg', autoScalingGroupName: 'engine-a' }, kinds: { stream: { capacity: 10 } }, minInstances: 1, maxInstances: 4 },
          { name: 'b', target: { type: 'asg', autoScalingGroupName: 'engine-b' }, kinds: { stream: { capacity: 10 } }, minInstances: 1, maxInstances: 4 },
        ],
      },
      'test',
    );
    const now = new Date('2026-11-20T10:30:30Z');
    const period = new Date('2026-11-20T10:29:00Z');
    await putEngineSamples(moto.ports, { type: 'asg', autoScalingGroupName: 'engine-b' }, [
      { instanceId: 'i-0aaa', at: period, active: { stream: 6 } },
      { instanceId: 'i-0bbb', at: period, active: { stream: 3 } },
    ]);

    const instances = ['i-0aaa', 'i-0bbb'].map((instanceId) => ({ instanceId, lifecycleState: 'InService' }));
    const aws = countCalls(moto.ports);
    const observations = await readObservations(aws.ports.cloudwatch, config, [{ index: 1, instances, desired: 2 }], now, noRetry);

    // One ListMetrics page, one GetMetricData.
    expect(aws.calls()).toBe(2);
    expect([...observations.keys()]).toEqual([1]);
    const newest = observations.get(1)?.at(-1);
    expect(newest).toMatchObject({ at: period, load: { stream: 9 }, reportingInstances: 2 }); // 6 + 3
  });
});
