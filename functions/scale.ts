import middy from '@middy/core';
import type { Context } from 'aws-lambda';
import { z } from 'zod';
import { valueAt } from '../lib/config/load.js';
import { createPredictiveProvider, type PredictiveProvider } from '../lib/predict/provider.js';
import { productionDeps, type HandlerDeps } from '../lib/runtime/deps.js';
import { runScaleTick, type TickOptions, type TickResult } from '../lib/scaling/tick.js';

/** EventBridge scheduled event; only its shape is checked: the clock comes from deps. */
export const scheduledEventSchema = z.looseObject({
  source: z.literal('aws.events', { message: 'must be "aws.events" (an EventBridge schedule)' }).optional(),
  'detail-type': z.string().optional(),
});

export class ScaleEventError extends Error {
  override readonly name = 'ScaleEventError';
}

export function forceDryRunFromEnv(env: NodeJS.ProcessEnv = process.env): boolean {
  const value = env.FLEET_SCALER_FORCE_DRY_RUN;
  if (value === undefined || value === '' || value === 'false') return false;
  if (value === 'true') return true;
  throw new ScaleEventError(`FLEET_SCALER_FORCE_DRY_RUN must be "true" or "false", got ${JSON.stringify(value)}`);
}

export function createScaleHandler(deps: () => HandlerDeps, options: () => TickOptions = () => ({ forceDryRun: forceDryRunFromEnv() })) {
  return middy(async (event: unknown, _context: Context): Promise<TickResult> => {
    const parsed = scheduledEventSchema.safeParse(event ?? {});
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      const value = issue ? valueAt(event, issue.path) : event;
      throw new ScaleEventError(`scale event rejected: ${issue?.path.join('.') || '(event)'}: ${issue?.message} (got ${JSON.stringify(value)?.slice(0, 120) ?? 'nothing'})`, { cause: parsed.error });
    }
    const resolved = deps();
    try {
      return await runScaleTick(resolved, options());
    } finally {
      resolved.telemetry.flush();
    }
  });
}

/** FLEET_SCALER_PREDICTIVE (the stack parameter `predictive`, default "true") turns on predictive scaling (lib/predict) for every fleet; unset = off. */
export function predictiveFromEnv(env: NodeJS.ProcessEnv = process.env): boolean {
  const value = env.FLEET_SCALER_PREDICTIVE;
  if (value === undefined || value === '' || value === 'false') return false;
  if (value === 'true') return true;
  throw new ScaleEventError(`FLEET_SCALER_PREDICTIVE must be "true" or "false", got ${JSON.stringify(value)}`);
}

// Built once per cold start: the fleets' weeks of history stay cached between ticks.
let predictive: PredictiveProvider | undefined;

function productionOptions(): TickOptions {
  const options: TickOptions = { forceDryRun: forceDryRunFromEnv() };
  if (predictiveFromEnv()) {
    const deps = productionDeps();
    predictive ??= createPredictiveProvider({ cloudwatch: deps.ports.cloudwatch, telemetry: deps.telemetry, loadConfig: deps.loadConfig, retry: deps.retry });
    options.forecast = predictive.forecast;
  }
  return options;
}

export const handler = createScaleHandler(() => productionDeps(), productionOptions);
