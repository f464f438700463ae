import { CloudWatchClient, GetMetricDataCommand, PutMetricDataCommand, type MetricDatum } from '@aws-sdk/client-cloudwatch';
import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import type { Context } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createLicenseWatchHandler, licenseWatchProductionDeps, type LicenseWatchDeps } from '../../functions/license-watch.js';
import { pageMask } from '../../lib/license/announce.js';
import { MemoryTelemetry } from '../../lib/telemetry.js';
import { FakeProxyServer, refusedPort, statusBody } from './proxy-server.js';

const NOW = new Date('2026-11-20T12:00:30.000Z');
const TOPIC = 'arn:aws:sns:us-east-1:123456789012:gfs-license-alerts';
const noRetry = { attempts: 1, baseDelayMs: 0, maxDelayMs: 0, sleep: async () => {}, random: () => 0 };
const scheduled = { version: '0', id: 'e-1', source: 'aws.events', account: '123456789012', time: NOW.toISOString(), region: 'us-east-1', resources: [], 'detail-type': 'Scheduled Event', detail: {} };

const cw = mockClient(CloudWatchClient);
const sns = mockClient(SNSClient);
const server = new FakeProxyServer()
  // 61 min on trust (3660 s); trust ends in 30 h (108000 s)
  .json('/a/v1/status', statusBody('TrustBased', NOW, 61 * 60, 30 * 3600))
  .json('/b/v1/status', statusBody('Connected', NOW, 15, 7 * 86_400));
let refused = 0;

beforeAll(async () => {
  await server.start();
  refused = await refusedPort();
});
afterAll(async () => {
  await server.stop();
});
beforeEach(() => {
  cw.reset();
  sns.reset();
  cw.on(PutMetricDataCommand).resolves({});
  cw.on(GetMetricDataCommand).resolves({ MetricDataResults: [] });
  sns.on(PublishCommand).resolves({ MessageId: 'm-1' });
});

function deps(telemetry = new MemoryTelemetry()): LicenseWatchDeps {
  return {
    ports: { cloudwatch: new CloudWatchClient({ region: 'us-east-1' }), sns: new SNSClient({ region: 'us-east-1' }) },
    telemetry,
    now: () => NOW,
    retry: noRetry,
    settings: {
      timeoutMs: 5000,
      alertTopicArn: TOPIC,
      proxies: [
        { name: 'proxy-a', url: server.url('/a/v1/status') },
        { name: 'proxy-b', url: server.url('/b/v1/status') },
        { name: 'proxy-c', url: `http://127.0.0.1:${refused}/v1/status` },
      ],
    },
  };
}

const datum = (name: string, value: number, unit: string, proxy?: string): MetricDatum => ({
  MetricName: name,
  Value: value,
  Unit: unit as MetricDatum['Unit'],
  Timestamp: NOW,
  ...(proxy ? { Dimensions: [{ Name: 'Proxy', Value: proxy }] } : {}),
});

const invoke = (d: LicenseWatchDeps, event: unknown = scheduled) => createLicenseWatchHandler(d)(event, {} as Context);

describe('license-watch handler', () => {
  it('publishes every proxy metric and the worst-across-proxies metrics in one PutMetricData', async () => {
    await invoke(deps());
    expect(cw).toHaveReceivedCommandTimes(PutMetricDataCommand, 1);
    const input = cw.commandCalls(PutMetricDataCommand)[0]?.args[0].input;
    expect(input?.Namespace).toBe('GpuFleetScaler');
    // proxy-a: the message went out, so its announced mask is TrustBasedOverAnHour's bit
    const announcedA = pageMask(['TrustBasedOverAnHour']);
    expect(input?.MetricData).toEqual([
      datum('LicenseProxyReachable', 1, 'Count', 'proxy-a'),
      datum('LicenseProxyStateCode', 3, 'None', 'proxy-a'),
      datum('LicenseProxyAnnouncedPages', announcedA, 'None', 'proxy-a'),
      datum('LicenseProxyFailed', 0, 'Count', 'proxy-a'),
      datum('LicenseProxyTrustBasedSeconds', 3660, 'Seconds', 'proxy-a'),
      datum('LicenseProxySecondsToTrustExpiration', 108_000, 'Seconds', 'proxy-a'),
      datum('LicenseProxyReachable', 1, 'Count', 'proxy-b'),
      datum('LicenseProxyStateCode', 2, 'None', 'proxy-b'),
      datum('LicenseProxyAnnouncedPages', 0, 'None', 'proxy-b'),
      datum('LicenseProxyFailed', 0, 'Count', 'proxy-b'),
      datum('LicenseProxyTrustBasedSeconds', 0, 'Seconds', 'proxy-b'),
      datum('LicenseProxySecondsToTrustExpiration', 604_800, 'Seconds', 'proxy-b'),
      // proxy-c refused the connection: only what is known about it is published
      datum('LicenseProxyReachable', 0, 'Count', 'proxy-c'),
      datum('LicenseProxyStateCode', -1, 'None', 'proxy-c'),
      datum('LicenseProxyAnnouncedPages', 0, 'None', 'proxy-c'),
      datum('LicenseProxiesConfigured', 3, 'Count'),
      datum('LicenseProxiesReachable', 2, 'Count'),
      datum('LicenseProxiesUnreachable', 1, 'Count'),
      datum('LicenseProxiesFailed', 0, 'Count'),
      // max(3660, 0) and min(108000, 604800)
      datum('LicenseWorstTrustBasedSeconds', 3660, 'Seconds'),
      datum('LicenseLowestSecondsToTrustExpiration', 108_000, 'Seconds'),
      datum('LicenseWatchHeartbeat', 1, 'Count'),
    ]);
  });

  it('sends on-call one message naming the proxy, its state, since when and the trust expiration', async () => {
    await invoke(deps());
    expect(sns).toHaveReceivedCommandTimes(PublishCommand, 1);
    const input = sns.commandCalls(PublishCommand)[0]?.args[0].input;
    expect(input?.TopicArn).toBe(TOPIC);
    expect(input?.Subject).toBe('[PAGE] License Proxy proxy-a: TrustBased - TrustBasedOverAnHour');
    expect(input?.Message).toContain(`License Proxy "proxy-a" (${server.url('/a/v1/status')})`);
    // 12:00:30 - 61 min = 10:59:30
    expect(input?.Message).toContain('State: TrustBased, since 2026-11-20T10:59:30.000Z (1 h 1 min)');
    // 12:00:30 + 30 h = 18:00:30 the next day
    expect(input?.Message).toContain('Trust expiration: 2026-11-21T18:00:30.000Z (in 1 d 6 h)');
    expect(input?.Message).toContain('docs/runbook-license.md');
  });

  it('reads the announcement history with one GetMetricData over the last five minutes', async () => {
    await invoke(deps());
    expect(cw).toHaveReceivedCommandTimes(GetMetricDataCommand, 1);
    const input = cw.commandCalls(GetMetricDataCommand)[0]?.args[0].input;
    // now 12:00:30: the window ends after the current minute, 12:01:00, and starts 300 s before
    expect({ start: input?.StartTime, end: input?.EndTime }).toEqual({ start: new Date('2026-11-20T11:56:00Z'), end: new Date('2026-11-20T12:01:00Z') });
    expect(input?.MetricDataQueries?.map((q) => q.MetricStat?.Metric?.Dimensions?.[0]?.Value)).toEqual(['proxy-a', 'proxy-b', 'proxy-c']);
  });

  it('does not repeat the message while the condition was already announced', async () => {
    cw.on(GetMetricDataCommand).resolves({
      MetricDataResults: [{ Id: 'p0', Timestamps: [new Date('2026-11-20T11:59:00Z')], Values: [pageMask(['TrustBasedOverAnHour'])], StatusCode: 'Complete' }],
    });
    const result = await invoke(deps());
    expect(sns).toHaveReceivedCommandTimes(PublishCommand, 0);
    expect(result.proxies[0]?.announcement.reason).toBe('AlreadyAnnounced');
    const announced = cw.commandCalls(PutMetricDataCommand)[0]?.args[0].input.MetricData?.find((d) => d.MetricName === 'LicenseProxyAnnouncedPages' && d.Dimensions?.[0]?.Value === 'proxy-a');
    expect(announced?.Value).toBe(pageMask(['TrustBasedOverAnHour']));
  });

  it('announces when history cannot be read rather than staying silent', async () => {
    cw.on(GetMetricDataCommand).rejects(Object.assign(new Error('denied'), { name: 'AccessDeniedException' }));
    const telemetry = new MemoryTelemetry();
    await invoke(deps(telemetry));
    expect(sns).toHaveReceivedCommandTimes(PublishCommand, 1);
    expect(telemetry.lines.some((l) => l.level === 'WARN' && l.message.startsWith('announcement history unreadable'))).toBe(true);
  });

  it('a failed Publish is logged, not recorded as announced, and the metrics still go out', async () => {
    sns.on(PublishCommand).rejects(Object.assign(new Error('no route'), { name: 'InternalError' }));
    const telemetry = new MemoryTelemetry();
    const result = await invoke(deps(telemetry));
    expect(result.proxies[0]?.published).toBe(false);
    const announced = cw.commandCalls(PutMetricDataCommand)[0]?.args[0].input.MetricData?.find((d) => d.MetricName === 'LicenseProxyAnnouncedPages' && d.Dimensions?.[0]?.Value === 'proxy-a');
    expect(announced?.Value).toBe(0);
    expect(telemetry.lines.filter((l) => l.level === 'ERROR').map((l) => l.message)).toContain('license alert for proxy-a not sent, retried next tick');
  });

  it('fails the invocation when the metrics cannot be published, so the heartbeat goes missing', async () => {
    cw.on(PutMetricDataCommand).rejects(Object.assign(new Error('not authorized'), { name: 'AccessDenied' }));
    await expect(invoke(deps())).rejects.toMatchObject({ name: 'LicenseWatchError', message: expect.stringContaining('PutMetricData of 22 license datapoints failed') });
  });

  it('logs one line per proxy, at the level its condition deserves', async () => {
    const telemetry = new MemoryTelemetry();
    await invoke(deps(telemetry));
    const perProxy = telemetry.lines.filter((l) => typeof l.fields.proxy === 'string' && 'state' in l.fields);
    expect(perProxy.map((l) => [l.fields.proxy, l.level, l.fields.state])).toEqual([
      ['proxy-a', 'ERROR', 'TrustBased'],
      ['proxy-b', 'INFO', 'Connected'],
      ['proxy-c', 'WARN', 'Unreachable'],
    ]);
  });

  it.each([
    { name: 'an SQS batch', event: { Records: [] } },
    { name: 'a string', event: 'tick' },
    { name: 'another EventBridge event', event: { ...scheduled, 'detail-type': 'EC2 Instance-terminate Lifecycle Action' } },
  ])('rejects $name without polling', async ({ event }) => {
    await expect(invoke(deps(), event)).rejects.toMatchObject({ name: 'LicenseWatchEventError' });
    expect(cw).toHaveReceivedCommandTimes(PutMetricDataCommand, 0);
  });

  it('accepts a manual {} invoke', async () => {
    await expect(invoke(deps(), {})).resolves.toMatchObject({ summary: { configured: 3, reachable: 2 } });
  });
});

describe('licenseWatchProductionDeps', () => {
  it('refuses to start on bad settings, naming each variable', () => {
    expect(() => licenseWatchProductionDeps({ AWS_REGION: 'us-east-1', LICENSE_PROXIES: '[]', LICENSE_ALERT_TOPIC_ARN: 'x' })).toThrow(
      /LICENSE_ALERT_TOPIC_ARN: must be an SNS topic ARN \(got "x"\)[\s\S]*LICENSE_PROXIES: must list at least one proxy \(got \[\]\)/,
    );
  });

  it('builds deps from valid settings', () => {
    const built = licenseWatchProductionDeps({ AWS_REGION: 'us-east-1', LICENSE_PROXIES: '[{"name":"a","url":"http://10.0.0.5:8089"}]', LICENSE_ALERT_TOPIC_ARN: TOPIC });
    expect(built.settings).toEqual({ proxies: [{ name: 'a', url: 'http://10.0.0.5:8089/v1/status' }], timeoutMs: 3000, alertTopicArn: TOPIC });
  });
});
