import type { MetricDataQuery } from '@aws-sdk/client-cloudwatch';
import type { CloudWatchPort } from '../aws/ports.js';
import { readMetricData } from '../aws/metric-data.js';
import type { RetryPolicy } from '../aws/retry.js';
import { CONTROLLER_NAMESPACE } from '../telemetry.js';
import { PAGE_REASONS, type PageReason } from './evaluate.js';
import { LICENSE_METRICS, PROXY_DIMENSION } from './metrics.js';

/**
 * The Lambda's own message (proxy, state, since when, trust expiration) goes out once
 * per paging condition, not every minute. With no database, what was already announced
 * is kept where the design keeps history: CloudWatch. Each tick publishes, per proxy,
 * LicenseProxyAnnouncedPages, a bit mask of the page reasons on-call has been told
 * about and that still hold; the next tick reads the newest value back.
 */
export const ANNOUNCEMENT_LOOKBACK_SECONDS = 300;

export function pageMask(reasons: readonly PageReason[]): number {
  return reasons.reduce((mask, reason) => mask | (1 << PAGE_REASONS.indexOf(reason)), 0);
}

export function reasonsInMask(mask: number): PageReason[] {
  return PAGE_REASONS.filter((_, bit) => (mask & (1 << bit)) !== 0);
}

export interface AnnouncementPlan {
  announce: boolean;
  /** Page reasons that hold now and were not announced yet. */
  newReasons: PageReason[];
  reason: 'NotPaging' | 'NewPageCondition' | 'AlreadyAnnounced' | 'NoAnnouncementHistory';
}

/** `previous` undefined: history unreadable or empty; announcing twice beats staying silent. */
export function planAnnouncement(current: readonly PageReason[], previous: number | undefined): AnnouncementPlan {
  const currentMask = pageMask(current);
  if (currentMask === 0) return { announce: false, newReasons: [], reason: 'NotPaging' };
  if (previous === undefined) return { announce: true, newReasons: [...current], reason: 'NoAnnouncementHistory' };
  const fresh = currentMask & ~previous;
  if (fresh === 0) return { announce: false, newReasons: [], reason: 'AlreadyAnnounced' };
  return { announce: true, newReasons: reasonsInMask(fresh), reason: 'NewPageCondition' };
}

/**
 * What this tick records as announced: everything current once a message went out;
 * otherwise only what was announced before and still holds, so a cleared condition
 * that returns is announced again, and a failed Publish is retried next tick.
 */
export function announcedAfter(current: readonly PageReason[], previous: number | undefined, published: boolean): number {
  const currentMask = pageMask(current);
  if (published) return currentMask;
  return (previous ?? 0) & currentMask;
}

export class AnnouncementHistoryError extends Error {
  override readonly name = 'AnnouncementHistoryError';
}

/**
 * The newest LicenseProxyAnnouncedPages per proxy within the lookback; absent when there is
 * none, and when CloudWatch did not answer the proxy's query whole (lib/aws/metric-data.ts):
 * the newest value may be the one it left out, and an older mask may hold reasons since
 * cleared, which would keep a returning one unannounced.
 */
export async function readAnnouncedMasks(cloudwatch: CloudWatchPort, proxies: readonly string[], now: Date, retry?: RetryPolicy): Promise<Map<string, number>> {
  const queries: MetricDataQuery[] = proxies.map((proxy, index) => ({
    Id: `p${index}`,
    MetricStat: {
      Metric: { Namespace: CONTROLLER_NAMESPACE, MetricName: LICENSE_METRICS.announcedPages, Dimensions: [{ Name: PROXY_DIMENSION, Value: proxy }] },
      Period: 60,
      Stat: 'Maximum',
    },
    ReturnData: true,
  }));
  // Aligned to whole minutes (CloudWatch answers aligned windows fastest) and ending after the current minute, which may already hold a datapoint.
  const endMs = Math.floor(now.getTime() / 60_000) * 60_000 + 60_000;
  const newest = new Map<string, { at: number; value: number }>();
  const read = { queries, start: new Date(endMs - ANNOUNCEMENT_LOOKBACK_SECONDS * 1000), end: new Date(endMs), scanBy: 'TimestampDescending' as const, retry };
  const incomplete = await readMetricData(cloudwatch, read, (result) => {
    const proxy = proxies[Number(result.Id?.slice(1))];
    if (proxy === undefined) throw new AnnouncementHistoryError(`GetMetricData answered for unknown query id ${JSON.stringify(result.Id)}`);
    (result.Timestamps ?? []).forEach((timestamp, i) => {
      const value = result.Values?.[i];
      const at = new Date(timestamp).getTime();
      const seen = newest.get(proxy);
      if (value !== undefined && (!seen || at > seen.at)) newest.set(proxy, { at, value });
    });
  });
  for (const { id } of incomplete) newest.delete(proxies[Number(id.slice(1))] as string);
  return new Map([...newest].map(([proxy, { value }]) => [proxy, Math.round(value)]));
}
