import { DescribeInstancesCommand, type EC2Client } from '@aws-sdk/client-ec2';
import { forEachPage } from '../aws/pages.js';
import type { RetryPolicy } from '../aws/retry.js';

/** Only the redeploy reads EC2, so its port lives with the redeploy's dependencies. */
export type Ec2Port = Pick<EC2Client, 'send'>;

/** EC2 accepts at most 200 values in one filter. */
export const MAX_IDS_PER_FILTER = 200;

/**
 * When each instance was launched: DescribeAutoScalingGroups and
 * DescribeAutoScalingInstances carry no launch time, DescribeInstances does. The ids go
 * in an `instance-id` filter rather than InstanceIds, so an instance that disappeared
 * meanwhile is simply absent instead of failing the whole call
 * (InvalidInstanceID.NotFound); an absent id stays absent from the answer.
 */
export async function readLaunchTimes(ec2: Ec2Port, instanceIds: readonly string[], retry?: RetryPolicy): Promise<Map<string, Date>> {
  const launchedAt = new Map<string, Date>();
  const unique = [...new Set(instanceIds)];
  for (let offset = 0; offset < unique.length; offset += MAX_IDS_PER_FILTER) {
    const batch = unique.slice(offset, offset + MAX_IDS_PER_FILTER);
    await forEachPage(
      'ec2:DescribeInstances',
      { send: (token) => ec2.send(new DescribeInstancesCommand({ Filters: [{ Name: 'instance-id', Values: batch }], MaxResults: 1000, NextToken: token })), retry },
      (page) => {
        for (const reservation of page.Reservations ?? []) {
          for (const instance of reservation.Instances ?? []) {
            if (instance.InstanceId && instance.LaunchTime) launchedAt.set(instance.InstanceId, new Date(instance.LaunchTime));
          }
        }
      },
    );
  }
  return launchedAt;
}
