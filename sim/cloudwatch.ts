import type {
  Dimension,
  GetMetricDataCommandInput,
  GetMetricDataCommandOutput,
  ListMetricsCommandInput,
  ListMetricsCommandOutput,
  MetricDataResult,
  PutMetricDataCommandInput,
} from '@aws-sdk/client-cloudwatch';
import { awsError, metadata, SimulationError } from './errors.js';
import { absoluteMinute, type MetricStore, type MinuteStats } from './metric-store.js';

const MAX_QUERIES = 500;
/** ListMetrics: "After you create a metric, allow up to 15 minutes for the metric to appear." */
export const LISTING_LAG_MINUTES = 15;
const DEFAULT_MAX_DATAPOINTS = 100_800;
/** Minutes of Dates kept for answers (a power of two): more than a tick's reads span. */
const DATE_SLOTS = 512;
const STATS = new Set(['Sum', 'Average', 'Minimum', 'Maximum', 'SampleCount']);
const ID_PATTERN = /^[a-z][a-zA-Z0-9_]*$/;

function invalid(message: string): Error {
  return awsError('cloudwatch', 'ValidationError', message);
}

function parameter(message: string): Error {
  return awsError('cloudwatch', 'InvalidParameterValue', message);
}

function toMs(value: unknown, field: string): number {
  const ms = value instanceof Date ? value.getTime() : typeof value === 'string' || typeof value === 'number' ? new Date(value).getTime() : Number.NaN;
  if (Number.isNaN(ms)) throw invalid(`1 validation error detected: Value at '${field}' failed to satisfy constraint: Member must be a timestamp, got ${String(value)}`);
  return ms;
}

/**
 * CloudWatch over the simulated metric store. A datapoint stamped minute m becomes
 * visible from minute m + 1; old datapoints follow CloudWatch's retention by period.
 */
export class SimCloudWatch {
  constructor(
    private readonly store: MetricStore,
    private readonly nowMs: () => number,
  ) {}

  getMetricData(input: GetMetricDataCommandInput): GetMetricDataCommandOutput {
    const queries = input.MetricDataQueries ?? [];
    if (queries.length === 0) throw invalid("1 validation error detected: Value null at 'metricDataQueries' failed to satisfy constraint: Member must not be null");
    if (queries.length > MAX_QUERIES) {
      throw invalid(`1 validation error detected: Value at 'metricDataQueries' failed to satisfy constraint: Member must have length less than or equal to ${MAX_QUERIES} (got ${queries.length})`);
    }
    const startMs = toMs(input.StartTime, 'startTime');
    const endMs = toMs(input.EndTime, 'endTime');
    if (startMs >= endMs) throw invalid('The parameter StartTime must be less than the parameter EndTime.');
    const scanBy = input.ScanBy ?? 'TimestampDescending';
    if (scanBy !== 'TimestampDescending' && scanBy !== 'TimestampAscending') throw invalid(`Invalid ScanBy: ${String(scanBy)}`);
    const maxDatapoints = input.MaxDatapoints ?? DEFAULT_MAX_DATAPOINTS;
    if (!Number.isInteger(maxDatapoints) || maxDatapoints < 1) throw invalid(`MaxDatapoints must be a positive integer, got ${maxDatapoints}`);

    const ids = new Set<string>();
    for (const q of queries) {
      if (!q.Id || !ID_PATTERN.test(q.Id) || q.Id.length > 255) throw invalid(`Invalid metric data query Id ${JSON.stringify(q.Id)}: it must start with a lowercase letter and contain only letters, digits and underscores`);
      if (ids.has(q.Id)) throw invalid(`The values for parameter id in MetricDataQueries are not unique: ${q.Id}`);
      ids.add(q.Id);
      if (q.Expression !== undefined) throw new SimulationError(`the simulated CloudWatch does not evaluate metric math: query ${q.Id} has Expression ${JSON.stringify(q.Expression)}; use MetricStat queries`);
      if (!q.MetricStat) throw invalid(`Exactly one element of the Expression and MetricStat parameters must be specified in query ${q.Id}`);
      const { Metric, Period, Stat } = q.MetricStat;
      if (!Metric?.Namespace || !Metric.MetricName) throw invalid(`Query ${q.Id}: MetricStat.Metric needs Namespace and MetricName`);
      if (Period === undefined || !Number.isInteger(Period) || Period < 1) throw invalid(`Query ${q.Id}: Period must be a positive integer, got ${String(Period)}`);
      if (Period % 60 !== 0) {
        if ([1, 5, 10, 20, 30].includes(Period)) throw new SimulationError(`query ${q.Id}: the simulated CloudWatch stores one-minute data only; Period ${Period} (high resolution) is not modelled`);
        throw invalid(`The parameter MetricDataQueries.member.Period must be a multiple of 60, got ${Period}`);
      }
      if (!Stat) throw invalid(`Query ${q.Id}: MetricStat.Stat is required`);
      if (!STATS.has(Stat)) {
        if (/^(p|tm|wm|tc|ts|pr|iqm)/i.test(Stat)) throw new SimulationError(`query ${q.Id}: the simulated CloudWatch computes Sum, Average, Minimum, Maximum and SampleCount only, not ${Stat}`);
        throw invalid(`Query ${q.Id}: invalid statistic ${JSON.stringify(Stat)}`);
      }
      if ((Metric.Dimensions ?? []).length > 30) throw invalid(`Query ${q.Id}: at most 30 dimensions`);
    }

    let startQuery = 0;
    let startPoint = 0;
    if (input.NextToken !== undefined) {
      const match = /^sim:(\d+):(\d+)$/.exec(input.NextToken);
      if (!match) throw awsError('cloudwatch', 'InvalidNextToken', `The service cannot find the specified NextToken ${input.NextToken}`);
      startQuery = Number(match[1]);
      startPoint = Number(match[2]);
    }

    // CloudWatch rounds StartTime down to the minute, 5 minutes or the hour by its age; EndTime is exclusive.
    const nowMinute = absoluteMinute(this.nowMs());
    const startMinute = absoluteMinute(startMs);
    const age = nowMinute - startMinute;
    const fromMinute = age > RETENTION.fiveMinute ? startMinute - (startMinute % 60) : age > RETENTION.oneMinute ? startMinute - (startMinute % 5) : startMinute;
    const toMinute = Math.ceil(endMs / 60_000);
    const visibleBefore = nowMinute;
    const results: MetricDataResult[] = [];
    let budget = maxDatapoints;
    let nextToken: string | undefined;
    for (let qi = startQuery; qi < queries.length; qi++) {
      const q = queries[qi]!;
      if (q.ReturnData === false) continue;
      const found = this.points(q.MetricStat!, fromMinute, toMinute, visibleBefore);
      const descending = scanBy === 'TimestampDescending';
      const skip = qi === startQuery ? startPoint : 0;
      const available = found.length - skip;
      const take = Math.min(available, budget);
      budget -= take;
      const partial = take < available;
      // Datapoints skip .. skip + take in the scan's order.
      // Sized once rather than grown push by push: every query of every tick copies its datapoints here.
      const timestamps = new Array<Date>(take);
      const values = new Array<number>(take);
      for (let n = 0; n < take; n++) {
        const j = skip + n;
        const i = descending ? found.length - 1 - j : j;
        timestamps[n] = this.dateOf(found.minutes[i] as number);
        values[n] = found.values[i] as number;
      }
      results.push({ Id: q.Id, Label: q.Label ?? q.MetricStat!.Metric!.MetricName, Timestamps: timestamps, Values: values, StatusCode: partial ? 'PartialData' : 'Complete' });
      if (partial) {
        nextToken = `sim:${qi}:${skip + take}`;
        break;
      }
    }
    return { $metadata: metadata(), MetricDataResults: results, Messages: [], ...(nextToken ? { NextToken: nextToken } : {}) };
  }

  /**
   * One Date per recent minute, shared by the datapoints of every answer that has it (readers
   * only read a datapoint's Date, none sets one): each tick asks again for the same recent
   * periods. A ring by minute, so it holds a bounded number of Dates however long the run.
   */
  private readonly dates = new Array<Date | undefined>(DATE_SLOTS);
  private readonly dateMinutes = new Float64Array(DATE_SLOTS).fill(Number.NaN);

  private dateOf(minute: number): Date {
    const slot = minute & (DATE_SLOTS - 1);
    if (this.dateMinutes[slot] === minute) return this.dates[slot] as Date;
    const date = new Date(minute * 60_000);
    this.dates[slot] = date;
    this.dateMinutes[slot] = minute;
    return date;
  }

  /**
   * One query's datapoints, reused from query to query: read before the next query is
   * answered. Typed arrays with a count, grown only when a query has more periods than any
   * before: emptying a plain array drops its storage, so each query would grow it again.
   */
  private readonly found = { minutes: new Float64Array(64), values: new Float64Array(64), length: 0 };

  /** Datapoints in ascending time: one per period with data, stamped at the period's start. */
  private points(stat: NonNullable<GetMetricDataCommandInput['MetricDataQueries']>[number]['MetricStat'] & object, fromMinute: number, toMinute: number, visibleBefore: number) {
    const metric = stat.Metric!;
    const series = this.store.find(metric.Namespace!, metric.MetricName!, metric.Dimensions ?? []);
    const out = this.found;
    out.length = 0;
    if (!series) return out;
    if (stat.Unit !== undefined && (series.unit ?? 'None') !== stat.Unit) return out;
    const periodMinutes = stat.Period! / 60;
    const last = Math.min(toMinute, visibleBefore);
    const stats: MinuteStats = { sum: 0, count: 0, min: 0, max: 0 };
    if (periodMinutes === 1 && Number.isInteger(fromMinute)) {
      // One-minute periods are kept for RETENTION.oneMinute: a minute older has no answer.
      const statistic = stat.Stat!;
      series.forEachMinute(Math.max(fromMinute, visibleBefore - RETENTION.oneMinute), last, stats, (minute) => append(out, minute, statValue(statistic, stats)));
      return out;
    }
    for (let bucket = fromMinute; bucket < last; bucket += periodMinutes) {
      if (bucket + periodMinutes <= series.firstMinute) continue;
      if (bucket > series.lastMinute) break;
      if (!retained(visibleBefore - bucket, periodMinutes)) continue;
      stats.sum = 0;
      stats.count = 0;
      if (!series.accumulate(bucket, Math.min(bucket + periodMinutes, last), stats)) continue;
      append(out, bucket, statValue(stat.Stat!, stats));
    }
    return out;
  }

  putMetricData(input: PutMetricDataCommandInput): { $metadata: ReturnType<typeof metadata> } {
    const namespace = input.Namespace;
    if (!namespace) throw invalid("1 validation error detected: Value null at 'namespace' failed to satisfy constraint: Member must not be null");
    if (namespace.startsWith('AWS/')) throw parameter(`The value AWS/ for parameter Namespace is invalid: namespaces beginning with AWS/ are reserved (got ${namespace})`);
    const data = input.MetricData ?? [];
    if (data.length === 0) throw invalid("1 validation error detected: Value null at 'metricData' failed to satisfy constraint: Member must not be null");
    if (data.length > 1000) throw invalid(`1 validation error detected: Value at 'metricData' failed to satisfy constraint: Member must have length less than or equal to 1000 (got ${data.length})`);
    const nowMs = this.nowMs();
    const writes: Array<() => void> = [];
    data.forEach((datum, index) => {
      if (!datum.MetricName) throw invalid(`The parameter MetricData.member.${index + 1}.MetricName is required.`);
      const dims = dimensionRecord(datum.Dimensions ?? [], index);
      const minute = absoluteMinute(datum.Timestamp ? toMs(datum.Timestamp, 'timestamp') : nowMs);
      const unit = datum.Unit ?? 'None';
      const series = () => this.store.seriesFor(namespace, datum.MetricName!, dims, unit);
      if (datum.StatisticValues) {
        const s = datum.StatisticValues;
        if ([s.Sum, s.SampleCount, s.Minimum, s.Maximum].some((v) => v === undefined || !Number.isFinite(v))) {
          throw parameter(`The parameter MetricData.member.${index + 1}.StatisticValues needs finite Sum, SampleCount, Minimum and Maximum`);
        }
        writes.push(() => series().add(minute, s.Sum!, s.SampleCount!, s.Minimum!, s.Maximum!));
      } else if (datum.Values) {
        const counts = datum.Counts ?? datum.Values.map(() => 1);
        if (counts.length !== datum.Values.length) throw parameter(`The parameter MetricData.member.${index + 1}.Counts must have as many members as Values`);
        datum.Values.forEach((v, i) => {
          if (!Number.isFinite(v)) throw parameter(`The parameter MetricData.member.${index + 1}.Values contains a non-finite value ${v}`);
          const c = counts[i] ?? 1;
          writes.push(() => series().add(minute, v * c, c, v, v));
        });
      } else {
        const v = datum.Value;
        if (v === undefined || !Number.isFinite(v)) throw parameter(`The parameter MetricData.member.${index + 1}.Value must be a finite number, got ${String(v)}`);
        writes.push(() => series().add(minute, v));
      }
    });
    // All or nothing: a bad datum changes nothing.
    for (const write of writes) write();
    return { $metadata: metadata() };
  }

  /**
   * Lists the series that received data in the past two weeks, or the past three hours with
   * RecentlyActive PT3H, and only once LISTING_LAG_MINUTES have passed since their first
   * datapoint: AWS says to allow up to 15 minutes for a new metric to appear, and the
   * simulation takes the worst case.
   */
  listMetrics(input: ListMetricsCommandInput): ListMetricsCommandOutput {
    const wanted = input.Dimensions ?? [];
    if (input.RecentlyActive !== undefined && input.RecentlyActive !== 'PT3H') throw invalid(`1 validation error detected: Value '${String(input.RecentlyActive)}' at 'recentlyActive' failed to satisfy constraint: Member must satisfy enum value set: [PT3H]`);
    const nowMinute = absoluteMinute(this.nowMs());
    const activeSince = nowMinute - (input.RecentlyActive === 'PT3H' ? 180 : 14 * 1440);
    const matches: Array<{ Namespace: string; MetricName: string; Dimensions: Dimension[] }> = [];
    // The controller's tick lists one metric's recently active series: walk only those.
    const candidates = input.Namespace !== undefined && input.MetricName !== undefined && input.RecentlyActive === 'PT3H' ? this.store.recentlyActive(input.Namespace, input.MetricName, activeSince) : this.store.all();
    for (const s of candidates) {
      if (s.firstMinute > nowMinute - LISTING_LAG_MINUTES || s.lastMinute < activeSince) continue;
      if (input.Namespace !== undefined && s.namespace !== input.Namespace) continue;
      if (input.MetricName !== undefined && s.metricName !== input.MetricName) continue;
      if (!wanted.every((w) => s.dimensions.some((d) => d.Name === w.Name && (w.Value === undefined || d.Value === w.Value)))) continue;
      matches.push({ Namespace: s.namespace, MetricName: s.metricName, Dimensions: s.dimensions.map((d) => ({ ...d })) });
    }
    const offset = input.NextToken ? Number(input.NextToken.replace(/^sim:/, '')) : 0;
    if (!Number.isInteger(offset) || offset < 0) throw awsError('cloudwatch', 'InvalidNextToken', `The service cannot find the specified NextToken ${String(input.NextToken)}`);
    const page = matches.slice(offset, offset + 500);
    return { $metadata: metadata(), Metrics: page, ...(offset + 500 < matches.length ? { NextToken: `sim:${offset + 500}` } : {}) };
  }
}

/** Adds a datapoint to a query's gathered ones, doubling their arrays when full. */
function append(found: { minutes: Float64Array; values: Float64Array; length: number }, minute: number, value: number): void {
  if (found.length === found.minutes.length) {
    const minutes = new Float64Array(found.minutes.length * 2);
    minutes.set(found.minutes);
    const values = new Float64Array(found.values.length * 2);
    values.set(found.values);
    found.minutes = minutes;
    found.values = values;
  }
  found.minutes[found.length] = minute;
  found.values[found.length] = value;
  found.length++;
}

function dimensionRecord(dimensions: Dimension[], index: number): Record<string, string> {
  if (dimensions.length > 30) throw invalid(`The parameter MetricData.member.${index + 1}.Dimensions must have at most 30 members`);
  const out: Record<string, string> = {};
  for (const d of dimensions) {
    if (!d.Name || d.Value === undefined) throw invalid(`The parameter MetricData.member.${index + 1}.Dimensions needs Name and Value on every member`);
    out[d.Name] = d.Value;
  }
  return out;
}

/**
 * CloudWatch keeps one-minute datapoints 15 days, five-minute ones 63 days and hourly
 * ones 455 days: an older period is answered only if it is built from what is left.
 */
const RETENTION = { oneMinute: 15 * 1440, fiveMinute: 63 * 1440, oneHour: 455 * 1440 };

function retained(ageMinutes: number, periodMinutes: number): boolean {
  if (ageMinutes > RETENTION.oneHour) return false;
  if (ageMinutes > RETENTION.fiveMinute) return periodMinutes % 60 === 0;
  if (ageMinutes > RETENTION.oneMinute) return periodMinutes % 5 === 0;
  return true;
}

export function statValue(stat: string, s: MinuteStats): number {
  switch (stat) {
    case 'Sum':
      return s.sum;
    case 'Average':
      return s.sum / s.count;
    case 'Minimum':
      return s.min;
    case 'Maximum':
      return s.max;
    default:
      return s.count;
  }
}
