import { z } from 'zod';
import { createAwsPorts } from '../../lib/aws/clients.js';
import { defaultRetryPolicy } from '../../lib/aws/retry.js';
import { ConfigError, loadConfigFile } from '../../lib/config/load.js';
import type { HandlerDeps } from '../../lib/runtime/deps.js';
import { runScaleTick, type TickResult } from '../../lib/scaling/tick.js';
import { REASONS } from '../../lib/scaling/reasons.js';
import { MemoryTelemetry } from '../../lib/telemetry.js';
import { type CommandIo, type CommandSpec, endpointSchema, parseFlags, regionSchema } from '../flags.js';

export const planFlags = {
  config: { schema: z.string().min(1, 'must be a file path'), required: true, value: 'FILE', help: 'the fleet document, YAML or JSON' },
  region: { schema: regionSchema, value: 'REGION', default: 'AWS_REGION, then the AWS profile\'s region', help: 'the region of the fleets' },
  endpoint: { schema: endpointSchema, value: 'URL', default: 'the AWS endpoints', help: 'send every AWS call here instead (an emulator such as moto)' },
  json: { help: 'print the tick\'s result as JSON' },
};

export const planSpec: CommandSpec = {
  name: 'plan',
  description: 'One dry-run tick of the scale Lambda against the AWS account in the environment\n(credentials as the AWS CLI finds them): what each fleet would become and why.\nReads only; changes nothing. Exit 1 when a fleet\'s tick failed.',
  flags: planFlags,
  examples: ['fleet-scaler plan --config fleets.yaml --region us-east-1'],
};

/** One dry-run tick against the account in the environment: what each fleet would become and why. */
export async function planCommand(argv: string[], io: CommandIo, ports = createAwsPortsFromFlags(argv)): Promise<number> {
  const flags = parseFlags(argv, planFlags);
  const path = flags.config as string;
  let config;
  try {
    config = await loadConfigFile(path);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    io.stderr.write(`${error.message}\n`);
    return 1;
  }
  const telemetry = new MemoryTelemetry();
  const deps: HandlerDeps = { ports, telemetry, now: () => new Date(), loadConfig: async () => config, retry: defaultRetryPolicy };
  const result = await runScaleTick(deps, { forceDryRun: true });
  if (flags.json) io.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
  else io.stdout.write(renderPlan(result));
  return result.fleets.some((f) => f.error) ? 1 : 0;
}

function createAwsPortsFromFlags(argv: string[]) {
  const flags = parseFlags(argv, planFlags);
  return createAwsPorts({ region: flags.region as string | undefined, endpoint: flags.endpoint as string | undefined });
}

export function renderPlan(result: TickResult): string {
  const lines = [`dry-run plan (${result.awsCalls} AWS calls, nothing changed)`];
  for (const fleet of result.fleets) {
    if (fleet.error) {
      lines.push(`${fleet.fleet}: ERROR ${fleet.error}`);
      continue;
    }
    const d = fleet.decision!;
    const n = d.numbers;
    const load = Object.entries(n.load).map(([k, v]) => `${k} ${round(v)}`).join(', ') || 'no data';
    const cap = Object.entries(n.capacityPerInstance).map(([k, v]) => `${k} ${round(v)}`).join(', ') || '-';
    lines.push(
      `${fleet.fleet}: ${n.current} -> ${d.desired} ${d.reason}: ${REASONS[d.reason]}`,
      `    load ${load}; capacity/instance ${cap}; utilisation ${n.utilization ?? '-'}; serving ${n.servingInstances}, booting ${n.bootingInstances}, draining ${n.drainingInstances}; data age ${n.dataAgeSeconds ?? '-'} s`,
    );
    if (fleet.api) lines.push(`    API fleet: ${fleet.api.current} -> ${fleet.api.desired}${fleet.api.error ? ` (${fleet.api.error})` : ''}`);
  }
  return `${lines.join('\n')}\n`;
}

function round(value: number | undefined): string {
  return value === undefined ? '-' : String(Math.round(value * 10) / 10);
}
