import { evaluateProxy, formatDuration, summarize, type ProxyEvaluation } from '../../lib/license/evaluate.js';
import { pollProxy, type PollOutcome, type ProxyTarget } from '../../lib/license/poll.js';
import { DEFAULT_TIMEOUT_MS, proxyUrl, timeoutMs as timeoutSchema } from '../../lib/license/settings.js';
import { UNREACHABLE_PAGE_AFTER_MINUTES } from '../../lib/license/thresholds.js';
import { FlagError, parseFlags, type CommandIo, type CommandSpec } from '../flags.js';

export interface LicenseStatusDeps {
  now?: () => Date;
  poll?: (proxy: ProxyTarget, timeoutMs: number) => Promise<PollOutcome>;
}

/** Exit codes: scripts on a bastion branch on them. */
export const EXIT = { ok: 0, wouldPage: 1, usage: 2, noUsableAnswer: 3 } as const;

export const licenseStatusFlags = {
  url: { schema: proxyUrl, required: true, multiple: true, value: 'URL', help: "a License Proxy's status address (its status port: 8080 unless status.port says otherwise; 8443 is the licensing port); a bare origin polls /v1/status" },
  'timeout-ms': { schema: timeoutSchema, value: 'N', default: String(DEFAULT_TIMEOUT_MS), help: 'how long each poll may take, in milliseconds (100-20000)' },
};

export const licenseStatusSpec: CommandSpec = {
  name: 'license-status',
  description: `Polls each License Proxy once and prints what the license-watch Lambda would conclude.\nExit ${EXIT.ok}: no page; ${EXIT.wouldPage}: it would page; ${EXIT.noUsableAnswer}: no usable answer from some proxy (it pages if that lasts ${UNREACHABLE_PAGE_AFTER_MINUTES} minutes); ${EXIT.usage}: a bad call.`,
  flags: licenseStatusFlags,
  examples: ['fleet-scaler license-status --url http://10.0.1.10:8080 --url http://10.0.2.10:8080', 'fleet-scaler license-status --url http://license-proxy:8089/v1/status --timeout-ms 5000'],
};

interface Flags {
  urls: string[];
  timeoutMs: number;
}

export function parseLicenseStatusFlags(argv: readonly string[]): Flags {
  const flags = parseFlags(argv, licenseStatusFlags);
  const urls = flags.url as string[];
  const duplicate = urls.find((url, index) => urls.indexOf(url) !== index);
  if (duplicate) throw new FlagError(`--url: must not repeat a proxy (got ${JSON.stringify(duplicate)} twice)`);
  return { urls, timeoutMs: (flags['timeout-ms'] as number | undefined) ?? DEFAULT_TIMEOUT_MS };
}

/** Prints what the watcher would conclude for each proxy; non-zero when it would page. */
export async function licenseStatusCommand(argv: string[], io: CommandIo, deps: LicenseStatusDeps = {}): Promise<number> {
  let flags: Flags;
  try {
    flags = parseLicenseStatusFlags(argv);
  } catch (error) {
    if (!(error instanceof FlagError)) throw error;
    io.stderr.write(`fleet-scaler license-status: ${error.message}\n`);
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
