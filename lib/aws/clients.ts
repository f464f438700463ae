import { SNSClient } from '@aws-sdk/client-sns';
import { clientConfig, type ClientOptions } from './client-config.js';
import { createControllerPorts } from './controller-clients.js';
import type { AwsPorts } from './ports.js';

export type { ClientOptions } from './client-config.js';

/** Every client: for the CLI and the tests, which may touch any service. Lambdas build only their own. */
export function createAwsPorts(options: ClientOptions = {}): AwsPorts {
  return { ...createControllerPorts(options), sns: new SNSClient(clientConfig(options)) };
}
