import { defaultRetryPolicy, type RetryPolicy } from '../lib/aws/retry.js';
import type { ControllerConfig } from '../lib/config/schema.js';
import type { HandlerDeps } from '../lib/runtime/deps.js';
import type { Telemetry } from '../lib/telemetry.js';
import { mulberry32 } from './random.js';
import type { SimCloud } from './cloud.js';
import { SimTelemetry } from './telemetry.js';

export interface SimDepsOptions {
  telemetry?: Telemetry;
  /** Seed of the retry jitter. Default 1. */
  seed?: number;
  /** Retry attempts (default: the production policy's). */
  attempts?: number;
}

/**
 * HandlerDeps for running the real handlers on the simulated cloud: its ports, its
 * clock, the given config, and the production retry policy whose sleeps return at once
 * (simulated time does not pass while a handler retries).
 */
export function simHandlerDeps(cloud: SimCloud, config: ControllerConfig | (() => ControllerConfig), options: SimDepsOptions = {}): HandlerDeps & { telemetry: Telemetry } {
  const retry: RetryPolicy = {
    ...defaultRetryPolicy,
    ...(options.attempts !== undefined ? { attempts: options.attempts } : {}),
    sleep: () => Promise.resolve(),
    random: mulberry32(options.seed ?? 1),
  };
  return {
    ports: cloud.ports,
    telemetry: options.telemetry ?? new SimTelemetry(),
    now: () => cloud.now(),
    loadConfig: () => Promise.resolve(typeof config === 'function' ? config() : config),
    retry,
    kubernetes: async (clusterName) => cloud.kubernetes.transport(clusterName),
  };
}
