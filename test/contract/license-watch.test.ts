import { GetMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import { PublishCommand, SubscribeCommand } from '@aws-sdk/client-sns';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { readAnnouncedMasks } from '../../lib/license/announce.js';
import { LICENSE_METRICS, PROXY_DIMENSION } from '../../lib/license/metrics.js';
import type { PollOutcome, ProxyTarget } from '../../lib/license/poll.js';
import { runLicenseWatch, type LicenseWatchContext } from '../../lib/license/watch.js';
import { CONTROLLER_NAMESPACE, MemoryTelemetry } from '../../lib/telemetry.js';
import { describeMoto, noRetry } from './harness.js';
import { createTopic } from './fixtures.js';
import { NotificationSink } from './notifications.js';

const proxy: ProxyTarget = { name: 'license-a', url: 'http://10.0.8.12:8089/v1/status' };
const tickAt = new Date('2026-11-20T10:00:30.000Z');

function failedAnswer(): PollOutcome {
  return {
    kind: 'answer',
    proxy,
    httpStatus: 200,
    elapsedMs: 12,
    answer: { state: 'Failed', lastSuccessfulCheckin: new Date('2026-11-20T09:00:00Z'), trustExpiration: null, ignoredFields: [] },
  };
}

describeMoto('SNS Publish and the License Proxy watch tick (lib/license/watch.ts)', (moto) => {
  let sink: NotificationSink;
  let topicArn: string;

  beforeEach(async () => {
    sink = await NotificationSink.start();
    topicArn = await createTopic(moto.ports, 'gpu-fleet-scaler-alerts');
    await moto.ports.sns.send(new SubscribeCommand({ TopicArn: topicArn, Protocol: 'http', Endpoint: sink.url }));
  });
  afterEach(async () => {
    await sink.stop();
  });

  function context(now: Date): LicenseWatchContext {
    return {
      cloudwatch: moto.ports.cloudwatch,
      sns: moto.ports.sns,
      telemetry: new MemoryTelemetry(),
      retry: noRetry,
      settings: { proxies: [proxy], timeoutMs: 3000, alertTopicArn: topicArn },
      poll: () => Promise.resolve(failedAnswer()),
      now: () => now,
    };
  }

  it('Publish with a Subject delivers the subject and message to the topic\'s subscribers', async () => {
    const answer = await moto.ports.sns.send(new PublishCommand({ TopicArn: topicArn, Subject: 'license-a: Failed', Message: 'the proxy reports Failed' }));

    expect(answer.MessageId).toEqual(expect.any(String));
    expect(sink.received).toEqual([
      expect.objectContaining({ Type: 'Notification', TopicArn: topicArn, Subject: 'license-a: Failed', Message: 'the proxy reports Failed', MessageId: answer.MessageId }),
    ]);
  });

  it('Publish to a topic that does not exist is NotFound', async () => {
    const publishing = moto.ports.sns.send(new PublishCommand({ TopicArn: `${topicArn}-gone`, Message: 'x' }));

    await expect(publishing).rejects.toMatchObject({ name: 'NotFoundException' });
  });

  it('a Failed proxy is announced once through SNS, its metrics land in CloudWatch, and the next tick reads the announcement back', async () => {
    const first = await runLicenseWatch(context(tickAt));

    expect(first.proxies[0]).toMatchObject({ published: true, announcement: { announce: true, newReasons: ['Failed'] } });
    expect(sink.received).toHaveLength(1);
    expect(sink.received[0]?.Subject).toContain('license-a');
    expect(sink.received[0]?.Message).toContain('Failed');

    const stored = await moto.ports.cloudwatch.send(
      new GetMetricDataCommand({
        StartTime: new Date('2026-11-20T10:00:00Z'),
        EndTime: new Date('2026-11-20T10:01:00Z'),
        MetricDataQueries: [LICENSE_METRICS.failed, LICENSE_METRICS.reachable, LICENSE_METRICS.announcedPages].map((name, i) => ({
          Id: `m${i}`,
          MetricStat: { Metric: { Namespace: CONTROLLER_NAMESPACE, MetricName: name, Dimensions: [{ Name: PROXY_DIMENSION, Value: 'license-a' }] }, Period: 60, Stat: 'Maximum' },
        })),
      }),
    );
    expect(stored.MetricDataResults?.map((r) => r.Values)).toEqual([[1], [1], [1]]); // Failed, reachable, mask bit 0 (Failed)

    // One minute later the proxy still reports Failed: the history says it was announced.
    const masks = await readAnnouncedMasks(moto.ports.cloudwatch, ['license-a'], new Date(tickAt.getTime() + 60_000), noRetry);
    expect(masks.get('license-a')).toBe(1);
    const second = await runLicenseWatch(context(new Date(tickAt.getTime() + 60_000)));
    expect(second.proxies[0]).toMatchObject({ published: false, announcement: { announce: false, reason: 'AlreadyAnnounced' } });
    expect(sink.received).toHaveLength(1);
  });
});
