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

/**
 * Sends every query over [start, end) in as few GetMetricData calls as the 500-query limit
 * allows, following NextToken, and hands each result to `onResult` as it arrives: pages may
 * split one query's datapoints, so a reader must merge.
 */
export async function readMetricData(cloudwatch: CloudWatchPort, read: MetricDataRead, onResult: (result: MetricDataResult) => void): Promise<void> {
  for (let offset = 0; offset < read.queries.length; offset += MAX_QUERIES_PER_CALL) {
    const chunk = read.queries.slice(offset, offset + MAX_QUERIES_PER_CALL);
    await forEachPage(
      'cloudwatch:GetMetricData',
      {
        send: (token) => cloudwatch.send(new GetMetricDataCommand({ MetricDataQueries: chunk, StartTime: read.start, EndTime: read.end, ScanBy: read.scanBy, NextToken: token })),
        retry: read.retry,
        ...(read.failure ? { failure: (cause: unknown) => read.failure!(cause, chunk.length) } : {}),
      },
      (page) => {
        for (const result of page.MetricDataResults ?? []) onResult(result);
      },
    );
  }
}
