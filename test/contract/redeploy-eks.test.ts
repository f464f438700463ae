import { EC2Client } from '@aws-sdk/client-ec2';
import { expect, it } from 'vitest';
import { readLaunchTimes } from '../../lib/redeploy/launch-times.js';
import { describeMoto, MOTO_ENDPOINT, noRetry, REGION } from './harness.js';
import { createAsgFleet } from './fixtures.js';
import { countCalls } from '../../lib/aws/call-count.js';

// The EKS roll reads launch times of the backing group's nodes. moto 5.2.4 keeps a node
// group's Auto Scaling group out of its Auto Scaling backend (README), so the instances of
// a plain group stand in: DescribeInstances answers the same whatever launched them.
describeMoto('EC2 DescribeInstances: launch times for the EKS roll (lib/redeploy/launch-times.ts)', (moto) => {
  // As functions/redeploy.ts builds it: maxAttempts 1, retries in withRetry.
  const ec2 = () => new EC2Client({ endpoint: MOTO_ENDPOINT, region: REGION, maxAttempts: 1 });

  it('answers a LaunchTime for every instance of the group, through the instance-id filter', async () => {
    const fleet = await createAsgFleet(moto.ports, { name: 'engine-a', desired: 3 });
    const before = Date.now();

    const aws = countCalls({ ec2: ec2() });
    const launchedAt = await readLaunchTimes(aws.ports.ec2, fleet.instanceIds, noRetry);

    expect(aws.calls()).toBe(1);
    expect([...launchedAt.keys()].sort()).toEqual([...fleet.instanceIds].sort());
    // moto stamps the launch with its own clock: within ten minutes of this test.
    for (const at of launchedAt.values()) expect(Math.abs(at.getTime() - before)).toBeLessThan(10 * 60_000);
  });

  it('leaves out an id EC2 does not know instead of failing the call (a filter, not InstanceIds)', async () => {
    const fleet = await createAsgFleet(moto.ports, { name: 'engine-b', desired: 1 });
    const gone = 'i-0123456789abcdef0';

    const launchedAt = await readLaunchTimes(ec2(), [...fleet.instanceIds, gone], noRetry);

    expect(launchedAt.has(gone)).toBe(false);
    expect(launchedAt.size).toBe(1);
  });
});
