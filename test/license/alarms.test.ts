import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { LICENSE_METRICS } from '../../lib/license/metrics.js';
import {
  ALL_DOWN_PAGE_AFTER_MINUTES,
  SILENT_PAGE_AFTER_MINUTES,
  TRUST_BASED_PAGE_AFTER_SECONDS,
  TRUST_EXPIRATION_PAGE_WITHIN_SECONDS,
  UNREACHABLE_PAGE_AFTER_MINUTES,
} from '../../lib/license/thresholds.js';
import { FRAGMENT_PATH, loadAlarms, loadFragment } from './alarm-model.js';

const alarms = loadAlarms();
const fragment = loadFragment();
const runbook = readFileSync(new URL('../../docs/runbook-license.md', import.meta.url), 'utf8');
const TOPIC = { Ref: 'LicenseAlertTopic' };

describe('infra/license-alarms.yml', () => {
  it.each([
    { id: 'LicenseTrustBasedOverAnHourAlarm', metric: LICENSE_METRICS.worstTrustBasedSeconds, statistic: 'Maximum', operator: 'GreaterThanThreshold', threshold: TRUST_BASED_PAGE_AFTER_SECONDS, periods: 1, missing: 'ignore' },
    { id: 'LicenseProxyFailedAlarm', metric: LICENSE_METRICS.proxiesFailed, statistic: 'Maximum', operator: 'GreaterThanOrEqualToThreshold', threshold: 1, periods: 1, missing: 'ignore' },
    { id: 'LicenseProxyUnreachableAlarm', metric: LICENSE_METRICS.proxiesUnreachable, statistic: 'Maximum', operator: 'GreaterThanOrEqualToThreshold', threshold: 1, periods: UNREACHABLE_PAGE_AFTER_MINUTES, missing: 'ignore' },
    { id: 'LicenseTrustExpiresWithinADayAlarm', metric: LICENSE_METRICS.lowestSecondsToTrustExpiration, statistic: 'Minimum', operator: 'LessThanThreshold', threshold: TRUST_EXPIRATION_PAGE_WITHIN_SECONDS, periods: 1, missing: 'ignore' },
    { id: 'LicenseAllProxiesDownAlarm', metric: LICENSE_METRICS.proxiesReachable, statistic: 'Maximum', operator: 'LessThanThreshold', threshold: 1, periods: ALL_DOWN_PAGE_AFTER_MINUTES, missing: 'ignore' },
    { id: 'LicenseWatchSilentAlarm', metric: LICENSE_METRICS.heartbeat, statistic: 'Sum', operator: 'LessThanThreshold', threshold: 1, periods: SILENT_PAGE_AFTER_MINUTES, missing: 'breaching' },
  ])('$id: $metric $operator $threshold over $periods of $periods minutes, missing data $missing', ({ id, metric, statistic, operator, threshold, periods, missing }) => {
    expect(alarms[id]).toMatchObject({
      Namespace: 'GpuFleetScaler',
      MetricName: metric,
      Statistic: statistic,
      Period: 60,
      EvaluationPeriods: periods,
      DatapointsToAlarm: periods,
      Threshold: threshold,
      ComparisonOperator: operator,
      TreatMissingData: missing,
      AlarmActions: [TOPIC],
      OKActions: [TOPIC],
    });
  });

  it('has exactly the six alarms above', () => {
    expect(Object.keys(alarms).sort()).toEqual(
      ['LicenseAllProxiesDownAlarm', 'LicenseProxyFailedAlarm', 'LicenseProxyUnreachableAlarm', 'LicenseTrustBasedOverAnHourAlarm', 'LicenseTrustExpiresWithinADayAlarm', 'LicenseWatchSilentAlarm'].sort(),
    );
  });

  it('alarms watch the dimensionless worst-across-proxies metrics, so no proxy name is needed at deploy time', () => {
    for (const alarm of Object.values(alarms)) expect(alarm.Dimensions).toBeUndefined();
  });

  it.each(Object.entries(alarms))('%s: the description says what to do first and links a runbook section that exists', (_id, alarm) => {
    expect(alarm.AlarmDescription.length).toBeLessThanOrEqual(1024);
    expect(alarm.AlarmDescription).toContain('First:');
    const anchor = /docs\/runbook-license\.md#([a-z]+)/.exec(alarm.AlarmDescription)?.[1];
    expect(anchor).toBeDefined();
    const headings = [...runbook.matchAll(/^#+ (.+)$/gm)].map((m) => (m[1] ?? '').toLowerCase().replace(/[^a-z0-9 -]/g, '').replace(/ /g, '-'));
    expect(headings).toContain(anchor);
  });

  it('the topic is subscribed to the endpoint and protocol given at deploy time', () => {
    expect(fragment.Parameters.LicenseAlertProtocol).toMatchObject({ Type: 'String', AllowedValues: ['email', 'https'] });
    expect(fragment.Parameters.LicenseAlertEndpoint).toMatchObject({ Type: 'String' });
    expect(fragment.Resources.LicenseAlertSubscription).toEqual({
      Type: 'AWS::SNS::Subscription',
      Condition: 'LicenseAlertHasEndpoint',
      Properties: { TopicArn: TOPIC, Protocol: { Ref: 'LicenseAlertProtocol' }, Endpoint: { Ref: 'LicenseAlertEndpoint' } },
    });
    expect(fragment.Outputs.LicenseAlertTopicArn?.Value).toEqual(TOPIC);
  });

  it('is valid CloudFormation on its own (cfn-lint)', async () => {
    const lint = new URL('../../node_modules/.bin/cfn-lint', import.meta.url).pathname;
    const { stdout } = await promisify(execFile)(lint, ['validate', FRAGMENT_PATH.pathname]);
    expect(stdout).toContain('Template valid!');
  });
});
