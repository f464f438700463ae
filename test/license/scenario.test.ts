import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import type { Context } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createLicenseWatchHandler } from '../../functions/license-watch.js';
import type { LicenseWatchResult } from '../../lib/license/watch.js';
import { MemoryTelemetry } from '../../lib/telemetry.js';
import { evaluateAlarm, loadAlarms, type AlarmState } from './alarm-model.js';
import { memoryCloudWatch } from './cloudwatch-store.js';
import { FakeProxyServer, refusedPort } from './proxy-server.js';

// The proxy lost the license server at T0 (its last successful check-in) and serves on trust.
const T0 = new Date('2026-11-20T08:00:00.000Z');
const TRUST_EXPIRATION = new Date('2026-11-23T08:00:00.000Z');
const minute = (k: number) => new Date(T0.getTime() + k * 60_000 + 5_000);
const noRetry = { attempts: 1, baseDelayMs: 0, maxDelayMs: 0, sleep: async () => {}, random: () => 0 };
const alarms = loadAlarms();

let body: Record<string, unknown> = {};
const server = new FakeProxyServer().route('/v1/status', (_req, res) => {
  res.writeHead(200, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
});
let refused = 0;

beforeAll(async () => {
  await server.start();
  refused = await refusedPort();
});
afterAll(async () => {
  await server.stop();
});

const sns = mockClient(SNSClient);
beforeEach(() => {
  sns.reset();
  sns.on(PublishCommand).resolves({ MessageId: 'm' });
  body = { state: 'TrustBased', last_successful_checkin: T0.toISOString(), trust_expiration: TRUST_EXPIRATION.toISOString() };
});

/** Runs the real handler once per listed minute against the loopback proxy and an in-memory CloudWatch. */
function watcher(proxies: { name: string; url: string }[]) {
  const cloudwatch = memoryCloudWatch();
  let now = T0;
  const handler = createLicenseWatchHandler({
    ports: { cloudwatch: new CloudWatchClient({ region: 'us-east-1' }), sns: new SNSClient({ region: 'us-east-1' }) },
    telemetry: new MemoryTelemetry(),
    now: () => now,
    retry: noRetry,
    settings: { timeoutMs: 5000, alertTopicArn: 'arn:aws:sns:us-east-1:123456789012:license', proxies },
  });
  return {
    cloudwatch,
    async tick(k: number): Promise<LicenseWatchResult> {
      now = minute(k);
      return handler({}, {} as Context);
    },
    alarm(id: string, k: number, previous: AlarmState = 'OK'): AlarmState {
      const definition = alarms[id];
      if (!definition) throw new Error(`no alarm ${id} in the fragment`);
      return evaluateAlarm(definition, cloudwatch.series(definition.MetricName), minute(k), previous);
    },
  };
}

describe('scenario: a proxy on trust, polled every minute', () => {
  it('59 minutes of TrustBased do not page; 61 minutes page once, through the alarm and one message', async () => {
    const w = watcher([{ name: 'proxy-a', url: server.url('/v1/status') }]);
    for (let k = 0; k <= 59; k++) await w.tick(k);
    // at 59 min 5 s on trust: 3545 s <= 3600 s
    expect(w.cloudwatch.series('LicenseWorstTrustBasedSeconds').at(-1)?.value).toBe(3545);
    expect(w.alarm('LicenseTrustBasedOverAnHourAlarm', 59)).toBe('OK');
    expect(sns).toHaveReceivedCommandTimes(PublishCommand, 0);

    // 60 min 5 s: 3605 s > 3600 s, the first tick past the hour
    const sixty = await w.tick(60);
    expect(sixty.proxies[0]?.evaluation).toMatchObject({ trustBasedSeconds: 3605, page: true, pageReasons: ['TrustBasedOverAnHour'] });
    await w.tick(61);
    // 61 min 5 s: 3665 s
    expect(w.cloudwatch.series('LicenseWorstTrustBasedSeconds').at(-1)?.value).toBe(3665);
    expect(w.alarm('LicenseTrustBasedOverAnHourAlarm', 61)).toBe('ALARM');
    expect(sns).toHaveReceivedCommandTimes(PublishCommand, 1);
    expect(sns.commandCalls(PublishCommand)[0]?.args[0].input.Message).toContain('since 2026-11-20T08:00:00.000Z (1 h 0 min)');

    // Still on trust: the alarm stays in ALARM, the message is not repeated (history read back from CloudWatch).
    const later = await w.tick(62);
    expect(later.proxies[0]?.announcement.reason).toBe('AlreadyAnnounced');
    expect(sns).toHaveReceivedCommandTimes(PublishCommand, 1);

    // The proxy reaches the license server again: the alarm recovers (OK is sent to the topic by CloudWatch).
    body = { state: 'Connected', last_successful_checkin: minute(63).toISOString(), trust_expiration: TRUST_EXPIRATION.toISOString() };
    await w.tick(63);
    expect(w.alarm('LicenseTrustBasedOverAnHourAlarm', 63, 'ALARM')).toBe('OK');
  });

  it('an hour means an hour even when every earlier poll was lost', async () => {
    const w = watcher([{ name: 'proxy-a', url: server.url('/v1/status') }]);
    const first = await w.tick(61);
    // the watcher's first look: 61 min 5 s = 3665 s since the check-in
    expect(first.proxies[0]?.evaluation).toMatchObject({ trustBasedSeconds: 3665, page: true });
    expect(w.alarm('LicenseTrustBasedOverAnHourAlarm', 61)).toBe('ALARM');
    expect(sns).toHaveReceivedCommandTimes(PublishCommand, 1);
  });

  it('an unreachable proxy pages after 3 minutes; with every proxy down, after 2', async () => {
    const w = watcher([{ name: 'proxy-down', url: `http://127.0.0.1:${refused}/v1/status` }]);
    const states: { k: number; unreachable: AlarmState; allDown: AlarmState }[] = [];
    for (let k = 0; k < 3; k++) {
      await w.tick(k);
      states.push({ k, unreachable: w.alarm('LicenseProxyUnreachableAlarm', k), allDown: w.alarm('LicenseAllProxiesDownAlarm', k) });
    }
    expect(states).toEqual([
      { k: 0, unreachable: 'OK', allDown: 'OK' },
      { k: 1, unreachable: 'OK', allDown: 'ALARM' },
      { k: 2, unreachable: 'ALARM', allDown: 'ALARM' },
    ]);
    // An unreachable proxy has no state to announce; its alarm is the page.
    expect(sns).toHaveReceivedCommandTimes(PublishCommand, 0);
  });

  it('the watcher going silent pages on the missing heartbeat, and no other alarm flips', async () => {
    const w = watcher([{ name: 'proxy-a', url: server.url('/v1/status') }]);
    for (let k = 58; k <= 61; k++) await w.tick(k);
    expect(w.alarm('LicenseWatchSilentAlarm', 61)).toBe('OK');
    // no ticks at minutes 62, 63, 64
    expect(w.alarm('LicenseWatchSilentAlarm', 63)).toBe('OK');
    expect(w.alarm('LicenseWatchSilentAlarm', 64)).toBe('ALARM');
    expect(w.alarm('LicenseTrustBasedOverAnHourAlarm', 64, 'ALARM')).toBe('ALARM');
  });
});
