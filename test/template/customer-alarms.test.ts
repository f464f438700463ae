import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { SERVICE_NAME } from '../../lib/telemetry.js';
import { emit } from './emf.js';
import { loadTemplate, type Json, type Template } from './template.js';

/** The dimension names of the EMF line production telemetry writes for one point. */
function emittedDimensionNames(name: string, dimensions: Record<string, string>): string[] {
  return [...(emit(name, 1, dimensions)._aws.CloudWatchMetrics[0]?.Dimensions[0] ?? [])].sort();
}

const CUSTOMER_ALARMS = [
  // 15 one-minute periods, all breaching: longer than an instance takes to boot (warm-up 600 s), so the scaler's own answer has had its chance.
  { alarm: 'FleetRejectingRequestsAlarm', query: 'SELECT SUM(RejectedRequests) FROM SCHEMA(GpuFleetScaler, Fleet, service) GROUP BY Fleet', threshold: 1, periods: 15, of: 15 },
  { alarm: 'FleetAtMaxUnderLoadAlarm', query: 'SELECT MIN(InstancesShortOfNeed) FROM SCHEMA(GpuFleetScaler, Fleet, service) GROUP BY Fleet', threshold: 1, periods: 15, of: 15 },
  // 30 minutes: three default scale-down windows (600 s) without a scale-in.
  { alarm: 'FleetFrozenByDataAlarm', query: 'SELECT MIN(DataHeld) FROM SCHEMA(GpuFleetScaler, Fleet, service) GROUP BY Fleet', threshold: 1, periods: 30, of: 30 },
  // 600 s past the deadline: ten drain ticks that should each have released it.
  { alarm: 'DrainStuckPastGraceAlarm', query: 'SELECT MAX(DrainOverdueSeconds) FROM SCHEMA(GpuFleetScaler, Fleet, service) GROUP BY Fleet', threshold: 600, periods: 1, of: 1 },
];

describe('customer alarms in the packaged template', () => {
  let template: Template;
  beforeAll(() => {
    template = loadTemplate();
  }, 240_000);
  afterEach(() => vi.restoreAllMocks());

  const props = (name: string) => (template.Resources[name]?.Properties ?? {}) as Record<string, Json>;

  it.each(CUSTOMER_ALARMS)('$alarm: one contributor per fleet, $of of $periods minutes at or above $threshold', ({ alarm, query, threshold, periods, of }) => {
    const p = props(alarm);
    expect(p.Metrics).toEqual([{ Id: expect.any(String), Expression: query, Period: 60, ReturnData: true }]);
    expect({ threshold: p.Threshold, periods: p.EvaluationPeriods, of: p.DatapointsToAlarm, comparison: p.ComparisonOperator, missing: p.TreatMissingData }).toEqual({
      threshold,
      periods,
      of,
      comparison: 'GreaterThanOrEqualToThreshold',
      missing: 'notBreaching',
    });
    // Metrics Insights alarms evaluate the last three hours only.
    expect((p.EvaluationPeriods as number) * 60).toBeLessThanOrEqual(3 * 3600);
    expect(String(p.AlarmDescription)).toMatch(/Runbook: /);
    expect(p.AlarmActions).toEqual([{ Ref: 'LicenseAlertTopic' }]);
    expect(p.OKActions).toEqual([{ Ref: 'LicenseAlertTopic' }]);
  });

  it.each(CUSTOMER_ALARMS)('$alarm queries the dimensions the controller EMF line carries', ({ query }) => {
    const [, metric, dims] = /\((\w+)\) FROM SCHEMA\(GpuFleetScaler, ([^)]+)\)/.exec(query) as unknown as [string, string, string];
    expect(dims.split(', ').sort()).toEqual(emittedDimensionNames(metric, { Fleet: 'speech-prod' }));
  });

  it('redeploys skipped 3 nights running: one-day periods, within the 7-day range CloudWatch allows', () => {
    const p = props('RedeploySkippedNightsAlarm');
    expect({ metric: p.MetricName, namespace: p.Namespace, period: p.Period, periods: p.EvaluationPeriods, of: p.DatapointsToAlarm, stat: p.Statistic, missing: p.TreatMissingData }).toEqual({
      metric: 'RedeploySkippedNights',
      namespace: 'GpuFleetScaler',
      period: 86_400,
      periods: 3,
      of: 3,
      stat: 'Sum',
      missing: 'notBreaching',
    });
    expect((p.Period as number) * (p.EvaluationPeriods as number)).toBeLessThanOrEqual(7 * 86_400);
    // The redeploy function publishes it without Fleet; Powertools adds service.
    expect(p.Dimensions).toEqual([{ Name: 'service', Value: SERVICE_NAME }]);
    expect(emittedDimensionNames('RedeploySkippedNights', {})).toEqual(['service']);
  });

  it('puts the customer panels on the dashboard', () => {
    const body = (props('FleetDashboard').DashboardBody as { 'Fn::Sub': string })['Fn::Sub'];
    for (const metric of ['RejectedRequests', 'InstancesShortOfNeed', 'DataHeld', 'DrainOverdueSeconds']) expect(body).toContain(`"${metric}"`);
    for (const { alarm } of CUSTOMER_ALARMS) expect(body).toContain(`\${${alarm}.Arn}`);
    expect(body).toContain('${RedeploySkippedNightsAlarm.Arn}');
  });
});
