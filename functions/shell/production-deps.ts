import { createControllerPorts } from '../../lib/aws/controller-clients.js';
import { defaultRetryPolicy } from '../../lib/aws/retry.js';
import { CachedConfigSource, loadConfigFile, loadConfigParameter } from '../../lib/config/load.js';
import type { HandlerDeps } from '../../lib/runtime/deps.js';
import { powertoolsTelemetry } from '../../lib/telemetry.js';

export class ProductionDepsError extends Error {
  override readonly name = 'ProductionDepsError';
}

let production: HandlerDeps | undefined;

/** Built once per cold start: SDK clients and the config cache survive warm invocations. */
export function productionDeps(env: NodeJS.ProcessEnv = process.env): HandlerDeps {
  production ??= buildProductionDeps(env);
  return production;
}

function buildProductionDeps(env: NodeJS.ProcessEnv): HandlerDeps {
  const ports = createControllerPorts({ region: env.AWS_REGION });
  const parameter = env.FLEET_CONFIG_PARAMETER;
  const file = env.FLEET_CONFIG_FILE;
  if (!parameter && !file) {
    throw new ProductionDepsError('FLEET_CONFIG_PARAMETER (an SSM parameter name) or FLEET_CONFIG_FILE must be set: the controller has no fleets to manage');
  }
  const ttlMs = Number(env.FLEET_CONFIG_TTL_SECONDS ?? '60') * 1000;
  if (!Number.isFinite(ttlMs) || ttlMs < 0) {
    throw new ProductionDepsError(`FLEET_CONFIG_TTL_SECONDS must be a non-negative number of seconds, got ${JSON.stringify(env.FLEET_CONFIG_TTL_SECONDS)}`);
  }
  const source = new CachedConfigSource(
    parameter ? () => loadConfigParameter(ports.ssm, parameter) : () => loadConfigFile(file as string),
    ttlMs,
  );
  return {
    ports,
    telemetry: powertoolsTelemetry(),
    now: () => new Date(),
    loadConfig: (now) => source.get(now.getTime()),
    retry: defaultRetryPolicy,
  };
}
