import { describe, expect, it } from 'vitest';
import type { ProxyAnswer } from '../../lib/license/answer.js';
import { evaluateProxy, summarize, type PageReason, type ReasonCode, type WatchState } from '../../lib/license/evaluate.js';
import type { PollOutcome, PollProblem } from '../../lib/license/poll.js';

const NOW = new Date('2026-11-20T12:00:00.000Z');
const PROXY = { name: 'proxy-a', url: 'http://10.0.1.10:8089/v1/status' };
const ago = (seconds: number) => new Date(NOW.getTime() - seconds * 1000);
const ahead = (seconds: number) => new Date(NOW.getTime() + seconds * 1000);

function answered(state: ProxyAnswer['state'], checkin: Date | null, expiration: Date | null): PollOutcome {
  return { kind: 'answer', proxy: PROXY, answer: { state, lastSuccessfulCheckin: checkin, trustExpiration: expiration, ignoredFields: [] }, httpStatus: 200, elapsedMs: 12 };
}
function failed(problem: PollProblem): PollOutcome {
  return { kind: 'failure', proxy: PROXY, problem, detail: `${problem} detail`, elapsedMs: 12 };
}

interface Case {
  name: string;
  outcome: PollOutcome;
  state: WatchState;
  reachable: boolean;
  trustBasedSeconds: number | null;
  secondsToTrustExpiration: number | null;
  pageReasons: PageReason[];
  reasons: ReasonCode[];
}

const cases: Case[] = [
  { name: 'Connected, trust far away', outcome: answered('Connected', ago(20), ahead(7 * 86_400)), state: 'Connected', reachable: true, trustBasedSeconds: 0, secondsToTrustExpiration: 604_800, pageReasons: [], reasons: ['Connected'] },
  { name: 'Ready without a trust expiration', outcome: answered('Ready', null, null), state: 'Ready', reachable: true, trustBasedSeconds: 0, secondsToTrustExpiration: null, pageReasons: [], reasons: ['Ready', 'TrustExpirationUnknown'] },
  // 59 min = 3540 s, under the 3600 s threshold
  { name: 'TrustBased for 59 minutes does not page', outcome: answered('TrustBased', ago(59 * 60), ahead(3 * 86_400)), state: 'TrustBased', reachable: true, trustBasedSeconds: 3540, secondsToTrustExpiration: 259_200, pageReasons: [], reasons: ['TrustBasedUnderAnHour'] },
  // exactly 3600 s is not "over an hour"
  { name: 'TrustBased for exactly an hour does not page', outcome: answered('TrustBased', ago(3600), ahead(3 * 86_400)), state: 'TrustBased', reachable: true, trustBasedSeconds: 3600, secondsToTrustExpiration: 259_200, pageReasons: [], reasons: ['TrustBasedUnderAnHour'] },
  // 3601 s > 3600 s
  { name: 'TrustBased for an hour and a second pages', outcome: answered('TrustBased', ago(3601), ahead(3 * 86_400)), state: 'TrustBased', reachable: true, trustBasedSeconds: 3601, secondsToTrustExpiration: 259_200, pageReasons: ['TrustBasedOverAnHour'], reasons: ['TrustBasedOverAnHour'] },
  // 61 min = 3660 s; expiry 23 h = 82800 s < 86400 s: both page
  { name: 'TrustBased 61 minutes with trust ending in 23 hours pages twice over', outcome: answered('TrustBased', ago(61 * 60), ahead(23 * 3600)), state: 'TrustBased', reachable: true, trustBasedSeconds: 3660, secondsToTrustExpiration: 82_800, pageReasons: ['TrustBasedOverAnHour', 'TrustExpiresWithinADay'], reasons: ['TrustBasedOverAnHour', 'TrustExpiresWithinADay'] },
  // a check-in 60 s ahead is within the 120 s skew allowance: counted as 0 s on trust
  { name: 'check-in slightly ahead (clock skew) counts as just now', outcome: answered('TrustBased', ahead(60), ahead(2 * 86_400)), state: 'TrustBased', reachable: true, trustBasedSeconds: 0, secondsToTrustExpiration: 172_800, pageReasons: [], reasons: ['TrustBasedUnderAnHour'] },
  { name: 'Failed pages at once', outcome: answered('Failed', ago(3 * 86_400), ahead(86_400)), state: 'Failed', reachable: true, trustBasedSeconds: 0, secondsToTrustExpiration: 86_400, pageReasons: ['Failed'], reasons: ['Failed'] },
  // 86399 s < 86400 s
  { name: 'Connected with trust ending a second inside a day pages', outcome: answered('Connected', ago(10), ahead(86_399)), state: 'Connected', reachable: true, trustBasedSeconds: 0, secondsToTrustExpiration: 86_399, pageReasons: ['TrustExpiresWithinADay'], reasons: ['TrustExpiresWithinADay', 'Connected'] },
  { name: 'trust already expired', outcome: answered('Failed', ago(5 * 86_400), ago(90)), state: 'Failed', reachable: true, trustBasedSeconds: 0, secondsToTrustExpiration: -90, pageReasons: ['Failed', 'TrustExpired'], reasons: ['Failed', 'TrustExpired'] },
  { name: 'check-in an hour in the future is not trusted', outcome: answered('TrustBased', ahead(3600), ahead(86_400 * 2)), state: 'Unknown', reachable: false, trustBasedSeconds: null, secondsToTrustExpiration: null, pageReasons: [], reasons: ['UnusableAnswer', 'CheckinInFuture'] },
  { name: 'TrustBased without a check-in time', outcome: answered('TrustBased', null, ahead(86_400 * 2)), state: 'Unknown', reachable: false, trustBasedSeconds: null, secondsToTrustExpiration: null, pageReasons: [], reasons: ['UnusableAnswer', 'TrustBasedWithoutTimestamps'] },
  { name: 'timeout is Unreachable', outcome: failed('Timeout'), state: 'Unreachable', reachable: false, trustBasedSeconds: null, secondsToTrustExpiration: null, pageReasons: [], reasons: ['Unreachable', 'Timeout'] },
  { name: 'TLS failure is Unreachable', outcome: failed('TlsError'), state: 'Unreachable', reachable: false, trustBasedSeconds: null, secondsToTrustExpiration: null, pageReasons: [], reasons: ['Unreachable', 'TlsError'] },
  { name: 'HTML page is Unknown', outcome: failed('NotJson'), state: 'Unknown', reachable: false, trustBasedSeconds: null, secondsToTrustExpiration: null, pageReasons: [], reasons: ['UnusableAnswer', 'NotJson'] },
  { name: 'redirect is Unknown', outcome: failed('Redirect'), state: 'Unknown', reachable: false, trustBasedSeconds: null, secondsToTrustExpiration: null, pageReasons: [], reasons: ['UnusableAnswer', 'Redirect'] },
];

describe('evaluateProxy', () => {
  it.each(cases)('$name', ({ outcome, state, reachable, trustBasedSeconds, secondsToTrustExpiration, pageReasons, reasons }) => {
    const evaluation = evaluateProxy(outcome, NOW);
    expect(evaluation).toMatchObject({ state, reachable, trustBasedSeconds, secondsToTrustExpiration, pageReasons, reasons, page: pageReasons.length > 0 });
  });

  it('measures TrustBased time from the check-in, so lost polls lose no time', () => {
    // The watcher's first look comes 61 minutes into the outage: 61 * 60 = 3660 s, it pages on that first look.
    const firstLook = evaluateProxy(answered('TrustBased', ago(61 * 60), ahead(3 * 86_400)), NOW);
    expect(firstLook).toMatchObject({ trustBasedSeconds: 3660, page: true });
  });
});

describe('summarize', () => {
  const trustBased = evaluateProxy(answered('TrustBased', ago(4000), ahead(90_000)), NOW);
  const connected = evaluateProxy(answered('Connected', ago(5), ahead(600_000)), NOW);
  const down = evaluateProxy(failed('Timeout'), NOW);

  it.each([
    // worst TrustBased: max(4000, 0) = 4000; lowest expiry: min(90000, 600000) = 90000
    { name: 'two answering', evaluations: [trustBased, connected], expected: { configured: 2, reachable: 2, unreachable: 0, failed: 0, paging: 1, allDown: false, worstTrustBasedSeconds: 4000, lowestSecondsToTrustExpiration: 90_000, reason: 'AllProxiesAnswering' } },
    { name: 'one down', evaluations: [connected, down], expected: { configured: 2, reachable: 1, unreachable: 1, allDown: false, worstTrustBasedSeconds: 0, lowestSecondsToTrustExpiration: 600_000, reason: 'SomeProxiesDown' } },
    { name: 'all down: the worst numbers are unknown, not 0', evaluations: [down, down], expected: { configured: 2, reachable: 0, unreachable: 2, allDown: true, worstTrustBasedSeconds: null, lowestSecondsToTrustExpiration: null, reason: 'AllProxiesDown' } },
  ])('$name', ({ evaluations, expected }) => {
    expect(summarize(evaluations)).toMatchObject(expected);
  });
});
