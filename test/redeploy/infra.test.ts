import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { redeployEventSchema } from '../../functions/redeploy.js';
import { REDEPLOY_METRICS } from '../../lib/redeploy/record.js';
import { CONTROLLER_NAMESPACE, SERVICE_NAME } from '../../lib/telemetry.js';

interface Template {
  Resources: Record<string, { Type: string; Properties: Record<string, unknown> }>;
}
const read = (path: string) => parse(readFileSync(new URL(`../../${path}`, import.meta.url), 'utf8')) as Template;
const redeploy = read('infra/redeploy.yml');
const license = read('infra/license-alarms.yml');

describe('infra/redeploy.yml', () => {
  it('pages on the metric the Lambda publishes, under the dimensions Powertools gives it, through the license topic', () => {
    const alarm = redeploy.Resources.RedeployFailedAlarm!.Properties;
    expect(alarm).toMatchObject({ Namespace: CONTROLLER_NAMESPACE, MetricName: REDEPLOY_METRICS.failed, Dimensions: [{ Name: 'service', Value: SERVICE_NAME }] });
    expect(alarm.AlarmActions).toEqual([{ Ref: 'LicenseAlertTopic' }]);
    expect(license.Resources.LicenseAlertTopic?.Type).toBe('AWS::SNS::Topic');
  });

  it('ticks every minute with the event the handler accepts, without retries that would overlap the next tick', () => {
    const schedule = redeploy.Resources.RedeploySchedule!.Properties as { ScheduleExpression: string; Target: { Input: string; RetryPolicy: { MaximumRetryAttempts: number } } };
    expect(schedule.ScheduleExpression).toBe('rate(1 minute)');
    // the Scheduler fills in its own (AWS's) time: the clock the roll is measured on
    expect(JSON.parse(schedule.Target.Input)).toEqual({ source: 'gpu-fleet-scaler.redeploy-schedule', time: '<aws.scheduler.scheduled-time>' });
    const filled = JSON.parse(schedule.Target.Input.replace('<aws.scheduler.scheduled-time>', '2026-03-22T18:59:00Z')) as unknown;
    expect(redeployEventSchema.safeParse(filled).success).toBe(true);
    expect(schedule.Target.RetryPolicy.MaximumRetryAttempts).toBe(0);
  });
});
