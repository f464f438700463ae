import { GetParameterCommand } from '@aws-sdk/client-ssm';
import { open } from 'node:fs/promises';
import { parse as parseYaml } from 'yaml';
import type { z } from 'zod';
import type { SsmPort } from '../aws/ports.js';
import { withRetry, type RetryPolicy } from '../aws/retry.js';
import { decodeDocument, sizeProblem, SSM_ADVANCED_BYTES, ssmTierFor, withoutByteOrderMark, type SsmTier, type TextProblem } from './document-text.js';
import { ruleFor } from './messages.js';
import { formatPath, formatProblem, valueAt, type ConfigProblem } from './problem.js';
import { crossFieldProblems } from './rules.js';
import { configSchema, type ControllerConfig } from './schema.js';
import { MetricUnit, type Telemetry } from '../telemetry.js';

export type { ConfigProblem } from './problem.js';
export { formatPath, formatProblem, valueAt } from './problem.js';

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

/** Every problem zod found, each with the field, the rule and the value it saw. */
export function problemsFrom(error: z.ZodError, document: unknown): ConfigProblem[] {
  return error.issues.map((issue) => {
    if (issue.code === 'unrecognized_keys') {
      return { field: formatPath(issue.path), rule: `unknown field(s) ${issue.keys.join(', ')}: not part of the schema`, value: issue.keys };
    }
    return { field: formatPath(issue.path), rule: issue.message, value: valueAt(document, issue.path) };
  });
}

/** The document from its text: size first (before any parsing), then YAML or JSON, then every rule. */
export function parseConfigDocument(text: string, source: string): ControllerConfig {
  const tooBig = sizeProblem(Buffer.byteLength(text, 'utf8'));
  if (tooBig) throw new ConfigError(source, [{ field: '(document)', ...tooBig }]);
  let document: unknown;
  try {
    document = parseYaml(withoutByteOrderMark(text));
  } catch (cause) {
    throw new ConfigError(source, [{ field: '(document)', rule: `must be valid YAML or JSON: ${(cause as Error).message.split('\n')[0]}`, value: text.slice(0, 40) }], { cause });
  }
  return validateConfig(document, source);
}

/** Schema and cross-field rules together, so the operator sees every problem in one pass. */
export function validateConfig(document: unknown, source: string): ControllerConfig {
  const result = configSchema.safeParse(document, { error: ruleFor });
  const problems = [...(result.success ? [] : problemsFrom(result.error, document)), ...crossFieldProblems(document)];
  if (problems.length > 0 || !result.success) throw new ConfigError(source, problems, { cause: result.success ? undefined : result.error });
  return result.data;
}

/** The document's text from a file: at most one byte past the SSM limit is read, so a huge file is refused at once. */
export async function readConfigFile(path: string): Promise<{ text: string; bytes: number }> {
  let bytes: Uint8Array;
  try {
    const file = await open(path, 'r');
    try {
      const buffer = Buffer.alloc(SSM_ADVANCED_BYTES + 1);
      const { bytesRead } = await file.read(buffer, 0, buffer.length, 0);
      const size = bytesRead > SSM_ADVANCED_BYTES ? (await file.stat()).size : bytesRead;
      if (bytesRead > SSM_ADVANCED_BYTES) throw new ConfigError(path, [{ field: '(document)', ...(sizeProblem(Math.max(size, bytesRead)) as TextProblem) }]);
      bytes = buffer.subarray(0, bytesRead);
    } finally {
      await file.close();
    }
  } catch (cause) {
    if (cause instanceof ConfigError) throw cause;
    throw new ConfigError(path, [{ field: '(file)', rule: `must be a readable file: ${(cause as Error).message}`, value: path }], { cause });
  }
  const decoded = decodeDocument(bytes);
  if ('problem' in decoded) throw new ConfigError(path, [{ field: '(document)', ...decoded.problem }]);
  return { text: decoded.text, bytes: bytes.length };
}

export async function loadConfigFile(path: string): Promise<ControllerConfig> {
  return parseConfigDocument((await readConfigFile(path)).text, path);
}

/** What `validate` reports: the document, its size, and the SSM tier that holds it. */
export async function checkConfigFile(path: string): Promise<{ config: ControllerConfig; bytes: number; tier: SsmTier }> {
  const { text, bytes } = await readConfigFile(path);
  const config = parseConfigDocument(text, path);
  // readConfigFile refused anything no tier holds.
  return { config, bytes, tier: ssmTierFor(bytes) as SsmTier };
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
