import type { MetricDatum } from '@aws-sdk/client-cloudwatch';
import { stateCode, type FleetSummary, type ProxyEvaluation } from './evaluate.js';

/** Every license metric lives in the controller namespace (IAM limits PutMetricData to it). */
export const LICENSE_METRICS = {
  // Per proxy, dimension Proxy=<name>: for dashboards and the runbook.
  reachable: 'LicenseProxyReachable',
  stateCode: 'LicenseProxyStateCode',
  failed: 'LicenseProxyFailed',
  trustBasedSeconds: 'LicenseProxyTrustBasedSeconds',
  secondsToTrustExpiration: 'LicenseProxySecondsToTrustExpiration',
  announcedPages: 'LicenseProxyAnnouncedPages',
  // No dimension, worst across proxies: the alarms watch these, so they are static
  // and need no proxy names at deploy time.
  proxiesConfigured: 'LicenseProxiesConfigured',
  proxiesReachable: 'LicenseProxiesReachable',
  proxiesUnreachable: 'LicenseProxiesUnreachable',
  proxiesFailed: 'LicenseProxiesFailed',
  worstTrustBasedSeconds: 'LicenseWorstTrustBasedSeconds',
  lowestSecondsToTrustExpiration: 'LicenseLowestSecondsToTrustExpiration',
  heartbeat: 'LicenseWatchHeartbeat',
} as const;

export const PROXY_DIMENSION = 'Proxy';

/**
 * The datapoints of one tick: at most 6 per proxy plus 7, so 20 proxies stay far below
 * PutMetricData's 1000 datapoints per call and one call carries the whole tick. A number that is unknown (no usable answer) is left out
 * rather than published as 0: a 0 would read as "trust expires now" or "not on trust".
 */
export function buildMetricData(evaluations: readonly ProxyEvaluation[], summary: FleetSummary, announced: ReadonlyMap<string, number>, now: Date): MetricDatum[] {
  const data: MetricDatum[] = [];
  const point = (name: string, value: number, unit: MetricDatum['Unit'], proxy?: string) => {
    data.push({ MetricName: name, Value: value, Unit: unit, Timestamp: now, ...(proxy !== undefined ? { Dimensions: [{ Name: PROXY_DIMENSION, Value: proxy }] } : {}) });
  };
  for (const e of evaluations) {
    point(LICENSE_METRICS.reachable, e.reachable ? 1 : 0, 'Count', e.proxy);
    point(LICENSE_METRICS.stateCode, stateCode(e.state), 'None', e.proxy);
    point(LICENSE_METRICS.announcedPages, announced.get(e.proxy) ?? 0, 'None', e.proxy);
    if (e.reachable) point(LICENSE_METRICS.failed, e.state === 'Failed' ? 1 : 0, 'Count', e.proxy);
    if (e.trustBasedSeconds !== null) point(LICENSE_METRICS.trustBasedSeconds, e.trustBasedSeconds, 'Seconds', e.proxy);
    if (e.secondsToTrustExpiration !== null) point(LICENSE_METRICS.secondsToTrustExpiration, e.secondsToTrustExpiration, 'Seconds', e.proxy);
  }
  point(LICENSE_METRICS.proxiesConfigured, summary.configured, 'Count');
  point(LICENSE_METRICS.proxiesReachable, summary.reachable, 'Count');
  point(LICENSE_METRICS.proxiesUnreachable, summary.unreachable, 'Count');
  // Without any answer the Failed count is unknown, not 0: leaving it out keeps the alarm where it was.
  if (summary.reachable > 0) point(LICENSE_METRICS.proxiesFailed, summary.failed, 'Count');
  if (summary.worstTrustBasedSeconds !== null) point(LICENSE_METRICS.worstTrustBasedSeconds, summary.worstTrustBasedSeconds, 'Seconds');
  if (summary.lowestSecondsToTrustExpiration !== null) point(LICENSE_METRICS.lowestSecondsToTrustExpiration, summary.lowestSecondsToTrustExpiration, 'Seconds');
  point(LICENSE_METRICS.heartbeat, 1, 'Count');
  return data;
}
