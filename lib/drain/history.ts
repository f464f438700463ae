import type { MetricDataQuery } from '@aws-sdk/client-cloudwatch';
import { readMetricData } from '../aws/metric-data.js';
import type { CloudWatchPort } from '../aws/ports.js';
import { describeError, type RetryPolicy } from '../aws/retry.js';
import { CONTROLLER_NAMESPACE, SERVICE_NAME } from '../telemetry.js';
import { DRAIN_METRICS } from './reconcile.js';

export class DrainHistoryError extends Error {
  override readonly name = 'DrainHistoryError';
}

const DAY_S = 86_400;

/** Grace lengths the distribution is read at, minutes: fine where drains end, coarse beyond. */
export const GRACE_STEPS_MINUTES = [5, 10, 15, 20, 25, 30, 40, 50, 60, 75, 90, 120, 150, 180, 240, 300, 360, 480, 720, 1440, 2880] as const;

/** One day's drain figures of a fleet, as CloudWatch aggregates them. */
export interface DrainDay {
  at: Date;
  /** Drains released (DrainDurationSeconds SampleCount). */
  releases: number;
  /** Of those, released because the instance emptied (DrainSecondsToEmpty SampleCount). */
  emptied: number;
  /** The longest of those, seconds. */
  longestToEmptySeconds?: number;
  /** Streams cut at the grace deadline (StreamsCutAtGrace Sum). */
  streamsCut: number;
  /** Percent of the emptied drains that took at most each GRACE_STEPS_MINUTES (PR(:seconds)). */
  percentWithin: ReadonlyMap<number, number>;
}

export interface DrainHistory {
  days: number;
  releases: number;
  emptied: number;
  /** Drains released at the grace deadline (releases - emptied): their own length is unknown. */
  forced: number;
  streamsCut: number;
  longestToEmptySeconds?: number;
  /** Emptied drains within each grace step, and their share of all releases. */
  within: Array<{ graceMinutes: number; drains: number; shareOfReleases: number }>;
  /** The shortest grace, minutes, under which none of the history's drains would have cut a stream; undefined: not knowable from it. */
  shortestSafeGraceMinutes?: number;
  /** Why, in one line an operator reads. */
  verdict: string;
}

/**
 * What a fleet's drains needed, from the drain Lambda's published metrics. A drain that
 * emptied tells how long its streams took; one released at the deadline says only that it
 * needed more than the grace. So the history proves a grace safe only when no drain cut a
 * stream: the longest time to empty, rounded up to a minute, is then the shortest grace
 * that would have cut nothing. A longer grace costs only the drains that use it: each
 * drain ends when its instance empties.
 */
export function summarizeDrainHistory(days: readonly DrainDay[], graceSeconds: number): DrainHistory {
  const releases = sum(days.map((d) => d.releases));
  const emptied = sum(days.map((d) => d.emptied));
  const streamsCut = sum(days.map((d) => d.streamsCut));
  const longests = days.map((d) => d.longestToEmptySeconds).filter((v): v is number => v !== undefined);
  const longestToEmptySeconds = longests.length > 0 ? Math.max(...longests) : undefined;
  // Per day, PR x count is the number within the step; the days add up exactly.
  const within = GRACE_STEPS_MINUTES.map((graceMinutes) => {
    const drains = Math.round(sum(days.map((d) => ((d.percentWithin.get(graceMinutes) ?? 0) / 100) * d.emptied)));
    return { graceMinutes, drains, shareOfReleases: releases > 0 ? drains / releases : 0 };
  });
  const forced = Math.max(0, releases - emptied);
  const graceMinutes = Math.round(graceSeconds / 60);
  let shortestSafeGraceMinutes: number | undefined;
  let verdict: string;
  if (releases === 0) {
    verdict = 'no drain in the span: nothing to size a grace from';
  } else if (streamsCut > 0) {
    verdict = `${forced} drain(s) reached the ${graceMinutes}-min grace and cut ${streamsCut} stream(s): their length is unknown, only that it exceeded the grace. Raise the grace (a drain ends when its instance empties, so a longer grace costs only the drains that need it) and read the history again`;
  } else {
    shortestSafeGraceMinutes = Math.max(1, Math.ceil((longestToEmptySeconds ?? 0) / 60));
    verdict = `no stream cut: every drain emptied within ${shortestSafeGraceMinutes} min${forced > 0 ? ` (${forced} released at the deadline with no stream left)` : ''}; a grace of ${shortestSafeGraceMinutes} min or more would have cut nothing over this span, the ${graceMinutes}-min grace configured included${shortestSafeGraceMinutes > graceMinutes ? ' — not so: raise it' : ''}`;
  }
  return { days: days.length, releases, emptied, forced, streamsCut, longestToEmptySeconds, within, shortestSafeGraceMinutes, verdict };
}

/** Daily figures of one fleet's drains over [from, to), in one GetMetricData read. */
export async function readDrainDays(cloudwatch: CloudWatchPort, fleet: string, from: Date, to: Date, retry?: RetryPolicy): Promise<DrainDay[]> {
  // Daily periods from midnight UTC: a period of a day is valid at every retention tier.
  const start = new Date(Math.floor(from.getTime() / (DAY_S * 1000)) * DAY_S * 1000);
  const end = new Date(Math.ceil(to.getTime() / (DAY_S * 1000)) * DAY_S * 1000);
  const metric = (name: string) => ({
    Namespace: CONTROLLER_NAMESPACE,
    MetricName: name,
    // Powertools adds the service dimension to every metric it publishes.
    Dimensions: [
      { Name: 'Fleet', Value: fleet },
      { Name: 'service', Value: SERVICE_NAME },
    ],
  });
  const query = (id: string, name: string, stat: string): MetricDataQuery => ({ Id: id, MetricStat: { Metric: metric(name), Period: DAY_S, Stat: stat }, ReturnData: true });
  const queries: MetricDataQuery[] = [
    query('releases', DRAIN_METRICS.drainDuration, 'SampleCount'),
    query('emptied', DRAIN_METRICS.secondsToEmpty, 'SampleCount'),
    query('longest', DRAIN_METRICS.secondsToEmpty, 'Maximum'),
    query('cut', DRAIN_METRICS.streamsCut, 'Sum'),
    ...GRACE_STEPS_MINUTES.map((m) => query(`within${m}`, DRAIN_METRICS.secondsToEmpty, `PR(:${m * 60})`)),
  ];
  const byDay = new Map<number, { releases: number; emptied: number; longest?: number; cut: number; within: Map<number, number> }>();
  const dayOf = (ms: number) => {
    let entry = byDay.get(ms);
    if (!entry) {
      entry = { releases: 0, emptied: 0, cut: 0, within: new Map() };
      byDay.set(ms, entry);
    }
    return entry;
  };
  const incomplete = await readMetricData(
    cloudwatch,
    {
      queries,
      start,
      end,
      scanBy: 'TimestampAscending',
      retry,
      failure: (cause) => new DrainHistoryError(`reading the drain history of fleet ${fleet} ${start.toISOString()}..${end.toISOString()} failed: ${describeError(cause)}`, { cause }),
    },
    (result) => {
      const id = result.Id ?? '';
      const values = result.Values ?? [];
      (result.Timestamps ?? []).forEach((timestamp, i) => {
        const value = values[i];
        if (value === undefined || !Number.isFinite(value)) return;
        if (value < 0) throw new DrainHistoryError(`GetMetricData answered ${id} = ${value} for ${new Date(timestamp).toISOString()}: a count, a duration or a percentage is never negative`);
        const day = dayOf(new Date(timestamp).getTime());
        if (id === 'releases') day.releases = value;
        else if (id === 'emptied') day.emptied = value;
        else if (id === 'longest') day.longest = value;
        else if (id === 'cut') day.cut = value;
        else if (id.startsWith('within')) day.within.set(Number(id.slice('within'.length)), value);
        else throw new DrainHistoryError(`GetMetricData answered an unknown query id ${JSON.stringify(result.Id)}`);
      });
    },
  );
  // A day a query lacks would read as no drain, no cut stream: a history that says less than it seems.
  if (incomplete.length > 0) {
    const what = incomplete.map((q) => `${q.id} ${q.statusCode}${q.messages.length > 0 ? ` (${q.messages.join('; ')})` : ''}`).join(', ');
    throw new DrainHistoryError(`GetMetricData did not answer the drain history of fleet ${fleet} whole: ${what}; read it again`);
  }
  const days = [...byDay]
    .sort(([a], [b]) => a - b)
    .map(([ms, d]) => ({ at: new Date(ms), releases: d.releases, emptied: d.emptied, longestToEmptySeconds: d.longest, streamsCut: d.cut, percentWithin: d.within }));
  return days;
}

/** The history as an operator reads it in a terminal. */
export function renderDrainHistory(fleet: string, from: Date, to: Date, history: DrainHistory): string {
  const lines = [
    `fleet ${fleet}, ${from.toISOString()} .. ${to.toISOString()} (${history.days} day(s) with drains)`,
    `drains released      ${history.releases}: ${history.emptied} emptied, ${history.forced} at the grace deadline; streams cut ${history.streamsCut}`,
    `longest to empty     ${history.longestToEmptySeconds === undefined ? '-' : `${(history.longestToEmptySeconds / 60).toFixed(1)} min`}`,
    'grace (min)  drains emptied within it  share of all drains',
    ...history.within.map((w) => `${String(w.graceMinutes).padStart(11)}  ${String(w.drains).padStart(24)}  ${(100 * w.shareOfReleases).toFixed(2).padStart(18)} %`),
    history.shortestSafeGraceMinutes === undefined ? `shortest safe grace  unknown: ${history.verdict}` : `shortest safe grace  ${history.shortestSafeGraceMinutes} min: ${history.verdict}`,
  ];
  return `${lines.join('\n')}\n`;
}

function sum(values: readonly number[]): number {
  return values.reduce((a, b) => a + b, 0);
}
