import { readFileSync } from 'node:fs';
import { parse } from 'yaml';

export const FRAGMENT_PATH = new URL('../../infra/license-alarms.yml', import.meta.url);

export interface AlarmProperties {
  AlarmName: unknown;
  AlarmDescription: string;
  Namespace: string;
  MetricName: string;
  Dimensions?: unknown[];
  Statistic: 'Maximum' | 'Minimum' | 'Sum' | 'Average' | 'SampleCount';
  Period: number;
  EvaluationPeriods: number;
  DatapointsToAlarm: number;
  Threshold: number;
  ComparisonOperator: 'GreaterThanThreshold' | 'GreaterThanOrEqualToThreshold' | 'LessThanThreshold' | 'LessThanOrEqualToThreshold';
  TreatMissingData: 'breaching' | 'notBreaching' | 'ignore' | 'missing';
  AlarmActions: unknown[];
  OKActions: unknown[];
}

export interface Fragment {
  Parameters: Record<string, { Type: string; Default?: string; AllowedValues?: string[] }>;
  Conditions: Record<string, unknown>;
  Resources: Record<string, { Type: string; Condition?: string; Properties: Record<string, unknown> }>;
  Outputs: Record<string, { Value: unknown }>;
}

export function loadFragment(): Fragment {
  return parse(readFileSync(FRAGMENT_PATH, 'utf8')) as Fragment;
}

export function loadAlarms(): Record<string, AlarmProperties> {
  const fragment = loadFragment();
  return Object.fromEntries(
    Object.entries(fragment.Resources)
      .filter(([, resource]) => resource.Type === 'AWS::CloudWatch::Alarm')
      .map(([id, resource]) => [id, resource.Properties as unknown as AlarmProperties]),
  );
}

export type AlarmState = 'OK' | 'ALARM' | 'INSUFFICIENT_DATA';
export interface Datapoint {
  at: Date;
  value: number;
}

/**
 * A simplified model of CloudWatch's "M out of N" evaluation, enough to show what the
 * alarms in the fragment do with the datapoints the watcher publishes: the last N
 * periods up to `at`, each aggregated by the alarm's statistic, missing periods
 * handled by TreatMissingData ("ignore"/"missing" keep the state when nothing is known).
 */
export function evaluateAlarm(alarm: AlarmProperties, datapoints: readonly Datapoint[], at: Date, previous: AlarmState): AlarmState {
  const periodMs = alarm.Period * 1000;
  const last = Math.floor(at.getTime() / periodMs);
  let breaching = 0;
  let known = 0;
  for (let period = last - alarm.EvaluationPeriods + 1; period <= last; period++) {
    const values = datapoints.filter((d) => Math.floor(d.at.getTime() / periodMs) === period).map((d) => d.value);
    if (values.length === 0) {
      if (alarm.TreatMissingData === 'breaching') {
        breaching += 1;
        known += 1;
      } else if (alarm.TreatMissingData === 'notBreaching') known += 1;
      continue;
    }
    known += 1;
    if (compare(alarm, aggregate(alarm.Statistic, values))) breaching += 1;
  }
  if (breaching >= alarm.DatapointsToAlarm) return 'ALARM';
  if (known === 0) return previous;
  return 'OK';
}

function aggregate(statistic: AlarmProperties['Statistic'], values: number[]): number {
  switch (statistic) {
    case 'Maximum':
      return Math.max(...values);
    case 'Minimum':
      return Math.min(...values);
    case 'Sum':
      return values.reduce((a, b) => a + b, 0);
    case 'SampleCount':
      return values.length;
    case 'Average':
      return values.reduce((a, b) => a + b, 0) / values.length;
  }
}

function compare(alarm: AlarmProperties, value: number): boolean {
  switch (alarm.ComparisonOperator) {
    case 'GreaterThanThreshold':
      return value > alarm.Threshold;
    case 'GreaterThanOrEqualToThreshold':
      return value >= alarm.Threshold;
    case 'LessThanThreshold':
      return value < alarm.Threshold;
    case 'LessThanOrEqualToThreshold':
      return value <= alarm.Threshold;
  }
}
