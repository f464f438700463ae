import { evaluateProxy, formatDuration, summarize, type ProxyEvaluation } from '../../lib/license/evaluate.js';
import { pollProxy, type PollOutcome, type ProxyTarget } from '../../lib/license/poll.js';
import { DEFAULT_TIMEOUT_MS, proxyUrl, timeoutMs as timeoutSchema } from '../../lib/license/settings.js';
import { UNREACHABLE_PAGE_AFTER_MINUTES } from '../../lib/license/thresholds.js';

export interface CommandIo {
  stdout: { write(text: string): unknown };
  stderr: { write(text: string): unknown };
}

export interface LicenseStatusDeps {
  now?: () => Date;
  poll?: (proxy: ProxyTarget, timeoutMs: number) => Promise<PollOutcome>;
}

/** Exit codes: scripts on a bastion branch on them. */
export const EXIT = { ok: 0, wouldPage: 1, usage: 2, noUsableAnswer: 3 } as const;

const USAGE = 'usage: fleet-scaler license-status --url URL [--url URL2 ...] [--timeout-ms N]';

export class LicenseStatusUsageError extends Error {
  override readonly name = 'LicenseStatusUsageError';
}

interface Flags {
  urls: string[];
  timeoutMs: number;
}

export function parseLicenseStatusFlags(argv: readonly string[]): Flags {
  const urls: string[] = [];
  let timeoutMs = DEFAULT_TIMEOUT_MS;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    const [flag, inline] = arg.startsWith('--') && arg.includes('=') ? [arg.slice(0, arg.indexOf('=')), arg.slice(arg.indexOf('=') + 1)] : [arg, undefined];
    if (flag !== '--url' && flag !== '--timeout-ms') throw new LicenseStatusUsageError(`${flag}: unknown flag (got ${JSON.stringify(arg)})\n${USAGE}`);
    const value = inline ?? argv[++i];
    if (value === undefined || (inline === undefined && value.startsWith('--'))) throw new LicenseStatusUsageError(`${flag}: needs a value (got nothing)\n${USAGE}`);
    if (flag === '--url') {
      const parsed = proxyUrl.safeParse(value);
      if (!parsed.success) throw new LicenseStatusUsageError(`--url: ${parsed.error.issues[0]?.message ?? 'invalid'} (got ${JSON.stringify(value)})`);
      urls.push(parsed.data);
    } else {
      const parsed = timeoutSchema.safeParse(value.trim() === '' ? undefined : value);
      if (!parsed.success) throw new LicenseStatusUsageError(`--timeout-ms: ${parsed.error.issues[0]?.message ?? 'invalid'} (got ${JSON.stringify(value)})`);
      timeoutMs = parsed.data;
    }
  }
  if (urls.length === 0) throw new LicenseStatusUsageError(`--url: at least one is required (got none)\n${USAGE}`);
  const duplicate = urls.find((url, index) => urls.indexOf(url) !== index);
  if (duplicate) throw new LicenseStatusUsageError(`--url: must not repeat a proxy (got ${JSON.stringify(duplicate)} twice)`);
  return { urls, timeoutMs };
}

/** Prints what the watcher would conclude for each proxy; non-zero when it would page. */
export async function licenseStatusCommand(argv: string[], io: CommandIo, deps: LicenseStatusDeps = {}): Promise<number> {
  let flags: Flags;
  try {
    flags = parseLicenseStatusFlags(argv);
  } catch (error) {
    if (!(error instanceof LicenseStatusUsageError)) throw error;
    io.stderr.write(`license-status: ${error.message}\n`);
    return EXIT.usage;
  }
  const poll = deps.poll ?? ((proxy: ProxyTarget, timeoutMs: number) => pollProxy(proxy, { timeoutMs }));
  const proxies = flags.urls.map((url) => ({ name: new URL(url).host, url }));
  const outcomes = await Promise.all(proxies.map((proxy) => poll(proxy, flags.timeoutMs)));
  const now = (deps.now ?? (() => new Date()))();
  const evaluations = outcomes.map((outcome) => evaluateProxy(outcome, now));
  for (const evaluation of evaluations) io.stdout.write(render(evaluation));
  const summary = summarize(evaluations);
  const verdict = summary.paging > 0 ? EXIT.wouldPage : summary.unreachable > 0 ? EXIT.noUsableAnswer : EXIT.ok;
  const closing: Record<number, string> = {
    [EXIT.ok]: 'verdict: no page',
    [EXIT.wouldPage]: `verdict: WOULD PAGE (${summary.paging} of ${summary.configured} proxies)`,
    [EXIT.noUsableAnswer]: `verdict: no usable answer from ${summary.unreachable} of ${summary.configured} proxies: pages if it lasts ${UNREACHABLE_PAGE_AFTER_MINUTES} minutes${summary.allDown ? ' (every proxy is down)' : ''}`,
  };
  io.stdout.write(`${closing[verdict]} at ${now.toISOString()}\n`);
  return verdict;
}

function render(e: ProxyEvaluation): string {
  const lines = [`${e.proxy} (${e.url})`, `  state:      ${e.state}${e.httpStatus !== undefined ? ` (HTTP ${e.httpStatus}, ${e.elapsedMs} ms)` : ` (${e.elapsedMs} ms)`}`];
  if (e.reachable) {
    const since = e.state === 'TrustBased' ? `TrustBased since ${e.lastSuccessfulCheckin} (${formatDuration(e.trustBasedSeconds ?? 0)})` : `last check-in ${e.lastSuccessfulCheckin ?? 'never reported'}`;
    lines.push(`  since:      ${since}`);
    const expiry = e.secondsToTrustExpiration === null ? 'unknown' : `${e.trustExpiration} (${e.secondsToTrustExpiration <= 0 ? `passed ${formatDuration(-e.secondsToTrustExpiration)} ago` : `in ${formatDuration(e.secondsToTrustExpiration)}`})`;
    lines.push(`  expiration: ${expiry}`);
  } else {
    lines.push(`  problem:    ${e.detail}`);
  }
  lines.push(`  would page: ${e.page ? `YES (${e.pageReasons.join(', ')})` : e.reachable ? 'no' : `not yet (${e.reasons.join(', ')}; pages after ${UNREACHABLE_PAGE_AFTER_MINUTES} minutes)`}`);
  return `${lines.join('\n')}\n`;
}
