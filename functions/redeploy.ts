import type { Context } from 'aws-lambda';
import { z } from 'zod';
import { EC2Client } from '@aws-sdk/client-ec2';
import { clientConfig } from '../lib/aws/client-config.js';
import { fleetSchema } from '../lib/config/schema.js';
import type { Ec2Port } from '../lib/redeploy/launch-times.js';
import { runRedeployTick, type RedeployTickOptions, type RedeployTickResult } from '../lib/redeploy/reconcile.js';
import type { HandlerDeps } from '../lib/runtime/deps.js';
import { unknownKeysRule } from '../lib/runtime/event-keys.js';
import { invocationDeps } from '../lib/runtime/invocation.js';
import { parseEvent } from './shell/event.js';
import { inProduction, lambda } from './shell/lambda.js';
import { productionDeps } from './shell/production-deps.js';
import { booleanSetting } from './shell/settings.js';

export const REDEPLOY_SCHEDULE_SOURCE = 'gpu-fleet-scaler.redeploy-schedule';
const REDEPLOY_EVENT_KEYS = ['source', 'time', 'dryRun', 'fleets'] as const;

/**
 * What invokes the redeploy Lambda: the EventBridge Scheduler schedule of
 * infra/redeploy.yml (its Input: the source and AWS's scheduled time), or an operator by
 * hand. `dryRun: true` shows every fleet's plan without acting; `fleets` limits the tick
 * to some fleets. Strict: a misspelt `{"dryrun": true}` must never run for real.
 */
export const redeployEventSchema = z.strictObject(
  {
    source: z.literal(REDEPLOY_SCHEDULE_SOURCE, { message: `must be "${REDEPLOY_SCHEDULE_SOURCE}" (the stack's schedule) or left out` }).optional(),
    time: z.iso.datetime({ offset: true, message: 'must be an ISO 8601 date-time (the schedule\'s time)' }).optional(),
    dryRun: z.boolean({ message: 'must be true or false' }).optional(),
    fleets: z
      .array(fleetSchema.shape.name, { message: 'must be a list of fleet names' })
      .min(1, 'must name at least one fleet (omit it for every fleet)')
      .max(500, 'must name at most 500 fleets')
      .optional(),
  },
  { error: (issue) => (issue.code === 'unrecognized_keys' ? unknownKeysRule(issue.keys, REDEPLOY_EVENT_KEYS) : undefined) },
);

export class RedeployEventError extends Error {
  override readonly name = 'RedeployEventError';
}

const rejected = (message: string, cause?: unknown) => new RedeployEventError(message, { cause });

export interface RedeployHandlerDeps extends HandlerDeps {
  forceDryRun: boolean;
  hookName?: string;
  /** Launch times of EKS nodes (the EKS roll's "old" nodes); only the redeploy reads EC2. */
  ec2?: Ec2Port;
}

export function createRedeployHandler(deps: () => RedeployHandlerDeps) {
  return lambda(async (event: unknown, _context: Context): Promise<RedeployTickResult> => {
    const parsed = parseEvent('redeploy', redeployEventSchema, event, rejected);
    // Marks and cooldowns are measured on AWS's clock: the schedule's time when it has one.
    const resolved = invocationDeps(deps(), parsed.time !== undefined ? new Date(parsed.time) : undefined);
    if (parsed.fleets) await refuseUnknownFleets(resolved, parsed.fleets);
    const options: RedeployTickOptions = {
      forceDryRun: resolved.forceDryRun || parsed.dryRun === true,
      ...(parsed.fleets ? { fleets: parsed.fleets } : {}),
      ...(resolved.hookName ? { hookName: resolved.hookName } : {}),
    };
    return runRedeployTick(resolved, options);
  });
}

/**
 * An operator's misspelt fleet would otherwise make the tick do nothing and say nothing.
 * A document that cannot be read is left to the tick, which reports it as ConfigInvalid.
 */
async function refuseUnknownFleets(deps: HandlerDeps, names: readonly string[]): Promise<void> {
  let config;
  try {
    config = await deps.loadConfig(deps.now());
  } catch {
    return;
  }
  const known = new Set(config.fleets.map((f) => f.name));
  const unknown = names.filter((name) => !known.has(name));
  if (unknown.length > 0) {
    throw new RedeployEventError(`redeploy event rejected: fleets: no fleet named ${unknown.map((n) => JSON.stringify(n)).join(', ')} in the fleet document (it has ${[...known].map((n) => JSON.stringify(n)).join(', ')}); nothing changed`);
  }
}

// Retries happen once, in withRetry (clientConfig). Built once per cold start.
let ec2Client: EC2Client | undefined;

export function redeployDepsFromEnv(env: NodeJS.ProcessEnv = process.env): RedeployHandlerDeps {
  const forceDryRun = booleanSetting(env, 'FLEET_SCALER_FORCE_DRY_RUN', rejected);
  const hookName = env.DRAIN_HOOK_NAME;
  if (hookName !== undefined && hookName !== '' && !/^[A-Za-z0-9_./-]{1,255}$/.test(hookName)) {
    throw new RedeployEventError(`DRAIN_HOOK_NAME must be a lifecycle hook name (1-255 of letters, digits and _./-), got ${JSON.stringify(hookName)}`);
  }
  return { ...productionDeps(env), forceDryRun, ...(hookName ? { hookName } : {}), ec2: (ec2Client ??= new EC2Client(clientConfig({ region: env.AWS_REGION }))) };
}

export const handler = inProduction(createRedeployHandler(() => redeployDepsFromEnv()));
