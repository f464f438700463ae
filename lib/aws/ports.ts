import type { AutoScalingClient } from '@aws-sdk/client-auto-scaling';
import type { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import type { EKSClient } from '@aws-sdk/client-eks';
import type { SNSClient } from '@aws-sdk/client-sns';
import type { SSMClient } from '@aws-sdk/client-ssm';

// Adapters take only `send`, so the real SDK clients, aws-sdk-client-mock and the
// simulated cloud (sim/) are interchangeable behind the same commands.
export type AutoScalingPort = Pick<AutoScalingClient, 'send'>;
export type CloudWatchPort = Pick<CloudWatchClient, 'send'>;
export type EksPort = Pick<EKSClient, 'send'>;
export type SsmPort = Pick<SSMClient, 'send'>;
export type SnsPort = Pick<SNSClient, 'send'>;

export interface AwsPorts {
  autoscaling: AutoScalingPort;
  cloudwatch: CloudWatchPort;
  eks: EksPort;
  ssm: SsmPort;
  sns: SnsPort;
}

/** What scale, drain and redeploy call: everything but SNS, which only license-watch uses. */
export type ControllerPorts = Omit<AwsPorts, 'sns'>;
