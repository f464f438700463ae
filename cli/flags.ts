import { parseArgs } from 'node:util';
import { z } from 'zod';
import { ConfigError, loadConfigFile } from '../lib/config/load.js';
import type { ControllerConfig, FleetConfig } from '../lib/config/schema.js';
import { closestName } from './suggest.js';

export class FlagError extends Error {
  override readonly name = 'FlagError';
}

export interface FlagSpec {
  /** Parses the flag's text; its first issue becomes the error's rule. Absent for a boolean switch. */
  schema?: z.ZodType;
  required?: boolean;
  /** May be given more than once; the value is then the list. */
  multiple?: boolean;
  /** What the value is, in the help: FILE, N, URL... */
  value?: string;
  /** The default as the help shows it; absent when the flag has none. */
  default?: string;
  /** One line for the help. */
  help: string;
}

export type FlagSpecs = Record<string, FlagSpec>;

export interface CommandIo {
  stdout: { write(text: string): unknown; isTTY?: boolean };
  stderr: { write(text: string): unknown; isTTY?: boolean };
}

/** What `fleet-scaler <command> --help` prints, and what the flags are checked against. */
export interface CommandSpec {
  name: string;
  /** What it does, a few lines (the one-line summary of `fleet-scaler --help` is in cli/main.ts, which loads no command). */
  description: string;
  flags: FlagSpecs;
  examples: string[];
}

export type ParsedFlags<S extends FlagSpecs> = { [K in keyof S]?: unknown };

/**
 * `--name value` and `--name=value` flags, split by node's util.parseArgs and each
 * checked by its schema. Every problem names the flag, the rule and the value (and the
 * closest known flag for a misspelt one), so an operator can fix the call from the
 * message alone.
 */
export function parseFlags<S extends FlagSpecs>(argv: readonly string[], spec: S): ParsedFlags<S> {
  const options = Object.fromEntries(Object.entries(spec).map(([name, flag]) => [name, { type: flag.schema ? ('string' as const) : ('boolean' as const) }]));
  // strict: false hands every token back, so the messages below (not parseArgs' own) name the problem.
  const { tokens } = parseArgs({ args: [...argv], options, strict: false, allowPositionals: true, tokens: true });
  const out: Record<string, unknown> = {};
  for (const token of tokens) {
    if (token.kind === 'option-terminator') throw new FlagError(`"--": not a flag (known: ${known(spec)})`);
    if (token.kind === 'positional') throw new FlagError(`${JSON.stringify(token.value)}: not a flag (flags start with --; known: ${known(spec)})`);
    const flag = token.rawName.startsWith('--') ? spec[token.name] : undefined;
    if (!flag) throw new FlagError(`${quoted(token.rawName)}: unknown flag${suggestion(token.name, spec)} (known: ${known(spec)})`);
    const name = token.name;
    if (name in out && !flag.multiple) throw new FlagError(`--${name}: given twice`);
    if (!flag.schema) {
      if (token.value !== undefined) throw new FlagError(`--${name}: takes no value (got ${JSON.stringify(token.value)})`);
      out[name] = true;
      continue;
    }
    const text = token.value;
    if (text === undefined || (!token.inlineValue && text.startsWith('--'))) throw new FlagError(`--${name}: needs a value (got nothing)`);
    const parsed = flag.schema.safeParse(text);
    if (!parsed.success) throw new FlagError(`--${name}: ${parsed.error.issues[0]?.message ?? 'invalid'} (got ${JSON.stringify(text)})`);
    out[name] = flag.multiple ? [...((out[name] as unknown[] | undefined) ?? []), parsed.data] : parsed.data;
  }
  for (const [name, flag] of Object.entries(spec)) {
    if (flag.required && !(name in out)) throw new FlagError(`--${name}: required (got nothing)`);
  }
  return out as ParsedFlags<S>;
}

/** `--help` or `-h` anywhere among a command's arguments. */
export function asksForHelp(argv: readonly string[]): boolean {
  return argv.some((arg) => arg === '--help' || arg === '-h');
}

export function commandHelp(program: string, command: CommandSpec): string {
  const flags = Object.entries(command.flags);
  const synopsis = flags.map(([name, flag]) => {
    const text = flag.schema ? `--${name} ${flag.value ?? 'VALUE'}` : `--${name}`;
    return flag.required ? text : `[${text}]`;
  });
  const rows = [...flags.map(([name, flag]) => {
    const left = flag.schema ? `--${name} ${flag.value ?? 'VALUE'}` : `--${name}`;
    const notes = [flag.required ? 'required' : undefined, flag.multiple ? 'repeatable' : undefined, flag.default !== undefined ? `default: ${flag.default}` : undefined].filter(Boolean);
    return [left, `${flag.help}${notes.length > 0 ? ` (${notes.join('; ')})` : ''}`] as const;
  }), ['--help', 'this help'] as const];
  const width = Math.max(...rows.map(([left]) => left.length));
  return [
    `usage: ${program} ${command.name} ${synopsis.join(' ')}`.trimEnd(),
    '',
    command.description,
    '',
    'flags:',
    ...rows.map(([left, right]) => `  ${left.padEnd(width)}  ${right}`),
    '',
    command.examples.length > 1 ? 'examples:' : 'example:',
    ...command.examples.map((example) => `  ${example}`),
    '',
  ].join('\n');
}

/** A name the operator typed, quoted when it holds anything but letters, digits and "-": it is echoed to a terminal or a log. */
function quoted(text: string): string {
  return /^[A-Za-z0-9-]*$/.test(text) ? text : JSON.stringify(text);
}

function suggestion(name: string, spec: FlagSpecs): string {
  const closest = closestName(name, Object.keys(spec));
  return closest ? ` (did you mean --${closest}?)` : '';
}

/** An AWS endpoint override: http(s) only (z.url alone takes "localhost:5000" as a URL of scheme "localhost"). */
export const endpointSchema = z.url({ protocol: /^https?$/, message: 'must be an http:// or https:// URL such as http://127.0.0.1:5000' });

/** An AWS region name. */
export const regionSchema = z.string().regex(/^[a-z]{2}(-[a-z]+)+-\d$/, 'must be an AWS region such as us-east-1');

/** The fleet document --config names; an invalid one is reported on stderr (every problem) and answers undefined. */
export async function configFlag(flags: { config?: unknown }, io: CommandIo): Promise<ControllerConfig | undefined> {
  try {
    return await loadConfigFile(flags.config as string);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    io.stderr.write(`${error.message}\n`);
    return undefined;
  }
}

/** The fleet --fleet names in the document --config read: a flag error listing the fleets when none is so named. */
export function fleetFlag(config: ControllerConfig, flags: { config?: unknown; fleet?: unknown }): FleetConfig {
  const fleet = config.fleets.find((f) => f.name === flags.fleet);
  if (!fleet) throw new FlagError(`--fleet: must name a fleet of ${flags.config as string} (${config.fleets.map((f) => f.name).join(', ')}) (got ${JSON.stringify(flags.fleet)})`);
  return fleet;
}

/** A point in time with its zone (--from, --to). */
export const isoTimeSchema = z.iso.datetime({ offset: true, message: 'must be an ISO 8601 time such as 2026-03-02T00:00:00Z' }).transform((s) => new Date(s));

const DAY_MS = 86_400_000;

/**
 * The span --from..--to of a command that reads CloudWatch history: --to after --from, and
 * no longer than CloudWatch keeps the data it reads (`kept` says which, for the message).
 */
export function timeSpan(flags: { from?: unknown; to?: unknown }, limit: { maxDays: number; kept: string }): { from: Date; to: Date } {
  const from = flags.from as Date;
  const to = flags.to as Date;
  if (to.getTime() <= from.getTime()) throw new FlagError(`--to: must be after --from (${from.toISOString()}) (got ${to.toISOString()})`);
  if (to.getTime() - from.getTime() > limit.maxDays * DAY_MS) throw new FlagError(`--to: at most ${limit.maxDays} days after --from: CloudWatch keeps ${limit.kept} that long (got ${to.toISOString()})`);
  return { from, to };
}

function known(spec: FlagSpecs): string {
  return Object.keys(spec).map((k) => `--${k}`).join(', ');
}
