import type { Context } from 'aws-lambda';
import { z } from 'zod';
import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { SNSClient } from '@aws-sdk/client-sns';
import { clientConfig } from '../lib/aws/client-config.js';
import type { AwsPorts } from '../lib/aws/ports.js';
import { defaultRetryPolicy } from '../lib/aws/retry.js';
import { pollProxy, type PollOutcome, type ProxyTarget } from '../lib/license/poll.js';
import { parseLicenseSettings, type LicenseWatchSettings } from '../lib/license/settings.js';
import { runLicenseWatch, type LicenseWatchResult } from '../lib/license/watch.js';
import type { HandlerDeps } from '../lib/runtime/deps.js';
import { powertoolsTelemetry } from '../lib/telemetry.js';
import { parseEvent } from './shell/event.js';
import { inProduction, lambda } from './shell/lambda.js';
import { once } from './shell/settings.js';

/**
 * HandlerDeps without the fleet document: the license watch must keep paging even
 * when the fleet configuration is broken, so it takes only what it needs.
 */
export interface LicenseWatchDeps extends Pick<HandlerDeps, 'telemetry' | 'now' | 'retry'> {
  ports: Pick<AwsPorts, 'cloudwatch' | 'sns'>;
  settings: LicenseWatchSettings;
  /** Tests and the simulated cloud replace the HTTP poll; production uses pollProxy. */
  poll?: (proxy: ProxyTarget, timeoutMs: number) => Promise<PollOutcome>;
}

export class LicenseWatchEventError extends Error {
  override readonly name = 'LicenseWatchEventError';
}

// An EventBridge schedule sends a "Scheduled Event"; a manual test invoke sends {}.
const EXPECTED = 'must be an EventBridge "Scheduled Event" or {}';
const eventSchema = z.union(
  [z.looseObject({ source: z.string({ error: EXPECTED }), 'detail-type': z.literal('Scheduled Event', { error: EXPECTED }) }, { error: EXPECTED }), z.strictObject({}, { error: EXPECTED })],
  { error: EXPECTED },
);

export function createLicenseWatchHandler(deps: LicenseWatchDeps) {
  const poll = deps.poll ?? ((proxy: ProxyTarget, timeoutMs: number) => pollProxy(proxy, { timeoutMs }));
  return lambda(async (event: unknown): Promise<LicenseWatchResult> => {
    parseEvent('license-watch', eventSchema, event, (message, cause) => {
      deps.telemetry.error('license-watch: unexpected event, nothing polled', { event });
      return new LicenseWatchEventError(message, { cause });
    });
    return runLicenseWatch({
      cloudwatch: deps.ports.cloudwatch,
      sns: deps.ports.sns,
      telemetry: deps.telemetry,
      retry: deps.retry,
      settings: deps.settings,
      now: deps.now,
      poll: (proxy) => poll(proxy, deps.settings.timeoutMs),
    });
  });
}

/** Built at the first invocation, so bad settings fail that invocation (and page as silence) with the full list of problems. */
export function licenseWatchProductionDeps(env: NodeJS.ProcessEnv = process.env): LicenseWatchDeps {
  // Only the two clients it calls: see lib/aws/controller-clients.ts for why not all.
  const config = clientConfig({ region: env.AWS_REGION });
  return {
    ports: { cloudwatch: new CloudWatchClient(config), sns: new SNSClient(config) },
    telemetry: powertoolsTelemetry(),
    now: () => new Date(),
    retry: defaultRetryPolicy,
    settings: parseLicenseSettings(env),
  };
}

// Built at the first invocation that can build it: bad settings are not cached, so every
// tick fails loudly until they are fixed and the missing heartbeat pages.
const productionWatch = once(() => createLicenseWatchHandler(licenseWatchProductionDeps()));

export const handler = inProduction(
  lambda(async (event: unknown, context: Context) => {
    let watch;
    try {
      watch = productionWatch();
    } catch (error) {
      powertoolsTelemetry().error('license-watch cannot start: nothing is being watched', { error: error instanceof Error ? error.message : String(error) });
      throw error;
    }
    return watch(event, context);
  }),
);
