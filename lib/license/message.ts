import { formatDuration, type PageReason, type ProxyEvaluation } from './evaluate.js';

export const RUNBOOK = 'docs/runbook-license.md';

const WHAT_IT_MEANS: Record<PageReason, string> = {
  Failed: 'the proxy reports Failed: it cannot vouch for the license, Engine and API requests may be refused now',
  TrustBasedOverAnHour: 'the proxy has not reached the Deepgram license server for over an hour and is serving on trust',
  TrustExpiresWithinADay: 'trust_expiration is less than a day away: past it the deployment stops serving',
  TrustExpired: 'trust_expiration has passed: the deployment stops serving',
};

export interface AlertMessage {
  /** SNS subjects are ASCII, one line, at most 100 characters. */
  subject: string;
  message: string;
}

/** The human message for on-call: the proxy, its state, since when, and the trust expiration. */
export function formatAlertMessage(evaluation: ProxyEvaluation, newReasons: readonly PageReason[], now: Date): AlertMessage {
  const e = evaluation;
  const since =
    e.state === 'TrustBased' && e.lastSuccessfulCheckin
      ? `since ${e.lastSuccessfulCheckin} (${formatDuration(e.trustBasedSeconds ?? 0)})`
      : e.lastSuccessfulCheckin
        ? `last successful check-in ${e.lastSuccessfulCheckin}`
        : 'no successful check-in reported';
  const expiry =
    e.trustExpiration === null || e.secondsToTrustExpiration === null
      ? 'unknown'
      : e.secondsToTrustExpiration <= 0
        ? `${e.trustExpiration} (passed ${formatDuration(-e.secondsToTrustExpiration)} ago)`
        : `${e.trustExpiration} (in ${formatDuration(e.secondsToTrustExpiration)})`;
  const subject = ascii(`[PAGE] License Proxy ${e.proxy}: ${e.state} - ${e.pageReasons.join(', ')}`).slice(0, 100);
  const lines = [
    `License Proxy "${e.proxy}" (${e.url}) needs attention.`,
    '',
    `State: ${e.state}, ${since}`,
    `Trust expiration: ${expiry}`,
    `Newly paging: ${newReasons.join(', ')}`,
    ...e.pageReasons.map((reason) => `  - ${reason}: ${WHAT_IT_MEANS[reason]}`),
    `Observed: ${now.toISOString()}`,
    '',
    `What to do first: run "fleet-scaler license-status --url ${e.url}" from a host in the VPC, then follow ${RUNBOOK} (section "${e.pageReasons[0] ?? 'Failed'}").`,
    'The CloudWatch alarm for this condition pages separately and sends OK on recovery; this message is sent once per new condition.',
  ];
  return { subject, message: lines.join('\n') };
}

function ascii(text: string): string {
  return text.replace(/[^\x20-\x7e]/g, '?');
}
