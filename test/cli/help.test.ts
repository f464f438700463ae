import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { COMMAND_NAMES, main } from '../../cli/main.js';
import { closestName } from '../../cli/suggest.js';

function run(argv: string[]) {
  const out = { stdout: '', stderr: '' };
  const io = { stdout: { write: (t: string) => (out.stdout += t) }, stderr: { write: (t: string) => (out.stderr += t) } };
  return main(argv, io).then((code) => ({ code, ...out }));
}

const SPECS = {
  validate: async () => (await import('../../cli/commands/validate.js')).validateSpec,
  plan: async () => (await import('../../cli/commands/plan.js')).planSpec,
  demo: async () => (await import('../../cli/commands/demo.js')).demoSpec,
  simulate: async () => (await import('../../cli/commands/simulate.js')).simulateSpec,
  replay: async () => (await import('../../cli/commands/replay.js')).replaySpec,
  'license-status': async () => (await import('../../cli/commands/license-status.js')).licenseStatusSpec,
  'drain-history': async () => (await import('../../cli/commands/drain-history.js')).drainHistorySpec,
};

describe('fleet-scaler --help, <command> --help, --version', () => {
  it('--help lists every command with its one line, on stdout, exit 0', async () => {
    const { code, stdout } = await run(['--help']);
    expect(code).toBe(0);
    expect(COMMAND_NAMES.sort()).toEqual(Object.keys(SPECS).sort());
    for (const name of COMMAND_NAMES) expect(stdout).toMatch(new RegExp(`^  ${name} +\\S`, 'm'));
  });

  it('no command at all is a bad call: the usage on stderr, exit 2', async () => {
    const { code, stdout, stderr } = await run([]);
    expect(code).toBe(2);
    expect(stdout).toBe('');
    expect(stderr).toContain('usage: fleet-scaler <command>');
  });

  it('--version prints the package version', async () => {
    const { version } = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
    expect(await run(['--version'])).toEqual({ code: 0, stdout: `${version}\n`, stderr: '' });
  });

  it.each(Object.keys(SPECS))('%s --help: usage, every flag with its default, an example', async (name) => {
    const spec = await SPECS[name as keyof typeof SPECS]();
    const { code, stdout, stderr } = await run([name, '--help']);
    expect(code).toBe(0);
    expect(stderr).toBe('');
    expect(stdout.startsWith(`usage: fleet-scaler ${name} `)).toBe(true);
    for (const [flag, { default: value }] of Object.entries(spec.flags)) {
      const row = stdout.split('\n').find((line) => line.startsWith(`  --${flag} `) || line === `  --${flag}`);
      expect(row, `--${flag}`).toBeDefined();
      if (value !== undefined) expect(row).toContain(`default: ${value}`);
    }
    expect(stdout).toMatch(/^examples?:\n {2}fleet-scaler /m);
    expect(spec.examples.every((example) => example.startsWith(`fleet-scaler ${name}`))).toBe(true);
  });

  it('help <command> is <command> --help, and -h anywhere asks for it too', async () => {
    const flag = await run(['validate', '--help']);
    expect(await run(['help', 'validate'])).toEqual(flag);
    expect(await run(['validate', '--config', 'x.yaml', '-h'])).toEqual(flag);
  });
});

describe('a misspelt name gets a suggestion', () => {
  it.each([
    { name: 'a flag one letter short', argv: ['validate', '--confg', 'x.yaml'], says: '--confg: unknown flag (did you mean --config?)' },
    { name: 'a flag with two letters swapped', argv: ['simulate', '--dasy', '2'], says: '--dasy: unknown flag (did you mean --days?)' },
    { name: 'a flag in capitals', argv: ['demo', '--SEED', '2'], says: '--SEED: unknown flag (did you mean --seed?)' },
    { name: 'a command', argv: ['simulte'], says: 'unknown command "simulte" (did you mean simulate?)' },
  ])('$name', async ({ argv, says }) => {
    const { code, stderr } = await run(argv);
    expect(code).toBe(2);
    expect(stderr.split('\n')[0]).toContain(says);
  });

  it.each([
    // distance 1 of "config" (6 letters: up to 2 edits allowed)
    { typed: 'confg', names: ['config', 'region'], closest: 'config' },
    // "days": 4 letters allow 1 edit; "dasy" swaps two letters (one edit)
    { typed: 'dasy', names: ['days', 'seed'], closest: 'days' },
    // "dyzs" is two substitutions from "days": too far for a short name
    { typed: 'dyzs', names: ['days', 'seed'], closest: undefined },
    { typed: 'day', names: ['days', 'seed'], closest: 'days' },
    // nothing near: no guess
    { typed: 'verbose', names: ['url', 'timeout-ms'], closest: undefined },
    { typed: 'timout-ms', names: ['url', 'timeout-ms'], closest: 'timeout-ms' },
  ])('closestName($typed) = $closest', ({ typed, names, closest }) => {
    expect(closestName(typed, names)).toBe(closest);
  });
});
