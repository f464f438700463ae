import { packageVersion } from '../lib/package-root.js';
import { closestName } from './suggest.js';
import type { CommandIo, CommandSpec } from './flags.js';

export type { CommandIo } from './flags.js';

const PROGRAM = 'fleet-scaler';

interface LoadedCommand {
  spec: CommandSpec;
  run: (argv: string[], io: CommandIo) => Promise<number>;
}

/**
 * Every command, loaded only when called: `--version` and `--help` stay quick, and a
 * command's start-up carries only its own code (the simulated cloud loads for demo and
 * simulate, not for validate).
 */
const COMMANDS: Record<string, { summary: string; load: () => Promise<LoadedCommand> }> = {
  validate: {
    summary: 'check a fleet document; every problem listed',
    load: async () => {
      const m = await import('./commands/validate.js');
      return { spec: m.validateSpec, run: m.validateCommand };
    },
  },
  plan: {
    summary: 'one dry-run tick against the AWS account in the environment',
    load: async () => {
      const m = await import('./commands/plan.js');
      return { spec: m.planSpec, run: (argv, io) => m.planCommand(argv, io) };
    },
  },
  demo: {
    summary: 'real call-centre traffic through the scale and drain Lambdas on the simulated cloud',
    load: async () => {
      const m = await import('./commands/demo.js');
      return { spec: m.demoSpec, run: m.demoCommand };
    },
  },
  simulate: {
    summary: 'the benchmark scenario (docs/benchmark.md) on the simulated cloud',
    load: async () => {
      const m = await import('./commands/simulate.js');
      return { spec: m.simulateSpec, run: m.simulateCommand };
    },
  },
  replay: {
    summary: "the current policy over a fleet's CloudWatch history, against what it did",
    load: async () => {
      const m = await import('./commands/replay.js');
      return { spec: m.replaySpec, run: (argv, io) => m.replayCommand(argv, io) };
    },
  },
  'drain-history': {
    summary: "the fleet's drains from CloudWatch: time to empty, and the shortest grace that would have cut nothing",
    load: async () => {
      const m = await import('./commands/drain-history.js');
      return { spec: m.drainHistorySpec, run: (argv, io) => m.drainHistoryCommand(argv, io) };
    },
  },
  'license-status': {
    summary: 'what the License Proxy watcher would conclude; non-zero when it would page',
    load: async () => {
      const m = await import('./commands/license-status.js');
      return { spec: m.licenseStatusSpec, run: (argv, io) => m.licenseStatusCommand(argv, io) };
    },
  },
};

export const COMMAND_NAMES = Object.keys(COMMANDS);

/** Exit codes: 0 done, 1 the command's own failure (it says which), 2 a bad call. */
export async function main(argv: string[], io: CommandIo): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined) {
    io.stderr.write(usage());
    return 2;
  }
  if (name === '--help' || name === '-h') {
    io.stdout.write(usage());
    return 0;
  }
  if (name === '--version' || name === '-V') {
    io.stdout.write(`${packageVersion()}\n`);
    return 0;
  }
  if (name === 'help') {
    const [topic] = rest;
    if (topic === undefined) {
      io.stdout.write(usage());
      return 0;
    }
    const command = COMMANDS[topic];
    if (!command) return unknownCommand(topic, io);
    io.stdout.write(await helpOf(command));
    return 0;
  }
  const command = COMMANDS[name];
  if (!command) return unknownCommand(name, io);
  const loaded = await command.load();
  if (rest.some((arg) => arg === '--help' || arg === '-h')) {
    io.stdout.write(await helpOf(command));
    return 0;
  }
  try {
    return await loaded.run(rest, io);
  } catch (error) {
    // By name: importing FlagError would load zod before --version could answer.
    if (error instanceof Error && error.name === 'FlagError') {
      io.stderr.write(`${PROGRAM} ${name}: ${error.message}\n${PROGRAM} ${name} --help shows every flag\n`);
      return 2;
    }
    throw error;
  }
}

async function helpOf(command: { load: () => Promise<LoadedCommand> }): Promise<string> {
  const [{ spec }, { commandHelp }] = await Promise.all([command.load(), import('./flags.js')]);
  return commandHelp(PROGRAM, spec);
}

function unknownCommand(name: string, io: CommandIo): number {
  const closest = closestName(name, COMMAND_NAMES);
  io.stderr.write(`${PROGRAM}: unknown command ${JSON.stringify(name)}${closest ? ` (did you mean ${closest}?)` : ''}\n${usage()}`);
  return 2;
}

function usage(): string {
  const width = Math.max(...COMMAND_NAMES.map((n) => n.length));
  return [
    `usage: ${PROGRAM} <command> [flags]`,
    '',
    'commands:',
    ...Object.entries(COMMANDS).map(([n, c]) => `  ${n.padEnd(width)}  ${c.summary}`),
    '',
    `${PROGRAM} <command> --help   flags, defaults and an example for one command`,
    `${PROGRAM} --version          the version`,
    '',
  ].join('\n');
}
