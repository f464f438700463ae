import { GetMetricDataCommand, type MetricDataQuery, type MetricDataResult, type ScanBy } from '@aws-sdk/client-cloudwatch';
import type { CloudWatchPort } from './ports.js';
import { forEachPage } from './pages.js';
import type { RetryPolicy } from './retry.js';

/** GetMetricData accepts at most 500 queries per call. */
export const MAX_QUERIES_PER_CALL = 500;

export interface MetricDataRead {
  queries: readonly MetricDataQuery[];
  start: Date;
  end: Date;
  scanBy: ScanBy;
  retry?: RetryPolicy;
  /** Wraps a call that failed (after its retries) in the caller's own error type. */
  failure?: (cause: unknown, queries: number) => Error;
}

/** What stands in for a StatusCode when no result of the answer carried the query's Id. */
export const UNANSWERED = 'Unanswered';
/** What stands in for a StatusCode a result left out. */
export const NO_STATUS = 'NoStatusCode';

/**
 * A query CloudWatch did not answer whole: the StatusCode of its last result once paging
 * ended (InternalError, Forbidden, PartialData, or one this code does not know), or
 * UNANSWERED / NO_STATUS; with the Messages (Code: Value) its results carried.
 */
export interface IncompleteQuery {
  id: string;
  statusCode: string;
  messages: string[];
}

/**
 * Sends every query over [start, end) in as few GetMetricData calls as the 500-query limit
 * allows, following NextToken, and hands each result to `onResult` as it arrives: pages may
 * split one query's datapoints, so a reader must merge.
 *
 * Returns the queries whose answer is not whole. A result may say PartialData or
 * InternalError on one page and Complete on a later one, so a query's status is that of
 * its last result; only Complete is whole. The datapoints of an incomplete query are still
 * handed over: the caller decides what its missing ones mean, and they never mean zero.
 */
export async function readMetricData(cloudwatch: CloudWatchPort, read: MetricDataRead, onResult: (result: MetricDataResult) => void): Promise<IncompleteQuery[]> {
  const incomplete: IncompleteQuery[] = [];
  for (let offset = 0; offset < read.queries.length; offset += MAX_QUERIES_PER_CALL) {
    const chunk = read.queries.slice(offset, offset + MAX_QUERIES_PER_CALL);
    const status = new Map<string, { statusCode: string; messages: string[] }>();
    await forEachPage(
      'cloudwatch:GetMetricData',
      {
        send: (token) => cloudwatch.send(new GetMetricDataCommand({ MetricDataQueries: chunk, StartTime: read.start, EndTime: read.end, ScanBy: read.scanBy, NextToken: token })),
        retry: read.retry,
        ...(read.failure ? { failure: (cause: unknown) => read.failure!(cause, chunk.length) } : {}),
      },
      (page) => {
        for (const result of page.MetricDataResults ?? []) {
          if (result.Id !== undefined) {
            const earlier = status.get(result.Id)?.messages ?? [];
            // Most results carry no message: the earlier list, already without repeats, stands.
            const messages = (result.Messages ?? []).length === 0 ? earlier : [...new Set([...earlier, ...(result.Messages ?? []).map((m) => `${m.Code ?? '?'}: ${m.Value ?? ''}`)])];
            status.set(result.Id, { statusCode: result.StatusCode ?? NO_STATUS, messages });
          }
          onResult(result);
        }
      },
    );
    for (const query of chunk) {
      // A query with ReturnData false (an input of an expression) is never answered.
      if (query.Id === undefined || query.ReturnData === false) continue;
      const answered = status.get(query.Id);
      if (answered === undefined) incomplete.push({ id: query.Id, statusCode: UNANSWERED, messages: [] });
      else if (answered.statusCode !== 'Complete') incomplete.push({ id: query.Id, ...answered });
    }
  }
  return incomplete;
}

/**
 * Each datapoint of a result with a finite value, as (period start in ms, value). The SDK
 * answers Dates; a timestamp that arrives as a string or a number is read as Date reads it.
 */
export function forEachDatapoint(result: MetricDataResult, visit: (atMs: number, value: number) => void): void {
  const timestamps = result.Timestamps ?? [];
  const values = result.Values ?? [];
  for (let i = 0; i < timestamps.length; i++) {
    const value = values[i];
    if (value === undefined || !Number.isFinite(value)) continue;
    const timestamp: Date | string | number | undefined = timestamps[i];
    if (timestamp === undefined) continue;
    visit(timestamp instanceof Date ? timestamp.getTime() : new Date(timestamp).getTime(), value);
  }
}
