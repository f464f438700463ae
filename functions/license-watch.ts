import middy from '@middy/core';
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
const eventSchema = z.union([
  z.looseObject({ source: z.string(), 'detail-type': z.literal('Scheduled Event') }),
  z.strictObject({}),
]);

export function createLicenseWatchHandler(deps: LicenseWatchDeps) {
  const poll = deps.poll ?? ((proxy: ProxyTarget, timeoutMs: number) => pollProxy(proxy, { timeoutMs }));
  return middy(async (event: unknown): Promise<LicenseWatchResult> => {
    const parsed = eventSchema.safeParse(event);
    if (!parsed.success) {
      deps.telemetry.error('license-watch: unexpected event, nothing polled', { event });
      throw new LicenseWatchEventError(`event must be an EventBridge "Scheduled Event" or {}, got ${JSON.stringify(event).slice(0, 200)}`, { cause: parsed.error });
    }
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

let production: ReturnType<typeof createLicenseWatchHandler> | undefined;

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

export const handler = (event: unknown, context: Parameters<ReturnType<typeof createLicenseWatchHandler>>[1]) => {
  if (!production) {
    try {
      production = createLicenseWatchHandler(licenseWatchProductionDeps());
    } catch (error) {
      // Not cached: every tick fails loudly until the settings are fixed; the missing heartbeat pages.
      powertoolsTelemetry().error('license-watch cannot start: nothing is being watched', { error: error instanceof Error ? error.message : String(error) });
      throw error;
    }
  }
  return production(event, context);
};
