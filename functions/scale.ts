import type { Context } from 'aws-lambda';
import { z } from 'zod';
import { createPredictiveProvider } from '../lib/predict/provider.js';
import type { HandlerDeps } from '../lib/runtime/deps.js';
import { unknownKeysRule } from '../lib/runtime/event-keys.js';
import { invocationDeps } from '../lib/runtime/invocation.js';
import { runScaleTick, type TickOptions, type TickResult } from '../lib/scaling/tick.js';
import { parseEvent } from './shell/event.js';
import { inProduction, lambda } from './shell/lambda.js';
import { productionDeps } from './shell/production-deps.js';
import { booleanSetting, once } from './shell/settings.js';

/**
 * EventBridge's scheduled event. AWS writes it, and may add keys, so only what is read is
 * checked: its `time` is AWS's clock when the schedule fired (lib/aws-time.ts).
 */
export const scheduledEventSchema = z.looseObject({
  source: z.literal('aws.events', { message: 'must be "aws.events" (an EventBridge schedule)' }),
  'detail-type': z.string().optional(),
  time: z.iso.datetime({ offset: true, message: 'must be an ISO 8601 date-time (the schedule\'s time)' }).optional(),
});

const MANUAL_KEYS = ['dryRun'] as const;
/** An operator's own invocation (`{}` or `{"dryRun": true}`): strict, so a misspelt key never runs a tick for real. */
export const manualScaleEventSchema = z.strictObject(
  { dryRun: z.boolean({ message: 'must be true or false' }).optional() },
  { error: (issue) => (issue.code === 'unrecognized_keys' ? unknownKeysRule(issue.keys, MANUAL_KEYS) : undefined) },
);

export interface ScaleEvent {
  /** AWS's clock when the schedule fired; undefined for a manual invocation. */
  time?: Date;
  dryRun: boolean;
}

/** A schedule's event (it has `source`) or an operator's; anything else is named and refused. */
export function parseScaleEvent(event: unknown): ScaleEvent {
  const input = event ?? {};
  const scheduled = typeof input === 'object' && input !== null && !Array.isArray(input) && 'source' in input;
  if (scheduled) {
    const parsed = parseEvent('scale', scheduledEventSchema, event, rejected);
    return { ...(parsed.time !== undefined ? { time: new Date(parsed.time) } : {}), dryRun: false };
  }
  return { dryRun: parseEvent('scale', manualScaleEventSchema, event, rejected).dryRun === true };
}

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
    const parsed = parseScaleEvent(event);
    const chosen = options();
    return runScaleTick(invocationDeps(deps(), parsed.time), parsed.dryRun ? { ...chosen, forceDryRun: true } : chosen);
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
