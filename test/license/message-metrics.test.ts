import { describe, expect, it } from 'vitest';
import { evaluateProxy, summarize } from '../../lib/license/evaluate.js';
import { formatAlertMessage } from '../../lib/license/message.js';
import { buildMetricData } from '../../lib/license/metrics.js';
import type { PollOutcome } from '../../lib/license/poll.js';

const NOW = new Date('2026-11-20T12:00:00.000Z');
const proxy = { name: 'proxy-b', url: 'http://10.0.2.20:8089/v1/status' };
const answer = (state: 'Failed' | 'Connected', checkin: string | null, expiration: string | null): PollOutcome => ({
  kind: 'answer',
  proxy,
  answer: { state, lastSuccessfulCheckin: checkin ? new Date(checkin) : null, trustExpiration: expiration ? new Date(expiration) : null, ignoredFields: [] },
  httpStatus: 503,
  elapsedMs: 4,
});

describe('formatAlertMessage', () => {
  it('a Failed proxy whose trust has passed: the state, the last check-in and how long ago trust ended', () => {
    const evaluation = evaluateProxy(answer('Failed', '2026-11-17T08:00:00Z', '2026-11-20T10:30:00Z'), NOW);
    const { subject, message } = formatAlertMessage(evaluation, evaluation.pageReasons, NOW);
    expect(subject).toBe('[PAGE] License Proxy proxy-b: Failed - Failed, TrustExpired');
    expect(message).toContain('State: Failed, last successful check-in 2026-11-17T08:00:00.000Z');
    // 12:00 - 10:30 = 1 h 30 min
    expect(message).toContain('Trust expiration: 2026-11-20T10:30:00.000Z (passed 1 h 30 min ago)');
    expect(message).toContain('Newly paging: Failed, TrustExpired');
    expect(message).toContain('fleet-scaler license-status --url http://10.0.2.20:8089/v1/status');
  });

  it('keeps the subject within SNS limits: ASCII, one line, 100 characters', () => {
    const long = { ...evaluateProxy(answer('Failed', null, null), NOW), proxy: `p-${'x'.repeat(120)}` };
    const { subject } = formatAlertMessage(long, long.pageReasons, NOW);
    expect(subject.length).toBe(100);
    expect(subject).toMatch(/^[\x20-\x7e]+$/);
  });
});

describe('buildMetricData', () => {
  it('with every proxy down, publishes what is known and leaves the unknown numbers out', () => {
    const down = evaluateProxy({ kind: 'failure', proxy, problem: 'Timeout', detail: 'no answer', elapsedMs: 3000 }, NOW);
    const data = buildMetricData([down], summarize([down]), new Map(), NOW);
    expect(data.map((d) => `${d.MetricName}${d.Dimensions ? `[${d.Dimensions[0]?.Value}]` : ''}=${d.Value}`)).toEqual([
      'LicenseProxyReachable[proxy-b]=0',
      'LicenseProxyStateCode[proxy-b]=-1',
      'LicenseProxyAnnouncedPages[proxy-b]=0',
      'LicenseProxiesConfigured=1',
      'LicenseProxiesReachable=0',
      'LicenseProxiesUnreachable=1',
      'LicenseWatchHeartbeat=1',
    ]);
  });
});
