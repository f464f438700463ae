import { GetMetricDataCommand, type MetricDataQuery, type MetricDataResult, type ScanBy } from '@aws-sdk/client-cloudwatch';
import type { CloudWatchPort } from './ports.js';
import { withRetry, type RetryPolicy } from './retry.js';

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
    let nextToken: string | undefined;
    do {
      const token = nextToken;
      let answer;
      try {
        answer = await withRetry(
          'cloudwatch:GetMetricData',
          () => cloudwatch.send(new GetMetricDataCommand({ MetricDataQueries: chunk, StartTime: read.start, EndTime: read.end, ScanBy: read.scanBy, NextToken: token })),
          read.retry,
        );
      } catch (cause) {
        throw read.failure ? read.failure(cause, chunk.length) : cause;
      }
      for (const result of answer.MetricDataResults ?? []) onResult(result);
      nextToken = answer.NextToken;
    } while (nextToken);
  }
}
