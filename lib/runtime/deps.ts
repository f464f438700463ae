import { createControllerPorts } from '../aws/controller-clients.js';
import type { ControllerPorts } from '../aws/ports.js';
import { defaultRetryPolicy, type RetryPolicy } from '../aws/retry.js';
import { CachedConfigSource, loadConfigFile, loadConfigParameter } from '../config/load.js';
import type { ControllerConfig } from '../config/schema.js';
import { powertoolsTelemetry, type Telemetry } from '../telemetry.js';

/**
 * Everything a handler needs from the outside world. Production builds it from the
 * environment; tests and the simulated cloud pass their own, so the same handler code
 * runs everywhere.
 */
export interface HandlerDeps {
  ports: ControllerPorts;
  telemetry: Telemetry;
  now: () => Date;
  loadConfig: (now: Date) => Promise<ControllerConfig>;
  retry: RetryPolicy;
}

export class RuntimeError extends Error {
  override readonly name = 'RuntimeError';
}

let production: HandlerDeps | undefined;

/** Built once per cold start: SDK clients and the config cache survive warm invocations. */
export function productionDeps(env: NodeJS.ProcessEnv = process.env): HandlerDeps {
  if (production) return production;
  const ports = createControllerPorts({ region: env.AWS_REGION });
  const parameter = env.FLEET_CONFIG_PARAMETER;
  const file = env.FLEET_CONFIG_FILE;
  if (!parameter && !file) {
    throw new RuntimeError('FLEET_CONFIG_PARAMETER (an SSM parameter name) or FLEET_CONFIG_FILE must be set: the controller has no fleets to manage');
  }
  const ttlMs = Number(env.FLEET_CONFIG_TTL_SECONDS ?? '60') * 1000;
  if (!Number.isFinite(ttlMs) || ttlMs < 0) {
    throw new RuntimeError(`FLEET_CONFIG_TTL_SECONDS must be a non-negative number of seconds, got ${JSON.stringify(env.FLEET_CONFIG_TTL_SECONDS)}`);
  }
  const source = new CachedConfigSource(
    parameter ? () => loadConfigParameter(ports.ssm, parameter) : () => loadConfigFile(file as string),
    ttlMs,
  );
  production = {
    ports,
    telemetry: powertoolsTelemetry(),
    now: () => new Date(),
    loadConfig: (now) => source.get(now.getTime()),
    retry: defaultRetryPolicy,
  };
  return production;
}
