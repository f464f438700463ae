import { z } from 'zod';
import { describeSsmTier } from '../../lib/config/document-text.js';
import { checkConfigFile, ConfigError } from '../../lib/config/load.js';
import { parseFlags, type CommandIo, type CommandSpec } from '../flags.js';

export const validateFlags = {
  config: { schema: z.string().min(1, 'must be a file path'), required: true, value: 'FILE', help: 'the fleet document, YAML or JSON' },
};

export const validateSpec: CommandSpec = {
  name: 'validate',
  description: 'Checks a fleet document as the Lambdas would read it. Exit 0 with a summary and the SSM\nparameter tier its size needs, or 1 with every problem listed (field, rule and value).',
  flags: validateFlags,
  examples: ['fleet-scaler validate --config examples/fleets.yaml'],
};

/** Exit 0 with a summary and the SSM tier the document needs, or 1 with every problem listed. */
export async function validateCommand(argv: string[], io: CommandIo): Promise<number> {
  const flags = parseFlags(argv, validateFlags);
  const path = flags.config as string;
  try {
    const { config, bytes, tier } = await checkConfigFile(path);
    const asg = config.fleets.filter((f) => f.target.type === 'asg').length;
    const api = config.fleets.filter((f) => f.api).length;
    const dry = config.fleets.filter((f) => f.dryRun).length;
    const redeploy = config.fleets.filter((f) => f.redeploy?.enabled).length;
    io.stdout.write(
      `valid: ${path}: ${config.fleets.length} fleet(s) (${asg} Auto Scaling group, ${config.fleets.length - asg} EKS node group), ${api} with an API fleet, ${dry} in dry-run, ${redeploy} with nightly redeploys\n`,
    );
    io.stdout.write(`size: ${describeSsmTier(bytes, tier)}\n`);
    return 0;
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    io.stderr.write(`${error.message}\n${error.problems.length} problem(s)\n`);
    return 1;
  }
}
