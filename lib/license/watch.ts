import { PutMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import { PublishCommand } from '@aws-sdk/client-sns';
import type { CloudWatchPort, SnsPort } from '../aws/ports.js';
import { describeError, withRetry, type RetryPolicy } from '../aws/retry.js';
import { CONTROLLER_NAMESPACE, type Telemetry } from '../telemetry.js';
import { announcedAfter, planAnnouncement, readAnnouncedMasks, type AnnouncementPlan } from './announce.js';
import { evaluateProxy, summarize, type FleetSummary, type ProxyEvaluation } from './evaluate.js';
import { formatAlertMessage } from './message.js';
import { buildMetricData } from './metrics.js';
import type { PollOutcome, ProxyTarget } from './poll.js';
import type { LicenseWatchSettings } from './settings.js';

export class LicenseWatchError extends Error {
  override readonly name = 'LicenseWatchError';
}

export interface LicenseWatchContext {
  cloudwatch: CloudWatchPort;
  sns: SnsPort;
  telemetry: Telemetry;
  retry: RetryPolicy;
  settings: LicenseWatchSettings;
  poll: (proxy: ProxyTarget) => Promise<PollOutcome>;
  now: () => Date;
}

export interface ProxyTickResult {
  evaluation: ProxyEvaluation;
  announcement: AnnouncementPlan;
  published: boolean;
  /** LicenseProxyAnnouncedPages published this tick. */
  announcedMask: number;
}

export interface LicenseWatchResult {
  observedAt: string;
  summary: FleetSummary;
  proxies: ProxyTickResult[];
  metricsPublished: number;
}

/**
 * One tick: poll every proxy at once, judge each answer, tell on-call about new paging
 * conditions, publish the metrics the alarms watch. A proxy's bad answer is one of its
 * outcomes, never an exception; only failing to publish metrics fails the tick, and the
 * missing heartbeat then pages as "watcher silent".
 */
export async function runLicenseWatch(context: LicenseWatchContext): Promise<LicenseWatchResult> {
  const { telemetry, settings } = context;
  const outcomes = await Promise.all(settings.proxies.map((proxy) => pollSafely(context, proxy)));
  // `now` is taken after polling so that a slow answer is judged at the time it arrived.
  const now = context.now();
  const evaluations = outcomes.map((outcome) => evaluateProxy(outcome, now));
  for (const evaluation of evaluations) logEvaluation(telemetry, evaluation);
  const summary = summarize(evaluations);
  telemetry[summary.allDown ? 'error' : 'info']('license proxies summary', { ...summary });

  const history = await readHistory(context, evaluations, now);
  // Concurrent, so one proxy's slow Publish retries do not delay another's message.
  const proxies: ProxyTickResult[] = await Promise.all(
    evaluations.map(async (evaluation) => {
      const previous = history?.get(evaluation.proxy) ?? (history ? 0 : undefined);
      const announcement = planAnnouncement(evaluation.pageReasons, previous);
      const published = announcement.announce ? await publishAlert(context, evaluation, announcement, now) : false;
      return { evaluation, announcement, published, announcedMask: announcedAfter(evaluation.pageReasons, previous, published) };
    }),
  );
  const announced = new Map(proxies.map((p) => [p.evaluation.proxy, p.announcedMask]));

  const data = buildMetricData(evaluations, summary, announced, now);
  try {
    await withRetry('cloudwatch:PutMetricData', () => context.cloudwatch.send(new PutMetricDataCommand({ Namespace: CONTROLLER_NAMESPACE, MetricData: data })), context.retry);
  } catch (cause) {
    telemetry.error('license metrics not published: the alarms see missing data and the watcher-silent alarm will page', { error: describeError(cause), datapoints: data.length });
    throw new LicenseWatchError(`PutMetricData of ${data.length} license datapoints failed: ${describeError(cause)}`, { cause });
  }
  return { observedAt: now.toISOString(), summary, proxies, metricsPublished: data.length };
}

async function pollSafely(context: LicenseWatchContext, proxy: ProxyTarget): Promise<PollOutcome> {
  try {
    return await context.poll(proxy);
  } catch (error) {
    // pollProxy reports every failure as an outcome; reaching here is a bug, and it must still count as unknown.
    return { kind: 'failure', proxy, problem: 'PollerError', detail: `poller threw: ${describeError(error)}`, elapsedMs: 0 };
  }
}

function logEvaluation(telemetry: Telemetry, e: ProxyEvaluation): void {
  const fields = {
    proxy: e.proxy,
    url: e.url,
    state: e.state,
    reachable: e.reachable,
    page: e.page,
    reasons: e.reasons,
    trustBasedSeconds: e.trustBasedSeconds,
    secondsToTrustExpiration: e.secondsToTrustExpiration,
    lastSuccessfulCheckin: e.lastSuccessfulCheckin,
    trustExpiration: e.trustExpiration,
    httpStatus: e.httpStatus,
    elapsedMs: e.elapsedMs,
    ignoredFields: e.ignoredFields,
    detail: e.detail,
  };
  if (e.page) telemetry.error(`license proxy ${e.proxy} pages: ${e.detail}`, fields);
  else if (!e.reachable) telemetry.warn(`license proxy ${e.proxy} gave no usable answer (${e.reasons.join(', ')}): ${e.detail}`, fields);
  else telemetry.info(`license proxy ${e.proxy}: ${e.detail}`, fields);
}

async function readHistory(context: LicenseWatchContext, evaluations: readonly ProxyEvaluation[], now: Date): Promise<Map<string, number> | undefined> {
  if (!evaluations.some((e) => e.page)) return new Map();
  try {
    return await readAnnouncedMasks(context.cloudwatch, evaluations.map((e) => e.proxy), now, context.retry);
  } catch (error) {
    context.telemetry.warn('announcement history unreadable: paging proxies are announced again rather than not at all', { error: describeError(error) });
    return undefined;
  }
}

async function publishAlert(context: LicenseWatchContext, evaluation: ProxyEvaluation, announcement: AnnouncementPlan, now: Date): Promise<boolean> {
  const { subject, message } = formatAlertMessage(evaluation, announcement.newReasons, now);
  try {
    await withRetry('sns:Publish', () => context.sns.send(new PublishCommand({ TopicArn: context.settings.alertTopicArn, Subject: subject, Message: message })), context.retry);
    context.telemetry.info(`license alert sent for ${evaluation.proxy}`, { proxy: evaluation.proxy, reason: announcement.reason, newReasons: announcement.newReasons });
    return true;
  } catch (error) {
    // The CloudWatch alarm still pages; the detailed message is retried next tick because it is not recorded as announced.
    context.telemetry.error(`license alert for ${evaluation.proxy} not sent, retried next tick`, { proxy: evaluation.proxy, error: describeError(error) });
    return false;
  }
}
