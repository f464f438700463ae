import { AutoScalingClient } from '@aws-sdk/client-auto-scaling';
import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { EKSClient } from '@aws-sdk/client-eks';
import { SSMClient } from '@aws-sdk/client-ssm';
import { clientConfig, type ClientOptions } from './client-config.js';
import type { ControllerPorts } from './ports.js';

/**
 * The clients scale, drain and redeploy call. No SNS client: only license-watch pages,
 * and a module that built every client would put all of them in every Lambda's bundle.
 */
export function createControllerPorts(options: ClientOptions = {}): ControllerPorts {
  const config = clientConfig(options);
  return {
    autoscaling: new AutoScalingClient(config),
    cloudwatch: new CloudWatchClient(config),
    eks: new EKSClient(config),
    ssm: new SSMClient(config),
  };
}
