import { GetParameterCommand } from '@aws-sdk/client-ssm';
import { readFile } from 'node:fs/promises';
import { parse as parseYaml } from 'yaml';
import type { z } from 'zod';
import type { SsmPort } from '../aws/ports.js';
import { withRetry, type RetryPolicy } from '../aws/retry.js';
import { configSchema, type ControllerConfig } from './schema.js';
import { MetricUnit, type Telemetry } from '../telemetry.js';

export interface ConfigProblem {
  /** Dotted path to the field, e.g. fleets[0].maxInstances. */
  field: string;
  rule: string;
  value: unknown;
}

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  constructor(
    readonly source: string,
    readonly problems: ConfigProblem[],
    options?: { cause?: unknown },
  ) {
    super(`invalid configuration in ${source}:\n${problems.map(formatProblem).join('\n')}`, options);
  }
}

export function formatProblem(problem: ConfigProblem): string {
  return `  - ${problem.field}: ${problem.rule} (got ${formatValue(problem.value)})`;
}

function formatValue(value: unknown): string {
  if (value === undefined) return 'nothing';
  const text = JSON.stringify(value);
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}

export function formatPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const part of path) {
    if (typeof part === 'number') out += `[${part}]`;
    else out += out === '' ? String(part) : `.${String(part)}`;
  }
  return out === '' ? '(document)' : out;
}

/** The value a validation issue's path points at in the document it came from. */
export function valueAt(document: unknown, path: readonly PropertyKey[]): unknown {
  let current: unknown = document;
  for (const part of path) {
    if (current === null || typeof current !== 'object') return undefined;
    current = (current as Record<PropertyKey, unknown>)[part];
  }
  return current;
}

/** Every problem zod found, each with the field, the rule and the value it saw. */
export function problemsFrom(error: z.ZodError, document: unknown): ConfigProblem[] {
  return error.issues.map((issue) => {
    if (issue.code === 'unrecognized_keys') {
      return { field: formatPath(issue.path), rule: `unknown field(s) ${issue.keys.join(', ')}: not part of the schema`, value: issue.keys };
    }
    return { field: formatPath(issue.path), rule: issue.message, value: valueAt(document, issue.path) };
  });
}

export function parseConfigDocument(text: string, source: string): ControllerConfig {
  let document: unknown;
  try {
    document = parseYaml(text);
  } catch (cause) {
    throw new ConfigError(source, [{ field: '(document)', rule: `must be valid YAML or JSON: ${(cause as Error).message.split('\n')[0]}`, value: text.slice(0, 40) }], { cause });
  }
  return validateConfig(document, source);
}

export function validateConfig(document: unknown, source: string): ControllerConfig {
  const result = configSchema.safeParse(document);
  if (!result.success) throw new ConfigError(source, problemsFrom(result.error, document), { cause: result.error });
  return result.data;
}

export async function loadConfigFile(path: string): Promise<ControllerConfig> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (cause) {
    throw new ConfigError(path, [{ field: '(file)', rule: `must be a readable file: ${(cause as Error).message}`, value: path }], { cause });
  }
  return parseConfigDocument(text, path);
}

export async function loadConfigParameter(ssm: SsmPort, parameterName: string, retry?: RetryPolicy): Promise<ControllerConfig> {
  const source = `SSM parameter ${parameterName}`;
  let text: string | undefined;
  try {
    const answer = await withRetry('ssm:GetParameter', () => ssm.send(new GetParameterCommand({ Name: parameterName, WithDecryption: true })), retry);
    text = answer.Parameter?.Value;
  } catch (cause) {
    throw new ConfigError(source, [{ field: '(parameter)', rule: `must be readable: ${(cause as Error).message}`, value: parameterName }], { cause });
  }
  if (text === undefined) throw new ConfigError(source, [{ field: '(parameter)', rule: 'must have a value', value: undefined }]);
  return parseConfigDocument(text, source);
}

/**
 * Reads the parameter once per cold start and again when the copy is older than the TTL,
 * so an operator's change reaches the controller within a minute without a redeploy.
 * A failed refresh keeps no stale copy: bad config must stop actuation, not be papered over.
 */
export class CachedConfigSource {
  private cached?: { config: ControllerConfig; loadedAtMs: number };
  constructor(
    private readonly load: () => Promise<ControllerConfig>,
    private readonly ttlMs: number = 60_000,
  ) {}

  async get(nowMs: number): Promise<ControllerConfig> {
    if (this.cached && nowMs - this.cached.loadedAtMs < this.ttlMs) return this.cached.config;
    this.cached = undefined;
    const config = await this.load();
    this.cached = { config, loadedAtMs: nowMs };
    return config;
  }
}

/**
 * The fleet document, or the ConfigError that rejected it, already logged with every
 * problem and counted (ConfigInvalid, the alarm's source): the caller changes nothing.
 * Any other failure (SSM unreachable) is the caller's to throw.
 */
export async function loadConfigOrReport(deps: { loadConfig: (now: Date) => Promise<ControllerConfig>; telemetry: Telemetry }, now: Date, handler: 'scale' | 'redeploy'): Promise<ControllerConfig | ConfigError> {
  const dimensions = { Function: handler };
  try {
    const config = await deps.loadConfig(now);
    deps.telemetry.metric({ name: 'ConfigInvalid', value: 0, unit: MetricUnit.Count, dimensions });
    return config;
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    deps.telemetry.error(`${handler}: configuration invalid, changing nothing`, { source: error.source, problems: error.problems });
    deps.telemetry.metric({ name: 'ConfigInvalid', value: 1, unit: MetricUnit.Count, dimensions });
    return error;
  }
}
