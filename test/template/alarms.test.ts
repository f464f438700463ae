import { beforeAll, describe, expect, it } from 'vitest';
import { asArray, loadTemplate, render, resourcesOfType, type Json, type Resource, type Template } from './template.js';

const props = (resource: Resource | undefined) => resource?.Properties ?? {};

describe('alarms in the packaged template', () => {
  let template: Template;
  let alarms: [string, Resource][];
  beforeAll(() => {
    template = loadTemplate();
    alarms = resourcesOfType(template, 'AWS::CloudWatch::Alarm');
  }, 240_000);

  it('pages for every alarm, and says when it is over', () => {
    expect(alarms.length).toBeGreaterThanOrEqual(8);
    const topic = (action: Json) => template.Resources[render(action).replace(/^\$\{|\}$/g, '')]?.Type === 'AWS::SNS::Topic';
    const silent = alarms.filter(([, a]) => {
      const alarmActions = asArray(props(a).AlarmActions as Json);
      const okActions = asArray(props(a).OKActions as Json);
      return alarmActions.length === 0 || okActions.length === 0 || !alarmActions.every(topic) || !okActions.every(topic);
    });
    expect(silent.map(([name]) => name)).toEqual([]);
  });

  it('tells on-call what each alarm means and decides what missing data means', () => {
    for (const [name, alarm] of alarms) {
      expect(String(props(alarm).AlarmDescription ?? '').length, `${name} description`).toBeGreaterThan(80);
      expect(['breaching', 'notBreaching', 'ignore', 'missing'], `${name} TreatMissingData`).toContain(props(alarm).TreatMissingData);
    }
  });

  it.each([
    { alarm: 'ScalerConfigInvalidAlarm', namespace: 'GpuFleetScaler/Alarms', metric: 'ConfigInvalid', comparison: 'GreaterThanOrEqualToThreshold', threshold: 1, periods: 2, missing: 'notBreaching' },
    { alarm: 'ScalerFleetErrorsAlarm', namespace: 'GpuFleetScaler/Alarms', metric: 'FleetErrors', comparison: 'GreaterThanOrEqualToThreshold', threshold: 1, periods: 5, missing: 'notBreaching' },
    { alarm: 'ScalerDrainErrorsAlarm', namespace: 'GpuFleetScaler/Alarms', metric: 'DrainErrors', comparison: 'GreaterThanOrEqualToThreshold', threshold: 1, periods: 5, missing: 'notBreaching' },
    { alarm: 'ScalerEngineMetricsUnreadableAlarm', namespace: 'GpuFleetScaler/Alarms', metric: 'MetricReadErrors', comparison: 'GreaterThanOrEqualToThreshold', threshold: 1, periods: 3, missing: 'notBreaching' },
    { alarm: 'ScalerStreamsCutAtGraceAlarm', namespace: 'GpuFleetScaler/Alarms', metric: 'StreamsCutAtGrace', comparison: 'GreaterThanThreshold', threshold: 0, periods: 1, missing: 'notBreaching' },
    { alarm: 'ScalerFunctionErrorsAlarm', namespace: 'AWS/Lambda', metric: 'Errors', comparison: 'GreaterThanOrEqualToThreshold', threshold: 1, periods: 5, missing: 'notBreaching', fn: 'ScaleLambdaFunction' },
    // Silence: fewer than one invocation a minute for three minutes, and no data counts.
    { alarm: 'ScalerSilentAlarm', namespace: 'AWS/Lambda', metric: 'Invocations', comparison: 'LessThanThreshold', threshold: 1, periods: 3, missing: 'breaching', fn: 'ScaleLambdaFunction' },
    { alarm: 'DrainFunctionErrorsAlarm', namespace: 'AWS/Lambda', metric: 'Errors', comparison: 'GreaterThanOrEqualToThreshold', threshold: 1, periods: 5, missing: 'notBreaching', fn: 'DrainLambdaFunction' },
    { alarm: 'DrainSilentAlarm', namespace: 'AWS/Lambda', metric: 'Invocations', comparison: 'LessThanThreshold', threshold: 1, periods: 3, missing: 'breaching', fn: 'DrainLambdaFunction' },
  ])('$alarm watches $namespace $metric', ({ alarm, namespace, metric, comparison, threshold, periods, missing, fn }) => {
    const p = props(template.Resources[alarm]);
    expect({ namespace: p.Namespace, metric: p.MetricName, comparison: p.ComparisonOperator, threshold: p.Threshold, periods: p.EvaluationPeriods, period: p.Period, missing: p.TreatMissingData }).toEqual({
      namespace,
      metric,
      comparison,
      threshold,
      periods,
      period: 60,
      missing,
    });
    if (fn) expect(p.Dimensions).toEqual([{ Name: 'FunctionName', Value: { Ref: fn } }]);
  });

  it('feeds every GpuFleetScaler/Alarms alarm from a metric filter on a function log group', () => {
    const filters = resourcesOfType(template, 'AWS::Logs::MetricFilter');
    for (const [name, alarm] of alarms.filter(([, a]) => props(a).Namespace === 'GpuFleetScaler/Alarms')) {
      const feeding = filters.filter(([, f]) =>
        asArray(props(f).MetricTransformations as Json).some((t) => (t as Record<string, Json>).MetricNamespace === 'GpuFleetScaler/Alarms' && (t as Record<string, Json>).MetricName === props(alarm).MetricName),
      );
      expect(feeding.length, `${name} has no metric filter`).toBeGreaterThan(0);
      for (const [, filter] of feeding) expect(template.Resources[render(props(filter).LogGroupName as Json).replace(/^\$\{|\}$/g, '')]?.Type).toBe('AWS::Logs::LogGroup');
    }
  });

  it('shows every alarm on the dashboard', () => {
    const body = (props(template.Resources.FleetDashboard).DashboardBody as { 'Fn::Sub': string })['Fn::Sub'];
    const shown = new Set([...body.matchAll(/\$\{([A-Za-z0-9]+)\.Arn\}/g)].map((m) => m[1]));
    expect(alarms.map(([name]) => name).filter((name) => !shown.has(name))).toEqual([]);
  });
});
