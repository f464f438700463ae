import { AutoScalingClient } from '@aws-sdk/client-auto-scaling';
import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { EKSClient } from '@aws-sdk/client-eks';
import { SNSClient } from '@aws-sdk/client-sns';
import { SSMClient } from '@aws-sdk/client-ssm';
import type { AwsPorts } from './ports.js';

export interface ClientOptions {
  region?: string;
  /** Points every client at one endpoint (the moto server in contract tests). */
  endpoint?: string;
}

// maxAttempts 1: retries happen once, in lib/aws/retry.ts, so that the simulated
// cloud and AWS see the same retry behaviour and attempts are not multiplied.
export function createAwsPorts(options: ClientOptions = {}): AwsPorts {
  const config = { region: options.region, endpoint: options.endpoint, maxAttempts: 1 };
  return {
    autoscaling: new AutoScalingClient(config),
    cloudwatch: new CloudWatchClient(config),
    eks: new EKSClient(config),
    ssm: new SSMClient(config),
    sns: new SNSClient(config),
  };
}
