import type { ProxyState } from './answer.js';
import { TRANSPORT_PROBLEMS, type PollOutcome, type PollProblem } from './poll.js';
import { CLOCK_SKEW_ALLOWANCE_SECONDS, TRUST_BASED_PAGE_AFTER_SECONDS, TRUST_EXPIRATION_PAGE_WITHIN_SECONDS } from './thresholds.js';

/** Unreachable: no HTTP answer. Unknown: an answer that says nothing trustworthy. */
export type WatchState = ProxyState | 'Unknown' | 'Unreachable';

/** Conditions that page on a single observation. Unreachable pages through its alarm after a few minutes. */
export const PAGE_REASONS = ['Failed', 'TrustBasedOverAnHour', 'TrustExpiresWithinADay', 'TrustExpired'] as const;
export type PageReason = (typeof PAGE_REASONS)[number];

export type ReasonCode =
  | PageReason
  | 'Ready'
  | 'Connected'
  | 'TrustBasedUnderAnHour'
  | 'TrustExpirationUnknown'
  | 'CheckinInFuture'
  | 'TrustBasedWithoutTimestamps'
  | 'Unreachable'
  | 'UnusableAnswer'
  | PollProblem;

export interface ProxyEvaluation {
  proxy: string;
  url: string;
  state: WatchState;
  /** True only for a usable status answer: what the unreachable alarms count. */
  reachable: boolean;
  /** now - last_successful_checkin while TrustBased, 0 in other states, null without a usable answer. */
  trustBasedSeconds: number | null;
  /** trust_expiration - now (negative once expired), null when unknown. */
  secondsToTrustExpiration: number | null;
  lastSuccessfulCheckin: string | null;
  trustExpiration: string | null;
  page: boolean;
  pageReasons: PageReason[];
  reasons: ReasonCode[];
  detail: string;
  httpStatus?: number;
  elapsedMs: number;
  /** Fields a (newer) proxy sent that the watcher does not read: logged so they are seen, never fatal. */
  ignoredFields?: string[];
}

const STATE_CODES: Record<WatchState, number> = { Unreachable: -1, Unknown: 0, Ready: 1, Connected: 2, TrustBased: 3, Failed: 4 };
/** The number LicenseProxyStateCode publishes, so a dashboard can graph the state. */
export function stateCode(state: WatchState): number {
  return STATE_CODES[state];
}

/**
 * What one poll means at `now`. TrustBased time is measured from the proxy's own
 * last_successful_checkin, not from when this watcher first noticed, so an hour means
 * an hour even when polls were lost or the watcher was down.
 */
export function evaluateProxy(outcome: PollOutcome, now: Date): ProxyEvaluation {
  const base = {
    proxy: outcome.proxy.name,
    url: outcome.proxy.url,
    elapsedMs: outcome.elapsedMs,
    ...(outcome.httpStatus !== undefined ? { httpStatus: outcome.httpStatus } : {}),
    ...(outcome.kind === 'answer' && outcome.answer.ignoredFields.length > 0 ? { ignoredFields: outcome.answer.ignoredFields } : {}),
  };
  if (outcome.kind === 'failure') {
    const transport = TRANSPORT_PROBLEMS.has(outcome.problem);
    return {
      ...base,
      ...noAnswer(transport ? 'Unreachable' : 'Unknown'),
      reasons: [transport ? 'Unreachable' : 'UnusableAnswer', outcome.problem],
      detail: outcome.detail,
    };
  }
  const { state, lastSuccessfulCheckin: checkin, trustExpiration: expiration } = outcome.answer;
  const nowMs = now.getTime();
  const times = { lastSuccessfulCheckin: checkin?.toISOString() ?? null, trustExpiration: expiration?.toISOString() ?? null };
  if (checkin && checkin.getTime() - nowMs > CLOCK_SKEW_ALLOWANCE_SECONDS * 1000) {
    const ahead = Math.floor((checkin.getTime() - nowMs) / 1000);
    return {
      ...base,
      ...noAnswer('Unknown'),
      ...times,
      reasons: ['UnusableAnswer', 'CheckinInFuture'],
      detail: `state ${state} but last_successful_checkin ${times.lastSuccessfulCheckin} is ${ahead} s in the future (allowance ${CLOCK_SKEW_ALLOWANCE_SECONDS} s): the proxy clock or answer is wrong, TrustBased time cannot be trusted`,
    };
  }
  if (state === 'TrustBased' && (!checkin || !expiration)) {
    return {
      ...base,
      ...noAnswer('Unknown'),
      ...times,
      reasons: ['UnusableAnswer', 'TrustBasedWithoutTimestamps'],
      detail: `state TrustBased without ${!checkin ? 'last_successful_checkin' : 'trust_expiration'}: how long it has been on trust, or how long it has left, is unknown`,
    };
  }
  const reasons: ReasonCode[] = [];
  const pageReasons: PageReason[] = [];
  // Clamped at 0: a check-in a little ahead (within the skew allowance) is "just now".
  const trustBasedSeconds = state === 'TrustBased' && checkin ? Math.max(0, Math.floor((nowMs - checkin.getTime()) / 1000)) : 0;
  const secondsToTrustExpiration = expiration ? Math.floor((expiration.getTime() - nowMs) / 1000) : null;
  if (state === 'Failed') pageReasons.push('Failed');
  if (state === 'Ready' || state === 'Connected') reasons.push(state);
  if (state === 'TrustBased') {
    if (trustBasedSeconds > TRUST_BASED_PAGE_AFTER_SECONDS) pageReasons.push('TrustBasedOverAnHour');
    else reasons.push('TrustBasedUnderAnHour');
  }
  if (secondsToTrustExpiration === null) reasons.push('TrustExpirationUnknown');
  else if (secondsToTrustExpiration <= 0) pageReasons.push('TrustExpired');
  else if (secondsToTrustExpiration < TRUST_EXPIRATION_PAGE_WITHIN_SECONDS) pageReasons.push('TrustExpiresWithinADay');
  return {
    ...base,
    state,
    reachable: true,
    trustBasedSeconds,
    secondsToTrustExpiration,
    ...times,
    page: pageReasons.length > 0,
    pageReasons,
    reasons: [...pageReasons, ...reasons],
    detail: describeAnswer(state, trustBasedSeconds, secondsToTrustExpiration),
  };
}

function noAnswer(state: 'Unknown' | 'Unreachable') {
  return {
    state,
    reachable: false,
    trustBasedSeconds: null,
    secondsToTrustExpiration: null,
    lastSuccessfulCheckin: null,
    trustExpiration: null,
    page: false,
    pageReasons: [] as PageReason[],
  };
}

function describeAnswer(state: ProxyState, trustBasedSeconds: number, secondsToTrustExpiration: number | null): string {
  const trust = state === 'TrustBased' ? ` for ${formatDuration(trustBasedSeconds)} (pages after ${formatDuration(TRUST_BASED_PAGE_AFTER_SECONDS)})` : '';
  const expiry = secondsToTrustExpiration === null ? 'trust expiration unknown' : secondsToTrustExpiration <= 0 ? `trust expired ${formatDuration(-secondsToTrustExpiration)} ago` : `trust expires in ${formatDuration(secondsToTrustExpiration)}`;
  return `${state}${trust}; ${expiry}`;
}

export function formatDuration(totalSeconds: number): string {
  const seconds = Math.max(0, Math.floor(totalSeconds));
  const days = Math.floor(seconds / 86_400);
  const hours = Math.floor((seconds % 86_400) / 3600);
  const minutes = Math.floor((seconds % 3600) / 60);
  if (days > 0) return `${days} d ${hours} h`;
  if (hours > 0) return `${hours} h ${minutes} min`;
  if (minutes > 0) return `${minutes} min ${seconds % 60} s`;
  return `${seconds} s`;
}

export interface FleetSummary {
  configured: number;
  reachable: number;
  unreachable: number;
  failed: number;
  paging: number;
  allDown: boolean;
  /** Worst across proxies with a usable answer; null when none answered. */
  worstTrustBasedSeconds: number | null;
  lowestSecondsToTrustExpiration: number | null;
  reason: 'AllProxiesDown' | 'SomeProxiesDown' | 'AllProxiesAnswering';
}

/** The worst-across-proxies view the static alarms watch (no Proxy dimension needed at deploy time). */
export function summarize(evaluations: readonly ProxyEvaluation[]): FleetSummary {
  const answering = evaluations.filter((e) => e.reachable);
  const expirations = answering.map((e) => e.secondsToTrustExpiration).filter((s): s is number => s !== null);
  const trustBased = answering.map((e) => e.trustBasedSeconds).filter((s): s is number => s !== null);
  const allDown = evaluations.length > 0 && answering.length === 0;
  return {
    configured: evaluations.length,
    reachable: answering.length,
    unreachable: evaluations.length - answering.length,
    failed: answering.filter((e) => e.state === 'Failed').length,
    paging: evaluations.filter((e) => e.page).length,
    allDown,
    worstTrustBasedSeconds: trustBased.length > 0 ? Math.max(...trustBased) : null,
    lowestSecondsToTrustExpiration: expirations.length > 0 ? Math.min(...expirations) : null,
    reason: allDown ? 'AllProxiesDown' : answering.length < evaluations.length ? 'SomeProxiesDown' : 'AllProxiesAnswering',
  };
}
