import type { Context } from 'aws-lambda';
import { z } from 'zod';
import { createPredictiveProvider } from '../lib/predict/provider.js';
import type { HandlerDeps } from '../lib/runtime/deps.js';
import { runScaleTick, type TickOptions, type TickResult } from '../lib/scaling/tick.js';
import { parseEvent } from './shell/event.js';
import { inProduction, lambda } from './shell/lambda.js';
import { productionDeps } from './shell/production-deps.js';
import { booleanSetting, once } from './shell/settings.js';

/** EventBridge scheduled event; only its shape is checked: the clock comes from deps. */
export const scheduledEventSchema = z.looseObject({
  source: z.literal('aws.events', { message: 'must be "aws.events" (an EventBridge schedule)' }).optional(),
  'detail-type': z.string().optional(),
});

export class ScaleEventError extends Error {
  override readonly name = 'ScaleEventError';
}

const rejected = (message: string, cause?: unknown) => new ScaleEventError(message, { cause });

/** FLEET_SCALER_FORCE_DRY_RUN: decide and log, change nothing (a safe first deploy). */
export function forceDryRunFromEnv(env: NodeJS.ProcessEnv = process.env): boolean {
  return booleanSetting(env, 'FLEET_SCALER_FORCE_DRY_RUN', rejected);
}

/** FLEET_SCALER_PREDICTIVE (the stack parameter `predictive`, default "true") turns on predictive scaling (lib/predict) for every fleet; unset = off. */
export function predictiveFromEnv(env: NodeJS.ProcessEnv = process.env): boolean {
  return booleanSetting(env, 'FLEET_SCALER_PREDICTIVE', rejected);
}

export function createScaleHandler(deps: () => HandlerDeps, options: () => TickOptions = () => ({ forceDryRun: forceDryRunFromEnv() })) {
  return lambda(async (event: unknown, _context: Context): Promise<TickResult> => {
    parseEvent('scale', scheduledEventSchema, event, rejected);
    return runScaleTick(deps(), options());
  });
}

// Built once per cold start: the fleets' weeks of history stay cached between ticks.
const predictive = once(() => {
  const deps = productionDeps();
  return createPredictiveProvider({ cloudwatch: deps.ports.cloudwatch, telemetry: deps.telemetry, loadConfig: deps.loadConfig, retry: deps.retry });
});

function productionOptions(): TickOptions {
  return { forceDryRun: forceDryRunFromEnv(), ...(predictiveFromEnv() ? { forecast: predictive().forecast } : {}) };
}

export const handler = inProduction(createScaleHandler(() => productionDeps(), productionOptions));
