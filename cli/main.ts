import { licenseStatusCommand } from './commands/license-status.js';
import { planCommand } from './commands/plan.js';
import { validateCommand } from './commands/validate.js';
import { FlagError, type CommandIo } from './flags.js';

type Command = (argv: string[], io: CommandIo) => Promise<number>;

const COMMANDS: Record<string, { run: () => Promise<Command>; help: string }> = {
  validate: { run: async () => validateCommand, help: 'validate --config FILE            check a fleet document; every problem listed' },
  plan: { run: async () => planCommand, help: 'plan --config FILE [--region R]    one dry-run tick against the AWS account in the environment' },
  demo: { run: async () => (await import('./commands/demo.js')).demoCommand, help: 'demo [--days N] [--scale X] [--seed N] [--trace FILE]  real call-centre traffic through the scale and drain Lambdas on the simulated cloud' },
  simulate: { run: async () => (await import('./commands/simulate.js')).simulateCommand, help: 'simulate [--days N --policy P --json --series FILE --report FILE.html --fleets N ...]  the benchmark scenario of SCENARIO.md on the simulated cloud' },
  replay: { run: async () => (await import('./commands/replay.js')).replayCommand, help: 'replay --config FILE --fleet NAME --from ISO --to ISO  the current policy over a fleet\'s CloudWatch history, against what it did' },
  'license-status': { run: async () => licenseStatusCommand, help: 'license-status --url URL [--url URL2]  what the License Proxy watcher would conclude; non-zero when it would page' },
};

export async function main(argv: string[], io: CommandIo): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    io.stdout.write(usage());
    return name === undefined ? 2 : 0;
  }
  const command = COMMANDS[name];
  if (!command) {
    io.stderr.write(`fleet-scaler: unknown command ${JSON.stringify(name)}\n${usage()}`);
    return 2;
  }
  try {
    return await (await command.run())(rest, io);
  } catch (error) {
    if (error instanceof FlagError) {
      io.stderr.write(`fleet-scaler ${name}: ${error.message}\n`);
      return 2;
    }
    throw error;
  }
}

function usage(): string {
  return `usage: fleet-scaler <command> [flags]\n\n${Object.values(COMMANDS).map((c) => `  ${c.help}`).join('\n')}\n`;
}
