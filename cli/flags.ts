import { z } from 'zod';

export class FlagError extends Error {
  override readonly name = 'FlagError';
}

export interface FlagSpec {
  /** Parses the flag's text; its first issue becomes the error's rule. Absent for a boolean switch. */
  schema?: z.ZodType;
  required?: boolean;
}

export interface CommandIo {
  stdout: { write(text: string): unknown };
  stderr: { write(text: string): unknown };
}

/**
 * `--name value` and `--name=value` flags, each checked by its schema. Every problem
 * names the flag, the rule and the value, so an operator can fix the call from the
 * message alone.
 */
export function parseFlags<S extends Record<string, FlagSpec>>(argv: readonly string[], spec: S): { [K in keyof S]?: unknown } {
  const out: Record<string, unknown> = {};
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    if (!arg.startsWith('--')) throw new FlagError(`${JSON.stringify(arg)}: not a flag (flags start with --; known: ${known(spec)})`);
    const eq = arg.indexOf('=');
    const name = arg.slice(2, eq === -1 ? undefined : eq);
    const flag = spec[name];
    if (!flag) throw new FlagError(`${quoted(`--${name}`)}: unknown flag (known: ${known(spec)})`);
    if (name in out) throw new FlagError(`--${name}: given twice`);
    if (!flag.schema) {
      if (eq !== -1) throw new FlagError(`--${name}: takes no value (got ${JSON.stringify(arg.slice(eq + 1))})`);
      out[name] = true;
      continue;
    }
    const text = eq === -1 ? argv[++i] : arg.slice(eq + 1);
    if (text === undefined || (eq === -1 && text.startsWith('--'))) throw new FlagError(`--${name}: needs a value (got nothing)`);
    const parsed = flag.schema.safeParse(text);
    if (!parsed.success) throw new FlagError(`--${name}: ${parsed.error.issues[0]?.message ?? 'invalid'} (got ${JSON.stringify(text)})`);
    out[name] = parsed.data;
  }
  for (const [name, flag] of Object.entries(spec)) {
    if (flag.required && !(name in out)) throw new FlagError(`--${name}: required (got nothing)`);
  }
  return out as { [K in keyof S]?: unknown };
}

/** A name the operator typed, quoted when it holds anything but letters, digits and "-": it is echoed to a terminal or a log. */
function quoted(text: string): string {
  return /^[A-Za-z0-9-]*$/.test(text) ? text : JSON.stringify(text);
}

/** An AWS endpoint override: http(s) only (z.url alone takes "localhost:5000" as a URL of scheme "localhost"). */
export const endpointSchema = z.url({ protocol: /^https?$/, message: 'must be an http:// or https:// URL such as http://127.0.0.1:5000' });

function known(spec: Record<string, FlagSpec>): string {
  return Object.keys(spec).map((k) => `--${k}`).join(', ');
}
