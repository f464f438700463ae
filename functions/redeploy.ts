import middy from '@middy/core';
import type { Context } from 'aws-lambda';
import { z } from 'zod';
import { valueAt } from '../lib/config/load.js';
import { fleetSchema } from '../lib/config/schema.js';
import { EC2Client } from '@aws-sdk/client-ec2';
import type { Ec2Port } from '../lib/redeploy/launch-times.js';
import { runRedeployTick, type RedeployTickOptions, type RedeployTickResult } from '../lib/redeploy/reconcile.js';
import { productionDeps, type HandlerDeps } from '../lib/runtime/deps.js';

/**
 * What invokes the redeploy Lambda: the EventBridge Scheduler schedule of
 * infra/redeploy.yml (its Input), or an operator by hand. `dryRun: true` shows every
 * fleet's plan without acting; `fleets` limits the tick to some fleets.
 */
export const redeployEventSchema = z.looseObject({
  dryRun: z.boolean({ message: 'must be true or false' }).optional(),
  fleets: z
    .array(fleetSchema.shape.name, { message: 'must be a list of fleet names' })
    .min(1, 'must name at least one fleet (omit it for every fleet)')
    .max(500, 'must name at most 500 fleets')
    .optional(),
});

export class RedeployEventError extends Error {
  override readonly name = 'RedeployEventError';
}

export interface RedeployHandlerDeps extends HandlerDeps {
  forceDryRun: boolean;
  hookName?: string;
  /** Launch times of EKS nodes (the EKS roll's "old" nodes); only the redeploy reads EC2. */
  ec2?: Ec2Port;
}

export function createRedeployHandler(deps: () => RedeployHandlerDeps) {
  return middy(async (event: unknown, _context: Context): Promise<RedeployTickResult> => {
    const parsed = redeployEventSchema.safeParse(event ?? {});
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      const value = issue ? valueAt(event, issue.path) : event;
      throw new RedeployEventError(`redeploy event rejected: ${issue?.path.join('.') || '(event)'}: ${issue?.message} (got ${JSON.stringify(value)?.slice(0, 120) ?? 'nothing'})`, { cause: parsed.error });
    }
    const resolved = deps();
    if (parsed.data.fleets) await refuseUnknownFleets(resolved, parsed.data.fleets);
    const options: RedeployTickOptions = {
      forceDryRun: resolved.forceDryRun || parsed.data.dryRun === true,
      ...(parsed.data.fleets ? { fleets: parsed.data.fleets } : {}),
      ...(resolved.hookName ? { hookName: resolved.hookName } : {}),
    };
    try {
      return await runRedeployTick(resolved, options);
    } finally {
      resolved.telemetry.flush();
    }
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

export function redeployDepsFromEnv(env: NodeJS.ProcessEnv = process.env): RedeployHandlerDeps {
  const force = env.FLEET_SCALER_FORCE_DRY_RUN;
  if (force !== undefined && force !== '' && force !== 'true' && force !== 'false') {
    throw new RedeployEventError(`FLEET_SCALER_FORCE_DRY_RUN must be "true" or "false", got ${JSON.stringify(force)}`);
  }
  const hookName = env.DRAIN_HOOK_NAME;
  if (hookName !== undefined && hookName !== '' && !/^[A-Za-z0-9_./-]{1,255}$/.test(hookName)) {
    throw new RedeployEventError(`DRAIN_HOOK_NAME must be a lifecycle hook name (1-255 of letters, digits and _./-), got ${JSON.stringify(hookName)}`);
  }
  ec2Client ??= new EC2Client({ region: env.AWS_REGION, maxAttempts: 1 });
  return { ...productionDeps(env), forceDryRun: force === 'true', ...(hookName ? { hookName } : {}), ec2: ec2Client };
}

// maxAttempts 1 as in lib/aws/clients.ts: retries happen once, in withRetry. Built once per cold start.
let ec2Client: EC2Client | undefined;

export const handler = createRedeployHandler(() => redeployDepsFromEnv());
