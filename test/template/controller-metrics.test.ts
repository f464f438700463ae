import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { CONTROLLER_NAMESPACE } from '../../lib/telemetry.js';
import { emit, type EmfLine } from './emf.js';
import { asArray, loadTemplate, resourcesOfType, type Json, type Template } from './template.js';

const dimensionKeys = (line: EmfLine) => line._aws.CloudWatchMetrics.flatMap((m) => m.Dimensions.map((set) => [...set].sort().join(',')));

/** CloudWatch Logs JSON filter patterns of the one shape the stack uses: { $.Field op number }. */
function matches(pattern: string, line: EmfLine): boolean {
  const parsed = /^\{\s*\$\.([A-Za-z]+)\s*(>=|>|=)\s*(-?\d+(?:\.\d+)?)\s*\}$/.exec(pattern);
  if (!parsed) throw new Error(`filter pattern ${pattern} is outside the modelled grammar`);
  const [, field, op, number] = parsed as unknown as [string, string, string, string];
  const value = line[field];
  if (typeof value !== 'number') return false;
  return op === '>=' ? value >= Number(number) : op === '>' ? value > Number(number) : value === Number(number);
}

/** The controller metrics the dashboard references, with the dimension names it uses. */
function dashboardReferences(template: Template): { metric: string; keys: string }[] {
  const body = JSON.parse(
    ((template.Resources.FleetDashboard?.Properties?.DashboardBody as { 'Fn::Sub': string })['Fn::Sub']).replace(/\$\{[^}]+\}/g, 'x'),
  ) as { widgets: { properties: { metrics?: Json[][] } }[] };
  const out: { metric: string; keys: string }[] = [];
  for (const widget of body.widgets) {
    for (const row of widget.properties.metrics ?? []) {
      const first = row[0];
      if (first === CONTROLLER_NAMESPACE) {
        const pairs = row.slice(2).filter((v) => typeof v === 'string') as string[];
        out.push({ metric: row[1] as string, keys: pairs.filter((_, i) => i % 2 === 0).sort().join(',') });
      } else if (first !== null && typeof first === 'object' && !Array.isArray(first) && typeof first.expression === 'string') {
        const search = /\{GpuFleetScaler,([^}]+)\} MetricName="([A-Za-z]+)"/.exec(first.expression);
        if (search) out.push({ metric: search[2] as string, keys: (search[1] as string).split(',').sort().join(',') });
      }
    }
  }
  return out;
}

// license-watch publishes its Proxy metrics with PutMetricData, not through Powertools.
const PUT_METRIC_DATA = /^License/;

describe('controller metrics as they reach CloudWatch', () => {
  let template: Template;
  beforeAll(() => {
    template = loadTemplate();
  }, 240_000);
  afterEach(() => vi.restoreAllMocks());

  it('the dashboard names each controller metric by the dimensions its EMF line carries', () => {
    const references = dashboardReferences(template).filter((r) => !PUT_METRIC_DATA.test(r.metric));
    expect(references.length).toBeGreaterThan(8);
    for (const { metric, keys } of references) {
      // The code passes its own dimensions; Powertools may add its own (service).
      const own = Object.fromEntries(keys.split(',').filter((k) => k !== 'service').map((k) => [k, 'x']));
      expect({ metric, keys: dimensionKeys(emit(metric, 1, own)) }).toEqual({ metric, keys: [keys] });
    }
  });

  it.each<{ filter: string; metric: string; dimensions: Record<string, string> }>([
    { filter: 'ConfigInvalidScaleFilter', metric: 'ConfigInvalid', dimensions: { Function: 'scale' } },
    { filter: 'ConfigInvalidDrainFilter', metric: 'ConfigInvalid', dimensions: { Function: 'drain' } },
    { filter: 'ConfigInvalidRedeployFilter', metric: 'ConfigInvalid', dimensions: { Function: 'redeploy' } },
    { filter: 'FleetErrorsFilter', metric: 'FleetErrors', dimensions: { Fleet: 'speech-prod' } },
    { filter: 'DrainErrorsFilter', metric: 'DrainErrors', dimensions: { Fleet: 'speech-prod' } },
    { filter: 'MetricReadErrorsFilter', metric: 'MetricReadErrors', dimensions: {} },
    { filter: 'StreamsCutAtGraceFilter', metric: 'StreamsCutAtGrace', dimensions: { Fleet: 'speech-prod' } },
  ])('$filter counts the EMF lines that report a problem and ignores the all-clear ones', ({ filter, metric, dimensions }) => {
    const resource = template.Resources[filter];
    const pattern = resource?.Properties?.FilterPattern as string;
    expect(matches(pattern, emit(metric, 1, dimensions))).toBe(true);
    expect(matches(pattern, emit(metric, 3, dimensions))).toBe(true);
    expect(matches(pattern, emit(metric, 0, dimensions))).toBe(false);
    const [transformation] = asArray(resource?.Properties?.MetricTransformations as Json) as { MetricValue: string }[];
    // "$.Field" publishes the line's own value (3 streams cut count 3); "1" counts lines.
    expect([`$.${metric}`, '1']).toContain(transformation?.MetricValue);
  });

  it('filters only lines the functions write to the log groups they watch', () => {
    const groups = new Set(resourcesOfType(template, 'AWS::Logs::MetricFilter').map(([, f]) => JSON.stringify(f.Properties?.LogGroupName)));
    expect([...groups].sort()).toEqual(['DrainLogGroup', 'RedeployLogGroup', 'ScaleLogGroup'].map((group) => JSON.stringify({ Ref: group })));
  });
});
