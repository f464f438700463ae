import { z } from 'zod';
import { formatProblem, problemsFrom, type ConfigProblem } from '../config/load.js';
import type { ProxyTarget } from './poll.js';

/**
 * The watcher reads its proxies from the environment, not from the fleet document:
 * the license guards every fleet, so a broken or unreadable fleet document must not
 * blind it, and the proxies' addresses are deployment facts that travel with the VPC
 * subnets and security groups the function is deployed into.
 */
export class LicenseSettingsError extends Error {
  override readonly name = 'LicenseSettingsError';
  constructor(
    readonly problems: ConfigProblem[],
    options?: { cause?: unknown },
  ) {
    super(`invalid License Proxy watch settings:\n${problems.map(formatProblem).join('\n')}`, options);
  }
}

export const DEFAULT_TIMEOUT_MS = 3000;
export const STATUS_PATH = '/v1/status';

const proxyName = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/, 'must be 1-64 characters of letters, digits, ".", "_" or "-", starting with a letter or digit (it becomes the CloudWatch Proxy dimension)');

/** A bare origin means the proxy's /v1/status; any other path is taken as the status URL itself. */
export const proxyUrl = z.string().transform((text, ctx) => {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    ctx.addIssue({ code: 'custom', message: 'must be an absolute http:// or https:// URL' });
    return z.NEVER;
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    ctx.addIssue({ code: 'custom', message: 'must use http or https' });
    return z.NEVER;
  }
  if (url.username || url.password) {
    ctx.addIssue({ code: 'custom', message: 'must not carry credentials: they would be logged with every poll' });
    return z.NEVER;
  }
  if (url.hash) {
    ctx.addIssue({ code: 'custom', message: 'must not have a #fragment' });
    return z.NEVER;
  }
  if (url.pathname === '/') url.pathname = STATUS_PATH;
  return url.toString();
});

export const timeoutMs = z.coerce
  .number({ message: 'must be a number of milliseconds' })
  .int('must be a whole number of milliseconds')
  .min(100, 'must be at least 100 ms')
  .max(20_000, 'must be at most 20000 ms: the watcher runs every minute and must finish well inside it');

const proxiesSchema = z
  .array(z.strictObject({ name: proxyName, url: proxyUrl }))
  .min(1, 'must list at least one proxy')
  .max(20, 'must list at most 20 proxies')
  .superRefine((proxies, ctx) => {
    const names = new Map<string, number>();
    const urls = new Map<string, number>();
    proxies.forEach((proxy, index) => {
      const sameName = names.get(proxy.name);
      if (sameName !== undefined) ctx.addIssue({ code: 'custom', path: [index, 'name'], message: `must be unique (also [${sameName}].name)`, input: proxy.name });
      else names.set(proxy.name, index);
      const sameUrl = urls.get(proxy.url);
      if (sameUrl !== undefined) ctx.addIssue({ code: 'custom', path: [index, 'url'], message: `must be unique (also [${sameUrl}].url)`, input: proxy.url });
      else urls.set(proxy.url, index);
    });
  });

const snsTopicArn = z.string().regex(/^arn:aws[a-z-]*:sns:[a-z0-9-]+:\d{12}:[A-Za-z0-9_-]{1,256}$/, 'must be an SNS topic ARN');

export interface LicenseWatchSettings {
  proxies: ProxyTarget[];
  timeoutMs: number;
  alertTopicArn: string;
}

const envSchema = z.object({
  LICENSE_PROXIES: z.string({ message: 'must be set to a JSON array of {"name","url"}' }),
  LICENSE_POLL_TIMEOUT_MS: timeoutMs.default(DEFAULT_TIMEOUT_MS),
  LICENSE_ALERT_TOPIC_ARN: snsTopicArn,
});

/** Every problem at once, each as variable/field, rule and value; nothing runs on bad settings. */
export function parseLicenseSettings(env: Record<string, string | undefined>): LicenseWatchSettings {
  const picked = {
    LICENSE_PROXIES: env.LICENSE_PROXIES,
    LICENSE_POLL_TIMEOUT_MS: env.LICENSE_POLL_TIMEOUT_MS === '' ? undefined : env.LICENSE_POLL_TIMEOUT_MS,
    LICENSE_ALERT_TOPIC_ARN: env.LICENSE_ALERT_TOPIC_ARN,
  };
  const problems: ConfigProblem[] = [];
  const result = envSchema.safeParse(picked);
  if (!result.success) problems.push(...problemsFrom(result.error, picked));
  let proxies: ProxyTarget[] | undefined;
  if (typeof picked.LICENSE_PROXIES === 'string') {
    let document: unknown;
    try {
      document = JSON.parse(picked.LICENSE_PROXIES);
    } catch (cause) {
      problems.push({ field: 'LICENSE_PROXIES', rule: `must be valid JSON: ${(cause as Error).message}`, value: picked.LICENSE_PROXIES });
    }
    if (document !== undefined) {
      const parsed = proxiesSchema.safeParse(document);
      if (parsed.success) proxies = parsed.data;
      else problems.push(...problemsFrom(parsed.error, document).map((p) => ({ ...p, field: `LICENSE_PROXIES${p.field === '(document)' ? '' : p.field.startsWith('[') ? p.field : `.${p.field}`}` })));
    }
  }
  if (problems.length > 0 || !result.success || !proxies) throw new LicenseSettingsError(problems);
  return { proxies, timeoutMs: result.data.LICENSE_POLL_TIMEOUT_MS, alertTopicArn: result.data.LICENSE_ALERT_TOPIC_ARN };
}
