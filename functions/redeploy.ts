import middy from '@middy/core';
import type { Context } from 'aws-lambda';
import { z } from 'zod';
import { EC2Client } from '@aws-sdk/client-ec2';
import type { Ec2Port } from '../lib/redeploy/launch-times.js';
import { runRedeployTick, type RedeployTickOptions, type RedeployTickResult } from '../lib/redeploy/reconcile.js';
import { productionDeps, type HandlerDeps } from '../lib/runtime.js';

/**
 * What invokes the redeploy Lambda: the EventBridge Scheduler schedule of
 * infra/redeploy.yml (its Input), or an operator by hand. `dryRun: true` shows every
 * fleet's plan without acting; `fleets` limits the tick to some fleets.
 */
export const redeployEventSchema = z.looseObject({
  dryRun: z.boolean({ message: 'must be true or false' }).optional(),
  fleets: z.array(z.string().min(1).max(64), { message: 'must be a list of fleet names' }).min(1).max(500).optional(),
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
      throw new RedeployEventError(`redeploy event rejected: ${issue?.path.join('.') || '(event)'}: ${issue?.message} (got ${JSON.stringify(event).slice(0, 120)})`, { cause: parsed.error });
    }
    const resolved = deps();
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
